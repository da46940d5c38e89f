"""The real check of issue 7 §4: real Pile documents with GSM8K-test and HumanEval problems
planted in them (verbatim, lightly edited, paraphrased) plus some GSM8K *train* problems,
scanned against GSM8K test, HumanEval, MBPP and TruthfulQA. Skips without ../shared/data."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

import seenit
from seenit.tokenize import Normalisation

PILE_DOMAINS = ("pubmed_abstracts", "wikipedia_(en)", "hackernews", "github", "stackexchange")
PER_DOMAIN = 300

GSM_VERBATIM = (0, 3, 20, 30)        # planted inside real documents, one as a post of its own
GSM_EDITED = (2, 12, 40)             # a number and a word changed, a post of its own
GSM_PARAPHRASED = {                  # written for this test
    1: "To make one robe you need two bolts of blue fabric plus half as many bolts of white fabric. "
       "What is the total number of bolts required?",
    5: "Kylar is buying glasses for his new flat. A single glass is $5, but each second glass is sold at 60% "
       "of that price. If he buys 16 glasses, what will he pay in total?",
    8: "For 3 hours John travels at 60 mph, then he turns back since he left something very important at home. "
       "He wants to be back within 4 hours, but for the first 2 of those hours he is stuck in traffic that does "
       "not move. He then drives for half an hour at 30mph, and for the rest of the 4 hours he goes 80 mph. "
       "At the end of the 4 hours, how far from home is he?",
}
HE_VERBATIM = (0, 10, 50)            # appended to real GitHub files
HE_EDITED = (20, 100)                # function renamed, a docstring word changed
GSM_TRAIN = tuple(range(0, 1000, 100))


def _jsonl(path: Path) -> list[dict[str, Any]]:
    op = gzip.open if path.suffix == ".gz" else open
    with op(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _norm(s: str) -> str:
    """The scan's default n-gram normalisation (lowercase, punctuation stripped, whitespace collapsed)."""
    return Normalisation(lowercase=True, strip_punctuation=True, collapse_whitespace=True)(s).strip()


def _edit_gsm(q: str) -> str:
    """Change the first number and one common word: a light edit."""
    q = re.sub(r"\d+", lambda m: str(int(m.group()) + 7), q, count=1)
    for a, b in ((" much ", " many "), (" each ", " every "), (" the ", " a ")):
        if a in q:
            return q.replace(a, b, 1)
    return q


def _edit_humaneval(prompt: str, entry_point: str) -> str:
    out = prompt.replace(entry_point, entry_point + "_v2")
    for a, b in ((" list ", " sequence "), (" Return ", " Give back "), (" the ", " a ")):
        if a in out:
            return out.replace(a, b, 1)
    return out


