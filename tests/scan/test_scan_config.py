"""``seenit scan --config scan.toml``: every option from a TOML file, flags on the command line win,
and the options a run used are written to its directory as a file ``--config`` reads back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from _scan_fixtures import write_scan_fixture
from seenit.cli import app


def _run(*args: str):
    return CliRunner().invoke(app, ["scan", *args])


def test_config_file_sets_options_and_flags_win(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    cfg = tmp_path / "scan.toml"
    cfg.write_text(f'''
corpus = ["{fx.corpus}"]
out = "{tmp_path / 'run'}"
methods = "ngram"
n = 12
near_n = 0
minhash-threshold = 0.7
progress = false
[bench]
alpha = "{fx.benchmarks['alpha'][0]}:question"
beta = "{fx.benchmarks['beta'][0]}:prompt"
''', encoding="utf-8")
    res = _run("--config", str(cfg), "--n", "10")
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["settings"]["methods"] == ["ngram"] and report["settings"]["ngram"]["n"] == 10
    assert report["settings"]["ngram"]["near_n"] == 0
    assert [b["name"] for b in report["benchmarks"]] == ["alpha", "beta"]
    # the run's options, written back, rerun the same scan
    written = (tmp_path / "run" / "scan.toml").read_text()
    assert "n = 10" in written and "minhash-threshold = 0.7" in written and "overwrite" not in written
    res = _run("--config", str(tmp_path / "run" / "scan.toml"), "--out", str(tmp_path / "run2"))
    assert res.exit_code == 0, res.output
    again = json.loads((tmp_path / "run2" / "report.json").read_text())
    assert again["benchmarks"] == report["benchmarks"] and again["settings"] == report["settings"]


def test_bad_config_files_are_one_error_line(tmp_path: Path) -> None:
    cases = {"nope = 1\n": "unknown option 'nope' (options: annotate, bench,",
             'num-perm = "many"\n': "num-perm:",
             "num-perm = 0\n": "num-perm:",
             "corpus = [\n": "not valid TOML",
             "[methods]\nx = 1\n": "methods must be a value, not a table"}
    for text, msg in cases.items():
        cfg = tmp_path / "c.toml"
        cfg.write_text(text, encoding="utf-8")
        res = _run("--config", str(cfg))
        assert res.exit_code == 1 and "Traceback" not in res.output, (text, res.output)
        assert res.output.count("error:") == 1 and msg in " ".join(res.output.split()), (text, res.output)
    res = _run("--config", str(tmp_path / "missing.toml"))
    assert res.exit_code == 1 and "file not found" in res.output


def test_dry_run_reads_benchmarks_and_scans_nothing(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    res = _run("--corpus", str(fx.corpus), "--bench", f"qa={fx.benchmarks['alpha'][0]}:question,answer",
               "--out", str(tmp_path / "run"), "--index", str(tmp_path / "idx"), "--purify", str(tmp_path / "p.jsonl"),
               "--dry-run")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    size = fx.corpus.stat().st_size / 1e6
    assert f"corpus: 1 source(s), {size:,.1f} MB" in text and "benchmark qa[answer]: 6 items" in text
    assert "pass: build the corpus n-gram index" in text and f"the n-gram index: about {5 * size:,.1f} MB" in text
    assert not (tmp_path / "run").exists() and not (tmp_path / "idx").exists() and not (tmp_path / "p.jsonl").exists()
    res = _run("--corpus", str(tmp_path / "missing.jsonl"), "--bench", f"qa={fx.benchmarks['alpha'][0]}", "--dry-run")
    assert res.exit_code == 1 and res.output.count("error:") == 1


def test_dry_run_of_tables() -> None:
    pa = __import__("pytest").importorskip("pyarrow")
    from seenit.scan.plan import dry_run

    plan = dry_run(pa.table({"text": ["a b c"] * 10}), {"b": (pa.table({"question": ["a b"]}), "question")})
    assert plan["corpus"][0]["rows"] == 10 and plan["corpus"][0]["where"] == "memory"
    assert plan["benchmarks"] == [{"name": "b", "items": 1, "field": "question"}] and len(plan["passes"]) == 1
