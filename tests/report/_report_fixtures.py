"""Hand-built report dicts following docs/report_schema.md (schema_version 1), for the report tests
and for docs/report.png.

``ReportBuilder`` collects documents, benchmarks and items, derives every item's overall verdict
and ``flagged_by`` by the schema's rule, and fills in each benchmark's ``summary`` from its items,
so a test only states the evidence it cares about.
"""

from __future__ import annotations

import copy
import random
import re
from difflib import SequenceMatcher
from typing import Any

SETTINGS: dict[str, Any] = {
    "methods": ["ngram", "minhash"],
    "engine": "local",
    "overall_rule": "contaminated if any method says contaminated, partial if any says partial, else clean",
    "ngram": {"recipe": "default", "n": 13, "metric": "coverage", "clean_below": 0.2, "contaminated_at": 0.8,
              "tokenizer": "bytes", "lowercase": True, "collapse_whitespace": True, "strip_punctuation": False},
    "minhash": {"threshold": 0.5, "partial_at": 0.3, "num_perm": 128, "ngram": 5, "unit": "word", "seed": 1},
    "embed": {"model": "all-MiniLM-L6-v2", "k": 5, "threshold": 0.9, "partial_at": 0.8},
}
VERDICTS = ("clean", "partial", "contaminated")


def verdict(value: float, partial_at: float, contaminated_at: float) -> str:
    return "contaminated" if value >= contaminated_at else "partial" if value >= partial_at else "clean"


def ngram_evidence(value: float, *, settings: dict[str, Any] = SETTINGS, spans: list[list[int]] | None = None,
                   match: dict[str, int] | None = None, doc_ids: list[int] | None = None) -> dict[str, Any]:
    s = settings["ngram"]
    lm = 0 if match is None else match["item_end"] - match["item_start"]
    return {"verdict": verdict(value, s["clean_below"], s["contaminated_at"]), "value": value, "ngram_fraction": value,
            "covered_fraction": value, "n_units": 40, "n_ngrams": 28, "n_present": round(28 * value),
            "longest_match_tokens": lm, "longest_match_chars": lm, "longest_match_text": "",
            "covered_spans": spans or [], "match": match,
            "doc_ids": doc_ids if doc_ids is not None else ([] if match is None else [match["doc_id"]])}


def minhash_evidence(jaccard: float, doc_id: int | None, *, settings: dict[str, Any] = SETTINGS) -> dict[str, Any]:
    s = settings["minhash"]
    return {"verdict": verdict(jaccard, s["partial_at"], s["threshold"]), "jaccard": jaccard, "doc_id": doc_id}


def embed_evidence(cosine: float, doc_ids: list[int], *, settings: dict[str, Any] = SETTINGS) -> dict[str, Any]:
    s = settings["embed"]
    return {"verdict": verdict(cosine, s["partial_at"], s["threshold"]), "cosine": cosine, "doc_ids": doc_ids,
            "scores": [round(cosine - 0.02 * k, 4) for k in range(len(doc_ids))]}


