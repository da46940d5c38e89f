"""``seenit scan compare A B`` / seenit.compare_scans: items newly flagged, cleared and changed per
benchmark, matched by text (so reordered or grown benchmark files still compare item by item)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import seenit
from _scan_fixtures import write_scan_fixture
from seenit.cli import app


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path, seenit.ScanReport]:
    """Run A: the fixture. Run B: alpha 0's copy removed from the corpus, beta 1 planted in doc 5."""
    fx = write_scan_fixture(tmp_path / "fx")
    a = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "a", html=False)
    docs = [json.loads(line) for line in fx.corpus.read_text().splitlines()]
    alpha0, beta1 = a.items("alpha")[0]["text"], a.items("beta")[1]["text"]
    docs[10]["text"] = docs[10]["text"].replace(alpha0, "")
    docs[5]["text"] += " " + beta1
    corpus_b = tmp_path / "b.jsonl"
    corpus_b.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    seenit.scan(corpus_b, fx.benchmarks, out=tmp_path / "b", html=False)
    return tmp_path / "a", tmp_path / "b" / "report.json", a


def test_compare_finds_what_changed(two_runs) -> None:
    a, b, rep_a = two_runs
    diff = seenit.compare_scans(a, b)
    by = {d["name"]: d for d in diff["benchmarks"]}
    assert [(r["index_a"], r["verdict_a"], r["verdict_b"]) for r in by["alpha"]["cleared"]] == [(0, "contaminated", "clean")]
    assert [(r["index_b"], r["verdict_b"]) for r in by["beta"]["newly_flagged"]] == [(1, "contaminated")]
    assert by["alpha"]["newly_flagged"] == by["beta"]["cleared"] == []
    assert by["alpha"]["percent_a"]["contaminated"] > by["alpha"]["percent_b"]["contaminated"]
    assert diff["only_in_a"] == diff["only_in_b"] == []
    # the same run compares equal; a ScanReport and a dict are taken too
    same = seenit.compare_scans(rep_a, rep_a.to_dict())
    assert all(not d["newly_flagged"] and not d["cleared"] and not d["changed"] for d in same["benchmarks"])


def test_items_match_by_text_not_position(two_runs) -> None:
    a, _, rep_a = two_runs
    d = rep_a.to_dict()
    shuffled = json.loads(json.dumps(d))
    alpha = next(x for x in shuffled["benchmarks"] if x["name"] == "alpha")
    alpha["items"] = alpha["items"][::-1] + [{"text": "a new item", "verdict": "clean", "index": 6}]
    shuffled["benchmarks"].append({"name": "gamma", "items": []})
    diff = seenit.compare_scans(d, shuffled)
    al = next(x for x in diff["benchmarks"] if x["name"] == "alpha")
    assert not al["newly_flagged"] and not al["cleared"] and al["only_in_b"] == 1
    assert diff["only_in_b"] == ["gamma"]


def test_bad_reports_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[1, 2]")
    (tmp_path / "y.json").write_text("{not json")
    good = {"benchmarks": []}
    for bad, err, msg in [(tmp_path / "x.json", ValueError, "not a scan report"),
                          (tmp_path / "y.json", ValueError, "not a JSON report"),
                          (tmp_path / "missing", FileNotFoundError, "no report at"),
                          (3, TypeError, "must be a report.json path"),
                          ({"benchmarks": [{"name": "b", "items": [{"text": "t", "verdict": "dirty"}]}]}, ValueError,
                           "item 0 has no text or verdict"),
                          ({"benchmarks": [{"name": "b", "items": []}, {"name": "b", "items": []}]}, ValueError,
                           "appears twice")]:
        with pytest.raises(err, match=msg):
            seenit.compare_scans(good, bad)


def test_cli(two_runs, tmp_path: Path) -> None:
    a, b, _ = two_runs
    res = CliRunner().invoke(app, ["scan", "compare", str(a), str(b), "--out", str(tmp_path / "diff.json")])
    assert res.exit_code == 0, res.output
    assert "alpha cleared: item 0 (contaminated -> clean)" in res.output
    assert json.loads((tmp_path / "diff.json").read_text())["benchmarks"][0]["name"] == "alpha"
    res = CliRunner().invoke(app, ["scan", "compare", str(a), str(tmp_path / "nope")])
    assert res.exit_code == 1 and res.output.count("error:") == 1 and "Traceback" not in res.output
