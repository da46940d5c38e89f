"""A scan of the same rows gives the same report.json whatever holds them: a JSONL file, the same
file behind an fsspec ``memory://`` URL, a Hugging Face Dataset (or IterableDataset), a pandas
DataFrame, a pyarrow Table or RecordBatchReader; for the corpus and for the benchmarks. Only the
provenance differs (the URL or the table's name where the file's path was)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import seenit
from _scan_fixtures import write_scan_fixture

pa = pytest.importorskip("pyarrow")


def comparable(report: Any) -> dict[str, Any]:
    """report.json without what names the inputs (paths, provenance, fingerprint) or the time."""
    d = json.loads(json.dumps(report.to_dict()))
    d.pop("created")
    d["corpus"].pop("paths")
    d["corpus"].pop("fingerprint")
    for doc in d["documents"].values():
        doc.pop("source")
    for b in d["benchmarks"]:
        b.pop("file")
        for it in b["items"]:
            it.pop("source")
    return d


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def corpus_forms(path: Path) -> dict[str, Any]:
    """The rows of a JSONL file in every in-memory form installed, plus a memory:// copy."""
    rows = _rows(path)
    forms: dict[str, Any] = {"arrow": pa.Table.from_pylist(rows),
                             "arrow_reader": pa.Table.from_pylist(rows).to_reader(max_chunksize=7)}
    try:
        import fsspec

        fs = fsspec.filesystem("memory")
        fs.pipe(f"/scan-sources/{path.name}", path.read_bytes())
        forms["memory_url"] = f"memory://scan-sources/{path.name}"
    except ImportError:
        pass
    try:
        import pandas as pd

        forms["pandas"] = pd.DataFrame(rows)
    except ImportError:
        pass
    try:
        import datasets

        columns = {k: [r[k] for r in rows] for k in rows[0]}
        forms["dataset"] = datasets.Dataset.from_dict(columns)
        forms["iterable_dataset"] = datasets.Dataset.from_dict(columns).to_iterable_dataset()
    except ImportError:
        pass
    return forms


def test_every_corpus_form_gives_the_files_report(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    want = comparable(seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "file", html=False))
    assert want["benchmarks"][0]["summary"]["overall"]["contaminated"] >= 1
    for name, corpus in corpus_forms(fx.corpus).items():
        rep = seenit.scan(corpus, fx.benchmarks, out=tmp_path / name, html=False)
        assert comparable(rep) == want, name
        if name != "memory_url":  # in-memory rows are cited by the table's name and row number
            doc = next(iter(rep.to_dict()["documents"].values()))
            assert doc["source"].startswith("<") and doc["line"] >= 1