class ReportBuilder:
    def __init__(self, methods: tuple[str, ...] = ("ngram", "minhash"), corpus_paths: tuple[str, ...] = ("corpus/",)) -> None:
        self.settings = copy.deepcopy(SETTINGS)
        self.settings["methods"] = list(methods)
        for m in ("ngram", "minhash", "embed"):
            if m not in methods:
                del self.settings[m]
        self.documents: dict[str, dict[str, Any]] = {}
        self.benchmarks: list[dict[str, Any]] = []
        self.corpus_paths = list(corpus_paths)
        self.n_documents = 0
        self.mia: dict[str, Any] | None = None

    def doc(self, text: str, source: str = "corpus/part-000.jsonl", line: int | None = None, excerpt_start: int | None = None) -> int:
        doc_id = self.n_documents
        self.n_documents += 1
        d: dict[str, Any] = {"source": source, "line": doc_id + 1 if line is None else line, "text": text}
        if excerpt_start is not None:
            d["excerpt_start"] = excerpt_start
        self.documents[str(doc_id)] = d
        return doc_id

    def benchmark(self, name: str, file: str | None = None, field: str = "question") -> dict[str, Any]:
        b = {"name": name, "file": file or f"{name}.jsonl", "field": field, "n_items": 0, "items": []}
        self.benchmarks.append(b)
        return b

    def item(self, bench: dict[str, Any], text: str, **evidence: dict[str, Any]) -> dict[str, Any]:
        for m in self.settings["methods"]:  # every method that ran has evidence for every item
            if m not in evidence:
                evidence[m] = {"ngram": lambda: ngram_evidence(0.0), "minhash": lambda: minhash_evidence(0.0, None),
                               "embed": lambda: embed_evidence(0.1, [])}[m]()
        verdicts = [e["verdict"] for e in evidence.values()]
        overall = "contaminated" if "contaminated" in verdicts else "partial" if "partial" in verdicts else "clean"
        it = {"index": len(bench["items"]), "source": bench["file"], "line": len(bench["items"]) + 1, "text": text,
              "verdict": overall, "flagged_by": [m for m, e in evidence.items() if e["verdict"] != "clean"],
              "evidence": evidence}
        bench["items"].append(it)
        return it

    def build(self) -> dict[str, Any]:
        for b in self.benchmarks:
            n = len(b["items"])
            b["n_items"] = n
            overall = {v: sum(1 for it in b["items"] if it["verdict"] == v) for v in VERDICTS}
            by_method = {m: {v: sum(1 for it in b["items"] if it["evidence"][m]["verdict"] == v) for v in VERDICTS}
                         for m in self.settings["methods"]}
            b["summary"] = {"items": n, "overall": overall,
                            "percent": {v: round(100.0 * k / n, 2) if n else 0.0 for v, k in overall.items()},
                            "by_method": by_method}
        out: dict[str, Any] = {
            "schema_version": 1,
            "tool": {"name": "seenit", "version": "0.1.0"},
            "created": "2026-12-01T06:00:00Z",
            "settings": self.settings,
            "corpus": {"paths": self.corpus_paths, "n_documents": self.n_documents, "n_bytes": 40_000_000,
                       "fingerprint": "0" * 64},
            "benchmarks": self.benchmarks,
            "documents": self.documents,
        }
        if self.mia is not None:
            out["mia"] = self.mia
        return out


# ------------------------------------------------------------------ a realistic report (docs/report.png)
_WORD = re.compile(r"\w+")
_FILLER = ("The committee met on Tuesday to review the budget for the coming year. Several members raised concerns "
           "about the cost of maintaining the old library building, which needs a new roof. ")


def _shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    w = [m.group().lower() for m in _WORD.finditer(text)]
    return {tuple(w[i : i + k]) for i in range(max(1, len(w) - k + 1))}


def _evidence_from_texts(item: str, doc_id: int, doc: str) -> dict[str, Any]:
    """n-gram and MinHash evidence of ``item`` against one document, computed from the texts
    (matching blocks of >= 30 characters stand in for 13-gram coverage; exact shingle Jaccard)."""
    sm = SequenceMatcher(None, item, doc, autojunk=False)
    blocks = [b for b in sm.get_matching_blocks() if b.size >= 30]
    covered = sum(b.size for b in blocks) / len(item)
    spans = [[b.a, b.a + b.size] for b in blocks]
    ev: dict[str, Any] = {}
    if blocks:
        best = max(blocks, key=lambda b: b.size)
        match = {"doc_id": doc_id, "doc_start": best.b, "doc_end": best.b + best.size, "item_start": best.a, "item_end": best.a + best.size}
        ev["ngram"] = ngram_evidence(round(covered, 4), spans=spans, match=match)
        ev["ngram"]["longest_match_text"] = item[best.a : best.a + best.size]
    else:
        ev["ngram"] = ngram_evidence(0.0)
    a, b = _shingles(item), _shingles(doc)
    ev["minhash"] = minhash_evidence(round(len(a & b) / len(a | b), 4), doc_id)
    return ev


