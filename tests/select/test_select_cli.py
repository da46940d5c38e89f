"""``seenit select kmq|d4|lp`` end to end: the kept records as read, exact budgets, one error line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import seenit
from seenit.cli import app

runner = CliRunner()
EMB = ["--embed", "hashed"]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture()
def docs(tmp_path):
    rows = [{"text": f"question {i} about topic {i % 5} with numbers {i * 7 % 13}", "id": i, "q": float(i % 4)}
            for i in range(60)]
    return _write(tmp_path / "docs.jsonl", rows)


def test_kmq_writes_exactly_the_budget_as_read(docs, tmp_path):
    out = tmp_path / "k.jsonl"
    res = runner.invoke(app, ["select", "kmq", str(docs), "--out", str(out), "--budget", "17", "--n-clusters", "4",
                              "--quality-field", "q", "--temperature", "0.5", "--seed", "3", *EMB])
    assert res.exit_code == 0, res.output
    kept = _read(out)
    assert len(kept) == 17 and len({k["id"] for k in kept}) == 17
    assert set(kept[0]) == {"text", "id", "q"}  # whole records, not just the text
    # the same selection as the library on the same embeddings
    from seenit.search.embed import embed_texts

    rows = _read(docs)
    x = embed_texts([r["text"] for r in rows], "hashed")
    want = seenit.kmq_select(x, 17, 4, quality=[r["q"] for r in rows], temperature=0.5, seed=3)
    assert [k["id"] for k in kept] == want.selected.tolist()
    assert "selected" in res.output


def test_kmq_reads_parquet(docs, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    rows = _read(docs)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "docs.parquet")
    out = tmp_path / "k.jsonl"
    res = runner.invoke(app, ["select", "kmq", str(tmp_path / "docs.parquet"), "--out", str(out), "--budget", "9",
                              "--equal", *EMB])
    assert res.exit_code == 0, res.output
    assert len(_read(out)) == 9


def test_d4_drops_copies(tmp_path, docs):
    rows = _read(docs)
    src = _write(tmp_path / "dup.jsonl", rows + [dict(r, id=100 + r["id"]) for r in rows[:10]])
    out = tmp_path / "k.jsonl"
    res = runner.invoke(app, ["select", "d4", str(src), "--out", str(out), "--eps", "1e-4", "--ratio", "0.1",
                              "--n-clusters", "3", *EMB])
    assert res.exit_code == 0, res.output
    ids = [k["id"] for k in _read(out)]
    assert not any(i in ids and 100 + i in ids for i in range(10))  # never both copies (one may be prototypical)
    assert len(ids) == 60 - 6  # 60 distinct left after SemDeDup, floor(0.1 * 60) prototypical dropped
    assert "most prototypical" in res.output


def test_lp_keeps_the_hardest_per_cluster(tmp_path):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(20):
        p0 = 10 + rng.random() * 5
        rows.append({"text": f"s{i}", "ppl": [p0, p0 * rng.random(), 1.0], "c": i % 2})
    src = _write(tmp_path / "pp.jsonl", rows)
    out = tmp_path / "k.jsonl"
    res = runner.invoke(app, ["select", "lp", str(src), "--out", str(out), "--fraction", "0.3", "--cluster-field", "c"])
    assert res.exit_code == 0, res.output
    ppl = np.array([r["ppl"] for r in rows]).T
    want = seenit.select_stratified(seenit.learning_percentage(ppl), [r["c"] for r in rows], 0.3)
    assert [k["text"] for k in _read(out)] == [r["text"] for r, k in zip(rows, want) if k]
    assert len(_read(out)) == 6  # 3 of each cluster of 10


@pytest.mark.parametrize("rows, args, message", [
    ([{"text": "a", "ppl": [1.0, 2.0]}, {"text": "b", "ppl": "x"}], [], "field 'ppl' must be a list of perplexities"),
    ([{"text": "a", "ppl": [1.0, 2.0]}, {"text": "b", "ppl": [1.0, 2.0, 3.0]}], [], "has 3 values, earlier records 2"),
    ([{"text": "a", "ppl": [1.0, 0.0]}], [], "ppl must be > 0"),
    ([{"text": "a", "ppl": [1.0]}], [], "E \\+ 1 >= 2 rows"),
    ([{"text": "a", "ppl": [1.0, 2.0], "c": 0.5}], ["--cluster-field", "c"], "field 'c' must be an integer"),
    ([{"text": "a", "ppl": [1.0, 2.0]}], ["--epoch", "2"], "epoch must be in 1..1"),
])
def test_lp_bad_records_are_one_error_line(tmp_path, rows, args, message):
    src = _write(tmp_path / "pp.jsonl", rows)
    res = runner.invoke(app, ["select", "lp", str(src), "--out", str(tmp_path / "k.jsonl"), "--fraction", "0.5", *args])
    assert res.exit_code == 1, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in res.output, res.output
    import re

    assert re.search(message, errors[0]), errors[0]
    assert not (tmp_path / "k.jsonl").exists()


def test_kmq_bad_quality_field(docs, tmp_path):
    res = runner.invoke(app, ["select", "kmq", str(docs), "--out", str(tmp_path / "k.jsonl"), "--budget", "3",
                              "--quality-field", "text", *EMB])
    assert res.exit_code == 1 and "field 'text' must be a number" in res.output, res.output
    res = runner.invoke(app, ["select", "kmq", str(docs), "--out", str(tmp_path / "k.jsonl"), "--budget", "3",
                              "--temperature", "0", *EMB])
    assert res.exit_code == 1 and "--temperature must be" in res.output, res.output


@pytest.mark.slow
def test_example_runs_on_gsm8k(shared_data):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "examples" / "select_gsm8k.py"), "--embed", "hashed",
                          "--data", str(shared_data)], capture_output=True, text=True, check=True, timeout=300).stdout
    assert "kMQ: 1000 selected from 40 clusters" in out
    assert "iterative kMQ (3 rounds): 1000 selected" in out
    assert "D4 (eps 0.01, ratio 0.2): kept" in out
