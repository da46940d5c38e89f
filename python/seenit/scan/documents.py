"""report.json's ``documents`` block: the corpus documents the evidence cites.

The corpus pass keeps them (seenit.scan.corpus_pass); each is reported with its file and
line, and an n-gram match's offsets, found in normalised bytes, are mapped back to
characters of the original text here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..io import Record
from ..tokenize import Normalisation
from .methods import BenchItems, cited_docs, offset_map, to_chars
from .state import digest

#: Documents longer than this are stored in report.json as an excerpt around their matches.
EXCERPT_OVER = 20_000
EXCERPT_CONTEXT = 2_000
#: Documents cited only by clean evidence keep this many leading characters.
BRIEF_CHARS = 500


def documents_key(evidence: dict[str, dict[str, list[dict[str, Any]]]], benches: Sequence[BenchItems],
                  methods: Sequence[str], norm: Normalisation) -> dict[str, Any]:
    """What the documents block depends on: which documents are cited (and whether by
    non-clean evidence), the n-gram match spans in them, the normalisation and excerpt sizes."""
    cited, spans = cited_and_spans(evidence, benches, methods)
    return {"cited": digest(sorted(cited.items())), "spans": digest(sorted((k, sorted(v)) for k, v in spans.items())),
            "norm": norm.to_dict(), "excerpt": [EXCERPT_OVER, EXCERPT_CONTEXT, BRIEF_CHARS]}


def cited_and_spans(evidence: dict[str, dict[str, list[dict[str, Any]]]], benches: Sequence[BenchItems],
                    methods: Sequence[str]) -> tuple[dict[int, bool], dict[int, list[tuple[int, int]]]]:
    """Doc id -> cited by some non-clean evidence; doc id -> n-gram match spans (normalised bytes)."""
    cited: dict[int, bool] = {}
    for b in benches:
        for i in range(len(b.texts)):
            for m in methods:
                ev = evidence[b.spec.name][m][i]
                for d in cited_docs({m: ev}):
                    cited[d] = cited.get(d, False) or ev["verdict"] != "clean"
    spans: dict[int, list[tuple[int, int]]] = {}
    for b in benches:
        for ev in evidence[b.spec.name].get("ngram", []):
            if ev["match"] is not None:
                spans.setdefault(ev["match"]["doc_id"], []).append((ev["match"]["doc_norm_start"], ev["match"]["doc_norm_end"]))
    return cited, spans


def documents_from(kept: dict[int, Record], evidence: dict[str, dict[str, list[dict[str, Any]]]],
                   benches: Sequence[BenchItems], methods: Sequence[str], norm: Normalisation, n_docs: int,
                   n_bytes: int, skipped: list[str]) -> dict[str, Any]:
    """report.json's documents block from the documents a pass kept: each cited document
    (text or excerpt, file, line), each n-gram match's document offsets in original
    characters (``matches``: doc id -> {norm span -> char span}), and the corpus' size.

    A document cited by non-clean evidence is kept whole up to EXCERPT_OVER characters
    (else an excerpt around its matches); one cited only by clean evidence (e.g. an
    unremarkable nearest neighbour) keeps its first BRIEF_CHARS characters, so report.json
    stays small for big benchmarks."""
    cited, spans = cited_and_spans(evidence, benches, methods)
    missing = sorted(d for d in cited if d not in kept)
    if missing:  # a broken invariant of CorpusPass, not a user error
        raise RuntimeError(f"the corpus pass did not keep cited documents {missing[:5]}")
    docs: dict[str, Any] = {}
    matches: dict[str, dict[str, list[int]]] = {}
    for d in sorted(cited):
        r = kept[d]
        text = r.text
        entry: dict[str, Any] = {"source": r.path, "line": r.line, "n_chars": len(text)}
        sp = spans.get(d)
        char_spans = []
        if sp:
            starts, src = offset_map(text, norm)
            m = matches.setdefault(str(d), {})
            for a, b in sp:
                c0, c1 = to_chars(starts, src, a, b)
                m[f"{a}:{b}"] = [c0, c1]
                char_spans.append((c0, c1))
        if not cited[d] and len(text) > BRIEF_CHARS:
            entry["text"] = text[:BRIEF_CHARS]
            entry["excerpt_start"] = 0
        elif len(text) > EXCERPT_OVER:
            lo = max(0, min((c for c, _ in char_spans), default=0) - EXCERPT_CONTEXT)
            hi = min(len(text), max((c for _, c in char_spans), default=0) + EXCERPT_CONTEXT)
            hi = max(hi, min(len(text), lo + 2 * EXCERPT_CONTEXT))
            entry["text"] = text[lo:hi]
            entry["excerpt_start"] = lo
        else:
            entry["text"] = text
        docs[str(d)] = entry
    return {"documents": docs, "matches": matches,
            "corpus": {"n_documents": n_docs, "n_bytes": n_bytes, "skipped_lines": len(skipped),
                       "skipped": skipped[:100]}}
