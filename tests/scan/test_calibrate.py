"""``seenit.scan(..., calibrate=K)``: planting is deterministic, a verbatim copy is always found by
n-grams, the report block is complete, bad input is refused before any work; on real data (GSM8K
questions planted into Pile documents) the default methods find >= 95 % of verbatim, embedded and
rewrapped copies."""

from __future__ import annotations

import gzip
import json
import re
import string
from pathlib import Path

import numpy as np
import pytest
from _scan_fixtures import write_scan_fixture

import seenit
from seenit.report import render_html
from seenit.scan.calibrate import (TRANSFORMATIONS, case_punct, edit_words, insert_at, rewrap, vocabulary_of,
                                   word_boundaries)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    d = tmp_path_factory.mktemp("calib")
    fx = write_scan_fixture(d / "fx")
    rep = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram,minhash", out=d / "run", calibrate=3, html=False)
    return rep.to_dict(), d


def test_block_has_every_transformation_and_method(calibrated: tuple[dict, Path]) -> None:
    report, d = calibrated
    cal = report["calibration"]
    assert cal["k"] == 3 and cal["seed"] == 0
    assert cal["transformations"] == list(TRANSFORMATIONS)
    assert cal["methods"] == ["ngram", "minhash"]
    assert [b["name"] for b in cal["benchmarks"]] == ["alpha", "beta"]
    for b in cal["benchmarks"]:
        assert len(b["items"]) == len(set(b["items"])) == 3 and b["items"] == sorted(b["items"])
        assert len(set(b["hosts"])) == 3 and len(b["long_hosts"]) == 3
        assert b["n_unplanted"] == b["n_items"] - 3
        assert set(b["results"]) == set(TRANSFORMATIONS)
        for t in TRANSFORMATIONS:
            assert set(b["results"][t]) == {"ngram", "minhash", "overall"}
            for r in b["results"][t].values():
                assert 0.0 <= r["contaminated"] <= r["recall"] <= 1.0
                assert 0 <= r["false_positives"] <= b["n_unplanted"]
                assert all(i in b["items"] for i in r["missed"])
                assert len(r["missed"]) == round(3 * (1 - r["recall"]))
        # a verbatim copy in a document is always found by n-grams, and contaminated
        for t in ("verbatim", "embedded", "rewrapped", "case_punct"):
            assert b["results"][t]["ngram"]["recall"] == 1.0, (b["name"], t)
            assert b["results"][t]["ngram"]["contaminated"] == 1.0, (b["name"], t)
            assert b["results"][t]["overall"]["recall"] == 1.0
    # the small scans live in DIR/calibration, one planted document per item
    for t in TRANSFORMATIONS:
        rows = [json.loads(x) for x in (d / "run" / "calibration" / f"{t}.jsonl").read_text().splitlines()]
        assert len(rows) == 6 and {r["transformation"] for r in rows} == {t}
    # report.json and the page carry the block
    saved = json.loads((d / "run" / "report.json").read_text())
    assert saved["calibration"] == cal
    page = render_html(report)
    assert 'id="calibration"' in page and page.count('<table class="calibration">') == 2


def test_planting_is_deterministic(calibrated: tuple[dict, Path], tmp_path: Path) -> None:
    report, d = calibrated
    fx = write_scan_fixture(tmp_path / "fx")
    again = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram,minhash", calibrate=3, html=False).to_dict()
    a, b = dict(report["calibration"]), dict(again["calibration"])
    assert a == b
    docs = {t: (d / "run" / "calibration" / f"{t}.jsonl").read_text() for t in TRANSFORMATIONS}
    seenit.scan(fx.corpus, fx.benchmarks, methods="ngram,minhash", out=tmp_path / "run", calibrate=3, html=False)
    for t in TRANSFORMATIONS:
        assert (tmp_path / "run" / "calibration" / f"{t}.jsonl").read_text() == docs[t]
    other = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", calibrate=3, calibrate_seed=1, html=False).to_dict()
    assert [x["items"] for x in other["calibration"]["benchmarks"]] != [x["items"] for x in a["benchmarks"]]