def test_benchmarks_as_tables_and_urls(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    want = comparable(seenit.scan(fx.corpus, fx.benchmarks, html=False))
    alpha_path, alpha_field = fx.benchmarks["alpha"]
    for name, alpha in corpus_forms(alpha_path).items():
        if name == "arrow_reader":
            continue  # read once per field tried and again per run: a Table is the form for benchmarks
        rep = seenit.scan(fx.corpus, {"alpha": (alpha, alpha_field), "beta": fx.benchmarks["beta"]}, html=False)
        assert comparable(rep) == want, name
        if name == "memory_url":
            assert rep.to_dict()["benchmarks"][0]["file"] == alpha
            rep = seenit.scan(fx.corpus, [f"alpha={alpha}:{alpha_field}", f"beta={fx.benchmarks['beta'][0]}:prompt"],
                              html=False)
            assert comparable(rep) == want


def test_a_resumed_scan_of_a_table_checks_its_content(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    rows = _rows(fx.corpus)
    seenit.scan(pa.Table.from_pylist(rows), fx.benchmarks, out=tmp_path / "run", html=False)
    seenit.scan(pa.Table.from_pylist(rows), fx.benchmarks, out=tmp_path / "run", html=False)  # resumes
    rows[3]["text"] = "changed"
    with pytest.raises(ValueError, match="different run"):
        seenit.scan(pa.Table.from_pylist(rows), fx.benchmarks, out=tmp_path / "run", html=False)


def test_tables_refused_where_inputs_are_read_again_elsewhere(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    table = pa.Table.from_pylist(_rows(fx.corpus))
    with pytest.raises(ValueError, match="not in-memory tables"):
        seenit.scan_shard(table, fx.benchmarks, "0/2", out=tmp_path / "s0")
    with pytest.raises(ValueError, match=r"column 'body' not found \(columns: text, id\)"):
        seenit.scan(table, fx.benchmarks, field="body", html=False)
    with pytest.raises(ValueError, match=r"benchmark 'alpha'.*column 'nope' not found \(columns: question, answer\)"):
        seenit.scan(fx.corpus, {"alpha": (pa.Table.from_pylist(_rows(fx.benchmarks["alpha"][0])), "nope")}, html=False)


@pytest.mark.slow
def test_real_data_dataset_from_dict_gives_the_jsonl_report(shared_data: Path, tmp_path: Path) -> None:
    """GSM8K train questions with a few test questions planted, as a JSONL file and as
    ``datasets.Dataset.from_dict`` (plus the other forms) of the same rows: the same report."""
    gsm = shared_data / "gsm8k"
    train = _rows(gsm / "train.jsonl")[:600]
    test = _rows(gsm / "test.jsonl")[:200]
    docs = [{"text": r["question"] + "\n" + r["answer"]} for r in train]
    for k, i in enumerate((5, 50, 120, 199)):  # planted inside train documents
        docs[100 * k + 7]["text"] += "\n\n" + test[i]["question"]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    bench = tmp_path / "gsm8k_test.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in test), encoding="utf-8")
    want = comparable(seenit.scan(corpus, {"gsm8k": (bench, "question")}, html=False))
    flagged = {it["index"] for it in want["benchmarks"][0]["items"] if it["verdict"] == "contaminated"}
    assert {5, 50, 120, 199} <= flagged
    datasets = pytest.importorskip("datasets")
    forms = corpus_forms(corpus)
    assert "dataset" in forms
    for name, c in forms.items():
        assert comparable(seenit.scan(c, {"gsm8k": (bench, "question")}, html=False)) == want, name
    bench_ds = datasets.Dataset.from_dict({k: [r[k] for r in test] for k in test[0]})
    assert comparable(seenit.scan(forms["dataset"], {"gsm8k": (bench_ds, "question")}, html=False)) == want


def test_cli_reads_urls_and_names_missing_backends(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    from typer.testing import CliRunner

    from seenit.cli import app

    fx = write_scan_fixture(tmp_path / "fx")
    fsspec.filesystem("memory").pipe("/scan-cli/corpus.jsonl", fx.corpus.read_bytes())
    alpha = f"alpha={fx.benchmarks['alpha'][0]}:question"
    res = CliRunner().invoke(app, ["scan", "--corpus", "memory://scan-cli/corpus.jsonl", "--bench", alpha,
                                   "--out", str(tmp_path / "run"), "--no-progress"])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["corpus"]["paths"] == ["memory://scan-cli/corpus.jsonl"]
    try:
        import s3fs  # noqa: F401
    except ImportError:
        res = CliRunner().invoke(app, ["scan", "--corpus", "s3://bucket/corpus.jsonl", "--bench", alpha,
                                       "--out", str(tmp_path / "run2"), "--no-progress"])
        assert res.exit_code == 1 and "Traceback" not in res.output
        assert "pip install s3fs" in res.output and res.output.count("error:") == 1


def test_the_ray_engine_names_what_it_cannot_read() -> None:
    from seenit.distributed._units import plan_units  # the Ray engine's file list, without Ray

    with pytest.raises(ValueError, match=r"the Ray engine reads local files; <pyarrow.Table> is not one"):
        plan_units([pa.table({"text": ["a"]})])
