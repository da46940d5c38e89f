"""`seenit dedup minhash` and `seenit demo` end to end on temporary files."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import seenit
from seenit.cli import app
from seenit.demo import synthetic_corpus

runner = CliRunner()


def _write_inputs(tmp_path, docs):
    """Three inputs: plain JSONL, JSONL.zst and Parquet, with extra fields."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    zstd = pytest.importorskip("zstandard")
    n = len(docs)
    a, b = n // 3, 2 * n // 3
    rows = [{"id": i, "text": d, "meta": {"k": [i, "é"]}} for i, d in enumerate(docs)]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:a]), encoding="utf-8")
    blob = "".join(json.dumps(r) + "\n" for r in rows[a:b]).encode()
    (tmp_path / "b.jsonl.zst").write_bytes(zstd.ZstdCompressor().compress(blob))
    pq.write_table(pa.table({"id": list(range(b, n)), "text": docs[b:]}), tmp_path / "c.parquet")
    return [tmp_path / "a.jsonl", tmp_path / "b.jsonl.zst", tmp_path / "c.parquet"], rows, (a, b)


def _read_jsonl_zst(path):
    import zstandard

    with open(path, "rb") as fh:
        text = zstandard.ZstdDecompressor().stream_reader(fh).read().decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_dedup_minhash_end_to_end(tmp_path):
    c = synthetic_corpus(900, seed=6, dup_fraction=0.15)
    inputs, rows, (a, b) = _write_inputs(tmp_path, c.docs)
    out = tmp_path / "out" / "kept.jsonl.zst"
    res = runner.invoke(app, ["dedup", "minhash", *map(str, inputs), "--out", str(out), "--threshold", "0.8",
                              "--num-perm", "128", "--ngram", "5", "--batch-size", "100"])
    assert res.exit_code == 0, res.output
    want = seenit.near_duplicates(c.docs, threshold=0.8)
    assert want.n_removed > 50
    kept = _read_jsonl_zst(out)
    # kept records: exactly the API's keep mask, in input order, with their other fields
    expected = [rows[i] if i < b else {"id": i, "text": c.docs[i]} for i in np.flatnonzero(want.keep)]
    assert kept == expected
    # clusters file: versioned header, then one row per clustered document naming its cluster and source
    lines = [json.loads(x) for x in (tmp_path / "out" / "kept.clusters.jsonl").read_text().splitlines()]
    header, rows_c = lines[0], lines[1:]
    assert header["format"] == "seenit-dedup-clusters" and header["version"] == 2
    assert header["documents"] == 900
    removed = [r for r in rows_c if r["cluster"] != r["id"]]
    assert len(removed) == want.n_removed
    assert [r["id"] for r in removed] == np.flatnonzero(~want.keep).tolist()
    for r in rows_c:
        i, k = r["id"], r["cluster"]
        assert k == want.labels[i] and (r["similarity"] == 1.0) == (i == k) or r["similarity"] == 1.0
        if i < a:
            assert r["path"].endswith("a.jsonl") and r["line"] == i + 1
        elif i < b:
            assert r["path"].endswith("b.jsonl.zst") and r["line"] == i - a + 1
        else:
            assert r["path"].endswith("c.parquet") and r["line"] == i - b + 1
    summary = json.loads((tmp_path / "out" / "kept.summary.json").read_text())
    assert summary["removed"] == want.n_removed and summary["documents"] == 900
    assert "removed %" in res.output and f"{want.n_removed}" in res.output


def test_dedup_minhash_plain_jsonl_output_and_txt_input(tmp_path):
    docs = ["alpha beta gamma delta epsilon zeta eta", "alpha beta gamma delta epsilon zeta eta", "something else entirely here now"]
    (tmp_path / "in.txt").write_text("\n".join(docs) + "\n")
    out = tmp_path / "kept.jsonl"
    res = runner.invoke(app, ["dedup", "minhash", str(tmp_path / "in.txt"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert [json.loads(x) for x in out.read_text().splitlines()] == [{"text": docs[0]}, {"text": docs[2]}]
    rows = [json.loads(x) for x in (tmp_path / "kept.clusters.jsonl").read_text().splitlines()[1:]]
    src = str(tmp_path / "in.txt")
    assert rows == [{"id": 0, "cluster": 0, "similarity": 1.0, "path": src, "line": 1},
                    {"id": 1, "cluster": 0, "similarity": 1.0, "path": src, "line": 2}]
    assert (tmp_path / "kept.removed.txt").read_text().splitlines()[1:] == ["1"]


def _no_outputs(tmp_path, keep):
    return sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_malformed_line_names_file_and_line_and_writes_nothing(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "a b c d e f"}\n' * 3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n\n{"text": "x", \n{"text": "y"}\n')
    res = runner.invoke(app, ["dedup", "minhash", str(good), str(bad), "--out", str(tmp_path / "out.jsonl")])
    assert res.exit_code != 0
    assert "bad.jsonl:3: malformed JSON" in res.output
    assert _no_outputs(tmp_path, ["good.jsonl", "bad.jsonl"])


def test_missing_field_and_missing_file(tmp_path):
    p = tmp_path / "q.jsonl"
    p.write_text('{"question": "a"}\n')
    res = runner.invoke(app, ["dedup", "minhash", str(p), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code != 0 and "q.jsonl:1: field 'text' not found" in res.output
    res = runner.invoke(app, ["dedup", "minhash", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code != 0 and "input file not found" in res.output and "nope.jsonl" in res.output
    assert _no_outputs(tmp_path, ["q.jsonl"])


@pytest.mark.parametrize(
    "args, message",
    [
        (["--threshold", "1.5"], r"threshold must be a number in (0, 1)"),
        (["--num-perm", "0"], "num_perm must be in 1..8192"),
        (["--verify", "exact"], "--verify must be 'signature' or 'none'"),
        (["--scheme", "nope"], "scheme must be one of"),
        (["--weights", "0.5", "0.9"], "weights must be two numbers"),
    ],
)
def test_bad_options(tmp_path, args, message):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "a b c"}\n')
    res = runner.invoke(app, ["dedup", "minhash", str(p), "--out", str(tmp_path / "o.jsonl"), *args])
    assert res.exit_code != 0 and message in res.output, res.output
    assert _no_outputs(tmp_path, ["in.jsonl"])


def test_bad_out_name_and_out_equal_to_input(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"text": "a b c"}\n')
    res = runner.invoke(app, ["dedup", "minhash", str(p), "--out", str(tmp_path / "o.parquet")])
    assert res.exit_code != 0 and "--out must end in .jsonl.zst, .jsonl.gz, .jsonl" in res.output
    res = runner.invoke(app, ["dedup", "minhash", str(p), "--out", str(p)])
    assert res.exit_code != 0 and "is also an input" in res.output
    assert p.read_text() == '{"text": "a b c"}\n'


def test_demo_runs_and_checks_itself():
    res = runner.invoke(app, ["demo", "--docs", "400", "--seed", "3"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "seenit demo" in res.output and "planted copies" in res.output and "exact J>=0.80" in res.output
    # the strong pairs (J >= 0.9) row reports found/total = recall for both bandings
    row = next(line for line in res.output.splitlines() if "true pairs J>=0.90 found" in line)
    fracs = [cell.split("=")[-1].strip() for cell in row.split("│")[2:4]]
    assert all(float(f) >= 0.9 for f in fracs), row
