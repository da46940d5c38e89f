"""A scan killed at any write step (kill -9 semantics: os._exit through the SEENIT_FAULT hook)
leaves a run directory that the next run resumes to the same report as an uninterrupted scan:
no half-written file is ever trusted, and report.json is either absent or complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import seenit
from _scan_fixtures import write_scan_fixture
from seenit.report import check_report

# (fault point, whether the scan uses the index path: the piece steps exist only there)
STEPS = [("scan:piece-before-sidecar", True), ("scan:before-index-manifest", True), ("scan:result-before-manifest", False),
         ("scan:result-before-manifest", True), ("scan:before-report", False), ("scan:before-html", False)]

SCRIPT = """
import sys, seenit
corpus, alpha, beta, out, index = sys.argv[1:6]
seenit.scan(corpus, {"alpha": (alpha, "question"), "beta": (beta, "prompt")}, out=out, shard_bytes=2000,
            index=out + "/index" if index == "yes" else None)
"""


def run_scan(fx, out: Path, fault: str | None, index: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SEENIT_FAULT"}
    if fault is not None:
        env["SEENIT_FAULT"] = fault
    alpha, beta = fx.benchmarks["alpha"][0], fx.benchmarks["beta"][0]
    return subprocess.run([sys.executable, "-c", SCRIPT, str(fx.corpus), str(alpha), str(beta), str(out),
                           "yes" if index else "no"], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("clean")
    fx = write_scan_fixture(d / "data")
    r = run_scan(fx, d / "run", None)
    assert r.returncode == 0, r.stderr
    return fx, json.loads((d / "run" / "report.json").read_text())


@pytest.mark.parametrize(("step", "index"), STEPS)
def test_killed_scan_resumes_to_the_same_report(step: str, index: bool, clean, tmp_path: Path) -> None:
    """(The clean run streams; the index-path runs must give its report too.)"""
    fx, want = clean
    out = tmp_path / "run"
    killed = run_scan(fx, out, step, index)
    assert killed.returncode == 86, (step, killed.stderr[-2000:])  # the hook fired: the step is reached
    if (out / "report.json").exists():  # only complete, valid reports are ever in place
        check_report(json.loads((out / "report.json").read_text()))
    again = run_scan(fx, out, None, index)
    assert again.returncode == 0, again.stderr[-2000:]
    got = json.loads((out / "report.json").read_text())
    assert got["benchmarks"] == want["benchmarks"]
    assert got["corpus"]["n_documents"] == want["corpus"]["n_documents"]
    assert (out / "report.html").is_file()


def test_fault_hook_is_inert_without_the_variable(clean) -> None:
    fx, want = clean
    assert seenit.scan(fx.corpus, fx.benchmarks, shard_bytes=2000).to_dict()["benchmarks"] == want["benchmarks"]