def test_transformations() -> None:
    rng = np.random.default_rng(0)
    text = "Janet's ducks lay 16 eggs per day. She eats three for breakfast, every morning!"
    assert rewrap(text, 4) == "Janet's ducks lay 16\neggs per day. She\neats three for breakfast,\nevery morning!"
    cp = case_punct(text, rng)
    assert cp in (cp.upper(), cp.title()) and cp.lower().split()[1:3] == ["ducks", "lay"]
    assert not set(cp) & (set(string.punctuation) - set(",.;:!?"))
    assert re.sub(r"[^\w\s]", "", cp).lower() == re.sub(r"[^\w\s]", "", text).lower()
    vocab = vocabulary_of([text, "apple pear plum"])
    assert vocab == sorted(set(vocab)) and "apple" in vocab and "16" not in vocab
    ed = edit_words(text, np.random.default_rng(1), vocab)
    changed = [(a, b) for a, b in zip(text.split(), ed.split()) if a != b]
    assert len(ed.split()) == len(text.split()) and len(changed) == 1   # 14 words: one edit
    assert changed[0][0].lower() != changed[0][1].lower()
    assert edit_words(text, np.random.default_rng(1), vocab) == ed
    assert word_boundaries("a bc  d") == [0, 2, 6, 7]
    assert insert_at("a bc  d", "X Y", 2) == "a X Y bc  d"
    assert insert_at("abc", "X", 3) == "abc X" and insert_at("abc", "X", 0) == "X abc" and insert_at("", "X", 0) == "X"


def test_bad_calibrate_is_refused_before_any_work(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    out = tmp_path / "run"
    for bad, err, msg in ((0, ValueError, "calibrate must be in 1"), (-2, ValueError, "calibrate"),
                          (2.5, TypeError, "calibrate must be an int"), ("3", TypeError, "calibrate must be an int"),
                          (True, TypeError, "calibrate must be an int"),
                          (5, ValueError, r"larger than benchmark 'beta''s item count \(4\)")):
        with pytest.raises(err, match=msg):
            seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", out=out, calibrate=bad)
    with pytest.raises(ValueError, match="calibrate_seed"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", out=out, calibrate=2, calibrate_seed=-1)
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps({"text": f"document {i}"}) + "\n" for i in range(3)))
    with pytest.raises(ValueError, match=r"larger than the corpus's document count \(3\)"):
        seenit.scan(small, fx.benchmarks, methods="ngram", out=out, calibrate=4)
    assert not out.exists()


def test_cli_calibrate(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from seenit.cli import app

    fx = write_scan_fixture(tmp_path / "fx")
    args = ["scan", "--corpus", str(fx.corpus), "--bench", f"alpha={fx.benchmarks['alpha'][0]}:question",
            "--out", str(tmp_path / "run"), "--methods", "ngram", "--no-progress"]
    res = CliRunner().invoke(app, args + ["--calibrate", "7"])
    assert res.exit_code == 1 and "error: calibrate=7 is larger than benchmark 'alpha'" in res.output
    res = CliRunner().invoke(app, args + ["--calibrate", "2", "--calibrate-seed", "3"])
    assert res.exit_code == 0, res.output
    assert "calibration" in res.output and "case_punct" in res.output
    cal = json.loads((tmp_path / "run" / "report.json").read_text())["calibration"]
    assert cal["k"] == 2 and cal["seed"] == 3


# ------------------------------------------------------------------ real data


def _pile(data: Path, domains: tuple[str, ...], per_domain: int) -> list[str]:
    docs = []
    for dom in domains:
        with gzip.open(data / "mimir_pile_nonmembers" / f"{dom}_0_test_raw.jsonl.gz", "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for _, line in zip(range(per_domain), fh)]
        docs += [r["original"] for r in rows]
    return docs


@pytest.mark.slow  # ~6 s: 1,000 Pile documents, 1,319 GSM8K questions, K = 40
def test_real_recall_gsm8k_into_pile(shared_data: Path, tmp_path: Path) -> None:
    docs = _pile(shared_data, ("pile_cc", "wikipedia_(en)", "hackernews", "stackexchange", "pubmed_abstracts"), 200)
    corpus = tmp_path / "pile.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs), encoding="utf-8")
    rep = seenit.scan(corpus, {"gsm8k": (shared_data / "gsm8k" / "test.jsonl", "question")}, methods="ngram,minhash",
                      out=tmp_path / "run", calibrate=40, html=False)
    cal = rep.to_dict()["calibration"]
    (b,) = cal["benchmarks"]
    assert cal["host_pool"]["n_long"] >= 40  # embedded hosts really are >= 2,000 characters
    for t in ("verbatim", "embedded", "rewrapped"):
        assert b["results"][t]["overall"]["recall"] >= 0.95, (t, b["results"][t])
        assert b["results"][t]["ngram"]["contaminated"] >= 0.95, (t, b["results"][t])
    for t in TRANSFORMATIONS:
        assert b["results"][t]["overall"]["false_positives"] <= 2, (t, b["results"][t])