def realistic_report(n_items: int = 120, seed: int = 0, mia: bool = True) -> dict[str, Any]:
    """Two benchmarks (math word problems and code prompts, written for this test) against a small
    corpus with some items planted verbatim, with light edits, or inside longer documents."""
    rng = random.Random(seed)
    rb = ReportBuilder(methods=("ngram", "minhash"), corpus_paths=("corpus/web-000.jsonl.zst", "corpus/web-001.jsonl.zst"))
    names = ["Mara", "Tomas", "Ines", "Kofi", "Lena", "Ravi", "Yuki", "Omar"]
    things = [("apples", "baskets"), ("stamps", "albums"), ("pencils", "boxes"), ("tiles", "rows"), ("eggs", "cartons")]
    math = rb.benchmark("arith-test", "benchmarks/arith_test.jsonl", "question")
    code = rb.benchmark("pyfunc", "benchmarks/pyfunc.jsonl", "prompt")
    for i in range(n_items):
        who, (obj, box) = rng.choice(names), rng.choice(things)
        a, b, c = rng.randint(3, 40), rng.randint(2, 12), rng.randint(1, 9)
        q = (f"{who} has {a} {box} with {b} {obj} in each. {who} gives away {c} {box} to a neighbour and then buys "
             f"{a // 2 + 1} more {box}. How many {obj} does {who} have now?")
        kind = i % 12
        if kind == 0:  # planted verbatim inside a longer web page
            d = rb.doc(_FILLER + "Practice problem " + str(i) + ": " + q + " Answer: see below. " + _FILLER, "corpus/web-000.jsonl.zst", 1000 + 37 * i)
            rb.item(math, q, **_evidence_from_texts(q, d, rb.documents[str(d)]["text"]))
        elif kind == 5:  # light edits
            edited = q.replace(" and then buys", ", then purchases").replace("How many", "how many")
            d = rb.doc("Homework help forum. " + edited + " I tried multiplying first but got it wrong.", "corpus/web-001.jsonl.zst", 2000 + 53 * i)
            rb.item(math, q, **_evidence_from_texts(q, d, rb.documents[str(d)]["text"]))
        else:
            v = rng.choice([0.0] * 8 + [0.05, 0.1, 0.12])
            rb.item(math, q, ngram=ngram_evidence(v), minhash=minhash_evidence(round(rng.random() * 0.12, 3), None))
    fns = ["running_max", "count_vowels", "merge_sorted", "is_palindrome", "rotate_left", "chunk_list"]
    for i in range(n_items // 2):
        f = fns[i % len(fns)]
        p = (f'def {f}(values: list[int]) -> list[int]:\n    """Return the {f.replace("_", " ")} of the input list.\n'
             f"    >>> {f}([3, 1, 4, 1, 5])\n    ...\n    \"\"\"\n")
        if i % 9 == 0:
            d = rb.doc(f"# utils_{i}.py from a public repository\nimport itertools\n\n" + p + "    out = []\n    for v in values:\n        out.append(v)\n    return out\n",
                       "corpus/web-001.jsonl.zst", 5000 + 11 * i)
            rb.item(code, p, **_evidence_from_texts(p, d, rb.documents[str(d)]["text"]))
        else:
            rb.item(code, p, ngram=ngram_evidence(rng.choice([0.0, 0.0, 0.08, 0.15])), minhash=minhash_evidence(round(rng.random() * 0.2, 3), None))
    if mia:
        rb.mia = {"source": "scores.jsonl", "n_members": 200, "n_nonmembers": 200, "methods": {
            "loss": {"auroc": 0.62, "fpr": [0, 0.1, 0.3, 0.6, 1], "tpr": [0, 0.18, 0.45, 0.74, 1]},
            "mink_0.2": {"auroc": 0.71, "fpr": [0, 0.05, 0.2, 0.5, 1], "tpr": [0, 0.2, 0.52, 0.83, 1]},
            "zlib": {"auroc": 0.66, "fpr": [0, 0.1, 0.35, 0.7, 1], "tpr": [0, 0.22, 0.55, 0.82, 1]}}}
    return rb.build()