def build_corpus(data: Path, out: Path) -> dict[str, Any]:
    """Write out/corpus.jsonl; returns doc id -> what was planted in it."""
    docs: list[str] = []
    domain_of: list[str] = []
    for dom in PILE_DOMAINS:
        rows = _jsonl(data / "mimir_pile_nonmembers" / f"{dom}_0_test_raw.jsonl.gz")[:PER_DOMAIN]
        for r in rows:
            docs.append(r["original"])
            domain_of.append(dom)
    gsm = [r["question"] for r in _jsonl(data / "gsm8k" / "test.jsonl")]
    train = [r["question"] for r in _jsonl(data / "gsm8k" / "train.jsonl")]
    he = _jsonl(data / "humaneval" / "HumanEval.jsonl.gz")
    planted: dict[str, Any] = {"gsm8k": {}, "humaneval": {}, "train_docs": []}
    github = [i for i, d in enumerate(domain_of) if d == "github"]
    prose = [i for i, d in enumerate(domain_of) if d in ("hackernews", "stackexchange")]
    for j, i in enumerate(GSM_VERBATIM):
        if j == 0:
            docs.append(f"Homework help needed!\n\n{gsm[i]}\n\nThanks in advance.")
            planted["gsm8k"][i] = (len(docs) - 1, "verbatim")
        else:
            d = prose[10 * j]
            text = docs[d]
            cut = text.find(" ", len(text) // 2)
            docs[d] = text[:cut] + "\n\n" + gsm[i] + "\n\n" + text[cut:]
            planted["gsm8k"][i] = (d, "verbatim")
    for i in GSM_EDITED:
        docs.append("Q: " + _edit_gsm(gsm[i]))
        planted["gsm8k"][i] = (len(docs) - 1, "edited")
    for i, para in GSM_PARAPHRASED.items():
        docs.append(para)
        planted["gsm8k"][i] = (len(docs) - 1, "paraphrased")
    for j, i in enumerate(HE_VERBATIM):
        d = github[5 * j + 1]
        docs[d] = docs[d] + "\n\n" + he[i]["prompt"] + he[i]["canonical_solution"]
        planted["humaneval"][i] = (d, "verbatim")
    for i in HE_EDITED:
        docs.append(_edit_humaneval(he[i]["prompt"], he[i]["entry_point"]) + he[i]["canonical_solution"])
        planted["humaneval"][i] = (len(docs) - 1, "edited")
    for i in GSM_TRAIN:
        docs.append(train[i])
        planted["train_docs"].append(len(docs) - 1)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for t in docs:
            fh.write(json.dumps({"text": t}) + "\n")
    planted["train_questions"] = [train[i] for i in GSM_TRAIN]
    return planted


def _details(rep: Any, planted: dict[str, Any]) -> None:
    for bench in ("gsm8k", "humaneval"):
        for i, (doc, how) in planted[bench].items():
            ev = rep.items(bench)[i]["evidence"]
            print(bench, i, how, doc, rep.items(bench)[i]["verdict"], round(ev["ngram"]["value"], 3),
                  ev["minhash"], round(ev["embed"]["cosine"], 3), ev["embed"]["doc_ids"][:2])
    for name, s in rep.summary.items():
        print(name, s["overall"], s["by_method"])


print_details = False


@pytest.mark.slow
def test_real_corpus_with_planted_benchmarks(shared_data: Path, tmp_path: Path) -> None:
    planted = build_corpus(shared_data, tmp_path)
    rep = seenit.scan(
        tmp_path / "corpus.jsonl",
        {"gsm8k": (shared_data / "gsm8k" / "test.jsonl", "question"),
         "humaneval": (shared_data / "humaneval" / "HumanEval.jsonl.gz", "prompt"),
         "mbpp": (shared_data / "mbpp" / "mbpp.jsonl", "text"),
         "truthfulqa": (shared_data / "truthfulqa" / "TruthfulQA.csv", "Question")},
        methods="ngram,minhash,embed", embed="hashed", out=tmp_path / "run")
    d = rep.to_dict()
    if print_details:
        _details(rep, planted)
    assert [b["name"] for b in d["benchmarks"]] == ["gsm8k", "humaneval", "mbpp", "truthfulqa"]
    assert [b["n_items"] for b in d["benchmarks"]] == [1319, 164, 974, 817]

    for bench in ("gsm8k", "humaneval"):
        items = rep.items(bench)
        for i, (doc, how) in planted[bench].items():
            it, ev = items[i], items[i]["evidence"]
            if how == "verbatim":  # found, credited to n-grams, the match in the planted document
                assert it["verdict"] == "contaminated", (bench, i)
                assert ev["ngram"]["verdict"] == "contaminated" and ev["ngram"]["match"]["doc_id"] == doc
            elif how == "edited":  # found by MinHash and/or n-grams, pointing at the planted document
                assert it["verdict"] != "clean", (bench, i, ev)
                by = [m for m in ("ngram", "minhash") if ev[m]["verdict"] != "clean"]
                assert by, (bench, i)
                if "minhash" in by:
                    assert ev["minhash"]["doc_id"] == doc
                if "ngram" in by:
                    assert doc in ev["ngram"]["doc_ids"]
            else:  # paraphrase: no shared 13-gram and little shingle overlap; the hashed (lexical)
                # embedder ranks the paraphrase first among 1,500 real documents, but its cosine
                # stays below the 0.8 partial threshold, so it is not flagged (an honest limit:
                # catching paraphrases needs a semantic model, --embed all-MiniLM-L6-v2)
                assert ev["ngram"]["verdict"] == "clean" and ev["minhash"]["verdict"] == "clean"
                assert ev["embed"]["doc_ids"][0] == doc, (i, ev["embed"])

    # the planted GSM8K *train* problems are not GSM8K test contamination
    train_docs = set(planted["train_docs"])
    for it in rep.items("gsm8k"):
        for m, ev in it["evidence"].items():
            if ev["verdict"] == "clean":
                continue
            if m == "embed":  # the neighbours close enough to count
                cut = d["settings"]["embed"]["partial_at"]
                cites = {i for i, s in zip(ev["doc_ids"], ev["scores"]) if s >= cut}
            else:
                cites = set(ev.get("doc_ids") or []) | ({ev["doc_id"]} if ev.get("doc_id") is not None else set())
                cites |= {ev["match"]["doc_id"]} if ev.get("match") else set()
            hit = cites & train_docs
            assert not hit or seenit.jaccard_exact(it["text"], d["documents"][str(min(hit))]["text"]) >= 0.3, (it["index"], m)

    # nothing else: every flagged GSM8K/HumanEval item is a planted one; in the benchmarks
    # planted nowhere, a flagged item must really occur in the document cited (the Pile does
    # hold a few short TruthfulQA questions, e.g. "Are you conscious?" in a Hacker News thread)
    for bench in ("gsm8k", "humaneval"):
        flagged = {it["index"] for it in rep.flagged(bench)}
        assert flagged <= set(planted[bench]), (bench, sorted(flagged - set(planted[bench])))
    for bench in ("mbpp", "truthfulqa"):
        flagged = rep.flagged(bench)
        assert len(flagged) <= 3, [it["text"] for it in flagged]
        for it in flagged:
            assert it["flagged_by"] == ["ngram"], it
            m = it["evidence"]["ngram"]["match"]
            doc = d["documents"][str(m["doc_id"])]
            assert _norm(it["text"]) in _norm(doc["text"])
    assert d["corpus"]["n_documents"] == len(PILE_DOMAINS) * PER_DOMAIN + 1 + len(GSM_EDITED) + len(GSM_PARAPHRASED) \
        + len(HE_EDITED) + len(GSM_TRAIN)


@pytest.mark.slow  # ~20 s: the whole MIMIR Pile test split (10,959 documents, 74 MB)
def test_readme_real_data_scan(shared_data: Path, tmp_path: Path) -> None:
    """README's real-data command: nothing of GSM8K, HumanEval or MBPP in the MIMIR Pile split, and
    exactly the three short TruthfulQA questions that occur verbatim in it (contaminated), one whose
    words occur once its punctuation is stripped ("What are you doing next?" in "...what are you
    doing next year?": the price of the default punctuation stripping, docs/scan.md) and one whose
    quote ("Insanity is doing the same thing over and over again...") a subtitle holds: partial, by
    the near-copy rule (8-grams cover 5/8 of its words, no 13-gram)."""
    d = shared_data
    rep = seenit.scan(d / "mimir_pile_nonmembers",
                      {"gsm8k": (d / "gsm8k" / "test.jsonl", "question"),
                       "humaneval": (d / "humaneval" / "HumanEval.jsonl.gz", "prompt"),
                       "mbpp": (d / "mbpp" / "mbpp.jsonl", "text"),
                       "truthfulqa": (d / "truthfulqa" / "TruthfulQA.csv", "Question")},
                      field="original", out=tmp_path / "scan", html=False).to_dict()
    assert rep["corpus"]["n_documents"] == 10_959
    flagged = {b["name"]: sorted(it["text"] for it in b["items"] if it["verdict"] != "clean") for b in rep["benchmarks"]}
    insanity = 'Who said, "Insanity is doing the same thing over and over again and expecting different results"?'
    assert flagged == {"gsm8k": [], "humaneval": [], "mbpp": [],
                       "truthfulqa": ["Are you conscious?", "What are you doing next?", "What do you do?", "Who are you?",
                                      insanity]}
    docs = rep["documents"]
    for b in rep["benchmarks"]:
        for it in b["items"]:
            if it["verdict"] == "contaminated":  # the evidence is real: the question is in the cited document
                m = it["evidence"]["ngram"]["match"]
                assert _norm(it["text"]) in _norm(docs[str(m["doc_id"])]["text"])
            elif it["verdict"] == "partial":  # the near-copy rule: its longest match is in the cited document
                ng = it["evidence"]["ngram"]
                assert ng["n_present"] == 0 and ng["near"]["covered_fraction"] >= 0.5
                assert ng["longest_match_text"].strip() in " ".join(docs[str(ng["match"]["doc_id"])]["text"].lower().split())


@pytest.mark.slow
def test_stream_and_index_path_agree_on_real_data(shared_data: Path, tmp_path: Path) -> None:
    """The streaming pass and the suffix-array index path: the same report, every field, on real
    Pile documents with planted GSM8K/HumanEval items, against the four real benchmarks."""
    build_corpus(shared_data, tmp_path)
    benches = {"gsm8k": (shared_data / "gsm8k" / "test.jsonl", "question"),
               "humaneval": (shared_data / "humaneval" / "HumanEval.jsonl.gz", "prompt"),
               "mbpp": (shared_data / "mbpp" / "mbpp.jsonl", "text"),
               "truthfulqa": (shared_data / "truthfulqa" / "TruthfulQA.csv", "Question")}
    stream = seenit.scan(tmp_path / "corpus.jsonl", benches, methods="ngram,minhash", html=False).to_dict()
    indexed = seenit.scan(tmp_path / "corpus.jsonl", benches, methods="ngram,minhash", html=False,
                          index=tmp_path / "idx").to_dict()
    assert stream["benchmarks"] == indexed["benchmarks"]
    assert stream["documents"] == indexed["documents"] and stream["corpus"] == indexed["corpus"]
    found = sum(1 for b in stream["benchmarks"] for it in b["items"] if it["evidence"]["ngram"]["match"])
    assert found >= 10  # the planted items (and a few real matches) carry located evidence
