"""Benchmarks of several fields (``--bench NAME=FILE:question,answer``): each field is matched on its
own and reported per field; an item is flagged when any of its fields is (a leaked answer without its
question is contamination too)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import seenit
from _scan_fixtures import write_scan_fixture
from seenit.demo import vocabulary


def _setup(tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """The fixture's corpus with item 3's *answer* planted in document 50 (its question nowhere),
    and qa.jsonl: the fixture's alpha questions (item 0 planted verbatim in doc 10) with long answers."""
    fx = write_scan_fixture(tmp_path / "fx")
    rng = np.random.default_rng(7)
    vocab = vocabulary(3000, seed=7)
    alpha = [json.loads(line)["question"] for line in fx.benchmarks["alpha"][0].read_text().splitlines()]
    rows = [{"id": i, "question": q, "answer": " ".join(vocab[j] for j in rng.integers(0, len(vocab), 30))}
            for i, q in enumerate(alpha)]
    docs = [json.loads(line) for line in fx.corpus.read_text().splitlines()]
    docs[50]["text"] = docs[50]["text"][:100] + " The answer: " + rows[3]["answer"] + " " + docs[50]["text"][100:]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    bench = tmp_path / "qa.jsonl"
    bench.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return corpus, bench, rows


def test_each_field_matched_and_reported_on_its_own(tmp_path: Path) -> None:
    corpus, bench, rows = _setup(tmp_path)
    rep = seenit.scan(corpus, [f"qa={bench}:question,answer"], html=False, out=tmp_path / "run")
    b = rep.to_dict()["benchmarks"][0]
    assert b["name"] == "qa" and b["fields"] == ["question", "answer"] and b["field"] == "question"
    assert b["n_items"] == len(rows)
    items = b["items"]
    assert items[0]["fields"]["question"]["verdict"] == "contaminated" and items[0]["verdict"] == "contaminated"
    assert items[3]["fields"]["answer"]["verdict"] == "contaminated"
    assert items[3]["fields"]["question"]["verdict"] == "clean"
    assert items[3]["verdict"] == "contaminated" and "ngram" in items[3]["flagged_by"]
    # the item's own text and evidence stay the first field's; each field carries its own
    assert items[3]["text"] == rows[3]["question"] and items[3]["evidence"]["ngram"]["verdict"] == "clean"
    assert items[3]["fields"]["answer"]["text"] == rows[3]["answer"]
    assert items[3]["fields"]["answer"]["evidence"]["ngram"]["match"]["doc_id"] == 50
    assert {i for i, it in enumerate(items) if it["verdict"] != "clean"} >= {0, 3}
    s = b["summary"]
    assert s["by_field"]["answer"]["overall"]["contaminated"] == 1
    assert s["by_method"]["ngram"]["contaminated"] >= 2 and s["overall"]["contaminated"] >= 2
    assert {0, 3} <= {it["index"] for it in rep.flagged("qa", "ngram")}
    # the cited documents are there for every field's evidence
    assert "50" in rep.to_dict()["documents"] and "10" in rep.to_dict()["documents"]
    # the mapping form is the same scan
    again = seenit.scan(corpus, {"qa": (bench, "question,answer")}, html=False)
    assert again.to_dict()["benchmarks"] == rep.to_dict()["benchmarks"]


def test_one_field_of_several_matches_the_single_field_scan(tmp_path: Path) -> None:
    corpus, bench, _ = _setup(tmp_path)
    both = seenit.scan(corpus, {"qa": (bench, "question,answer")}, html=False).to_dict()["benchmarks"][0]
    for k, f in enumerate(("question", "answer")):
        one = seenit.scan(corpus, {"qa": (bench, f)}, html=False).to_dict()["benchmarks"][0]
        assert [it["fields"][f]["evidence"] for it in both["items"]] == [it["evidence"] for it in one["items"]]
        assert both["summary"]["by_field"][f] == one["summary"]


def test_shards_merge_to_the_same_report(tmp_path: Path) -> None:
    corpus, bench, _ = _setup(tmp_path)
    lines = corpus.read_text().splitlines(keepends=True)
    parts = [tmp_path / "c0.jsonl", tmp_path / "c1.jsonl"]
    parts[0].write_text("".join(lines[:30]))
    parts[1].write_text("".join(lines[30:]))
    whole = seenit.scan(parts, [f"qa={bench}:question,answer"], html=False).to_dict()
    dirs = [seenit.scan_shard(parts, [f"qa={bench}:question,answer"], f"{i}/2", out=tmp_path / f"s{i}").parent
            for i in range(2)]
    merged = seenit.merge_scan_shards(dirs, html=False).to_dict()
    assert merged["benchmarks"] == whole["benchmarks"]


def test_purify_and_annotate_name_the_field(tmp_path: Path) -> None:
    corpus, bench, rows = _setup(tmp_path)
    seenit.scan(corpus, [f"qa={bench}:question,answer"], html=False, annotate=tmp_path / "a.jsonl",
                purify=tmp_path / "p.jsonl")
    ann = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert [(m["item"], m["field"]) for m in ann[50]["seenit"]["matches"]] == [(3, "answer")]
    assert [(m["item"], m["field"]) for m in ann[10]["seenit"]["matches"]] == [(0, "question")]
    pure = (tmp_path / "p.jsonl").read_text()
    assert rows[3]["answer"] not in pure and rows[0]["question"] not in pure


def test_bad_field_lists_and_rows(tmp_path: Path) -> None:
    corpus, bench, rows = _setup(tmp_path)
    with pytest.raises(ValueError, match="must be distinct, non-empty names"):
        seenit.scan(corpus, [f"qa={bench}:question,,answer"], html=False)
    with pytest.raises(ValueError, match="must be distinct, non-empty names"):
        seenit.scan(corpus, {"qa": (bench, "answer,answer")}, html=False)
    lines = bench.read_text().splitlines()
    lines[2] = json.dumps({"question": "only a question here"})
    lines[4] = json.dumps({"question": "q", "answer": 5})
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"benchmark 'qa': .*bad.jsonl:3: field 'answer' not found"):
        seenit.scan(corpus, [f"qa={bad}:question,answer"], html=False)
    rep = seenit.scan(corpus, [f"qa={bad}:question,answer"], html=False, skip_bad_lines=True)
    b = rep.to_dict()["benchmarks"][0]
    assert b["n_items"] == len(rows) - 2 and b["skipped_lines"] == 2
    assert [it["line"] for it in b["items"]] == [1, 2, 4, 6][: b["n_items"]]
    with pytest.raises(ValueError, match="calibrate= plants one text per item"):
        seenit.scan(corpus, [f"qa={bench}:question,answer"], html=False, calibrate=2)
