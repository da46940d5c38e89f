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
