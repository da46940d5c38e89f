"""Per-benchmark evidence from each method, as report.json's ``evidence`` blocks.

- ``ngram``: the index's n-gram overlap of every item (the same numbers and verdicts as
  :func:`seenit.contamination`), plus the item's covered character spans and where its
  longest match lies in the item and in one corpus document;
- ``minhash``: each item's best corpus document and estimated Jaccard;
- ``embed``: each item's nearest corpus documents by cosine similarity.

Index offsets are UTF-8 byte offsets of *normalised* text (lowercased, whitespace
collapsed, ...); :func:`offset_map` maps them back to character offsets of the original
text, so a report can highlight the spans in what the user wrote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ngram.contamination import verdict_of
from ..io import Record, check_no_surrogates, iter_records
from ..ngram.index import NgramIndex, Overlap, ngram_overlap
from ..ngram.stream import StreamMatcher
from ..tokenize import Normalisation, _char_table
from .config import DEFAULT_FIELDS, BenchSpec, EmbedSettings, MinHashSettings, NgramSettings
from .engine import ItemMatches, Neighbours

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class BenchItems:
    """A benchmark's items in file order, with where each came from. One field of a benchmark
    of several (``question,answer``) is scanned as a benchmark of its own, ``NAME[field]``, whose
    ``group`` is ``NAME`` (report.json shows the fields of each item together)."""

    spec: BenchSpec
    field: str
    texts: list[str]
    sources: list[str]
    lines: list[int]
    skipped: list[str]
    group: str | None = None


def load_benchmark(spec: BenchSpec, skip_bad_lines: bool = False) -> list[BenchItems]:
    """A benchmark's items: :func:`load_items`, or for several fields one :class:`BenchItems` per
    field, all from the same rows (a row missing one of the fields, or holding a non-string there,
    raises ValueError naming it, or is skipped for every field with ``skip_bad_lines``)."""
    fields = spec.fields
    if len(fields) <= 1:
        return [load_items(spec, skip_bad_lines)]
    skipped: list[str] = []
    try:
        recs = list(iter_records(spec.path, field=fields[0], keep_data=True, skip_bad_lines=skip_bad_lines,
                                 skipped=skipped))
    except ValueError as e:
        raise ValueError(f"benchmark {spec.name!r}: {e}") from None
    rows: list[tuple[Record, list[str]]] = []
    for r in recs:
        values, bad = [r.text], None
        data = r.data if isinstance(r.data, dict) else {}
        for f in fields[1:]:
            v = data.get(f, "") if f in data else None
            if v is None and f not in data:
                bad = f"{r.path}:{r.line}: field {f!r} not found (fields: {', '.join(sorted(map(str, data))[:10])})"
            elif not isinstance(v, str) and v is not None:
                bad = f"{r.path}:{r.line}: field {f!r} must be a string, got {type(v).__name__}"
            if bad:
                break
            values.append(v or "")
        if bad is None:
            rows.append((r, values))
        elif skip_bad_lines:
            skipped.append(bad)
        else:
            raise ValueError(f"benchmark {spec.name!r}: {bad}")
    if not rows:
        why = f"; every row was skipped, the first: {skipped[0]}" if skipped else ""
        raise ValueError(f"benchmark {spec.name!r}: {spec.path} holds no items (fields {spec.field!r}){why}")
    out = []
    for k, f in enumerate(fields):
        texts = [v[k] for _, v in rows]
        check_no_surrogates(texts, f"benchmark {spec.name!r} field {f!r}")
        out.append(BenchItems(BenchSpec(f"{spec.name}[{f}]", spec.path, f), f, texts, [r.path for r, _ in rows],
                              [r.line for r, _ in rows], skipped, group=spec.name))
    return out


def load_items(spec: BenchSpec, skip_bad_lines: bool = False) -> BenchItems:
    """Read a benchmark's items; an unnamed field is the first of :data:`DEFAULT_FIELDS`
    present. Raises ValueError for a missing field (naming field and file) or no items."""
    fields = [spec.field] if spec.field else list(DEFAULT_FIELDS)
    last: ValueError | None = None
    for fld in fields:
        skipped: list[str] = []
        try:
            recs = list(iter_records(spec.path, field=fld, skip_bad_lines=skip_bad_lines, skipped=skipped))
        except ValueError as e:
            if spec.field is None and "not found" in str(e):
                last = e
                continue
            raise ValueError(f"benchmark {spec.name!r}: {e}") from None
        if skipped and len(skipped) == len(recs) + len(skipped) and spec.field is None:
            last = ValueError(skipped[0])
            continue
        if not recs:
            why = f"; every line was skipped, the first: {skipped[0]}" if skipped else ""
            raise ValueError(f"benchmark {spec.name!r}: {spec.path} holds no items (field {fld!r}){why}")
        return BenchItems(spec, fld, [r.text for r in recs], [r.path for r in recs], [r.line for r in recs], skipped)
    if spec.field is not None and last is not None:
        raise ValueError(f"benchmark {spec.name!r}: {last}")
    raise ValueError(f"benchmark {spec.name!r}: {spec.path} has none of the fields {', '.join(DEFAULT_FIELDS)} "
                     f"({last}); name one: {spec.name}={spec.path}:FIELD")


# ------------------------------------------------------------------ offsets


#: Python's whitespace (str.isspace, what ``\s`` matches) below U+3001, as a lookup table
#: (no whitespace code point lies above U+3000).
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=bool)


def offset_map(text: str, norm: Normalisation) -> tuple[np.ndarray, np.ndarray]:
    """For the UTF-8 bytes of ``norm(text)``: ``(byte_starts, src)`` where normalised
    character j starts at byte ``byte_starts[j]`` and comes from original character
    ``src[j]`` (``byte_starts`` has one extra entry, the total byte length)."""
    low = text.lower() if norm.lowercase else text
    if len(low) == len(text):
        return _offset_map_vectorised(low, norm.collapse_whitespace, norm.strip_punctuation)
    return _offset_map_chars(text, norm)


def _offset_map_vectorised(low: str, collapse: bool, strip: bool) -> tuple[np.ndarray, np.ndarray]:
    """offset_map when lowercasing changed no length: whole arrays of code points instead of a
    loop over characters (cited documents can be megabytes). Classes come from the normalise
    kernel's table, built from the same regexes the per-character path uses."""
    cp = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    src = np.arange(cp.size)
    if strip:
        src = src[(_char_table()[0][cp] & np.uint32(1 << 22)) == 0]  # [^\w\s] removed
    kept = cp[src]
    if collapse:
        space = np.zeros(kept.size, dtype=bool)
        small = kept < _IS_SPACE.size
        space[small] = _IS_SPACE[kept[small]]
        first = ~(space & np.r_[False, space[:-1]])  # the first of each whitespace run stays (a stripped
        src, kept = src[first], np.where(space[first], np.uint32(0x20), kept[first])  # one never ends a run)
    widths = 1 + (kept >= 0x80).astype(np.int64) + (kept >= 0x800) + (kept >= 0x10000)
    starts = np.zeros(kept.size + 1, dtype=np.int64)
    np.cumsum(widths, out=starts[1:])
    return starts, src.astype(np.int64)


def _offset_map_chars(text: str, norm: Normalisation) -> tuple[np.ndarray, np.ndarray]:
    """offset_map character by character (lowercasing that changes lengths, punctuation stripped)."""
    if norm.lowercase:
        low = text.lower()
        if len(low) == len(text):
            chars, src = list(low), list(range(len(text)))
        else:  # a character whose lower case is longer (e.g. U+0130)
            chars, src = [], []
            for i, c in enumerate(text):
                lc = c.lower()
                chars.extend(lc)
                src.extend([i] * len(lc))
    else:
        chars, src = list(text), list(range(len(text)))
    if norm.strip_punctuation:
        keep = [j for j, c in enumerate(chars) if not _PUNCT.match(c)]
        chars, src = [chars[j] for j in keep], [src[j] for j in keep]
    if norm.collapse_whitespace:
        c2, s2 = [], []
        prev_space = False
        for c, s in zip(chars, src):
            sp = bool(_SPACE.match(c))
            if sp and prev_space:
                continue
            c2.append(" " if sp else c)
            s2.append(s)
            prev_space = sp
        chars, src = c2, s2
    widths = np.fromiter((len(c.encode("utf-8", "surrogatepass")) for c in chars), np.int64, len(chars))
    starts = np.zeros(len(chars) + 1, dtype=np.int64)
    np.cumsum(widths, out=starts[1:])
    return starts, np.asarray(src, dtype=np.int64)


def to_chars(starts: np.ndarray, src: np.ndarray, b0: int, b1: int) -> tuple[int, int]:
    """Normalised byte span [b0, b1) -> original character span [c0, c1)."""
    if src.size == 0 or b1 <= b0:
        c = int(src[min(int(np.searchsorted(starts, b0, side="right")) - 1, src.size - 1)]) if src.size else 0
        return c, c
    j0 = int(np.searchsorted(starts, b0, side="right")) - 1
    j1 = int(np.searchsorted(starts, b1 - 1, side="right")) - 1
    j0 = min(max(j0, 0), src.size - 1)
    j1 = min(max(j1, 0), src.size - 1)
    return int(src[j0]), int(src[j1]) + 1


# ------------------------------------------------------------------ evidence


@dataclass(frozen=True)
class LongestMatch:
    """Where an item's longest match occurs: the smallest (document, normalised byte offset)
    holding it and the ``max_docs`` smallest documents that do."""

    doc_ids: tuple[int, ...]
    first_doc: int
    first_off: int


def ngram_evidence(idx: NgramIndex, texts: Sequence[str], s: NgramSettings, max_docs: int = 5) -> list[dict[str, Any]]:
    """The ``ngram`` evidence of every item against a corpus index (the index path)."""
    ovs = idx.overlap_many(list(texts), s.min_n, units="words")
    located: list[LongestMatch | None] = []
    for ov in ovs:
        if not ov.n_present:
            located.append(None)
            continue
        b0, blen = _longest(ov)
        span = np.asarray(ov.tokens[b0 : b0 + blen])
        d, off = idx.locate(span, limit=idx.count(span))  # all of them: the smallest documents are reported
        order = np.lexsort((off, d))
        d, off = d[order], off[order]
        located.append(LongestMatch(tuple(int(x) for x in np.unique(d)[:max_docs]), int(d[0]), int(off[0])))
    return evidence_from_overlaps(texts, ovs, located, s, idx.normalisation)


def stream_ngram_evidence(matcher: StreamMatcher, texts: Sequence[str], s: NgramSettings) -> list[dict[str, Any]]:
    """The ``ngram`` evidence of every item from a streamed pass (the default path): the
    same evidence :func:`ngram_evidence` gives against an index of the same documents."""
    res = matcher.results()
    located = [LongestMatch(r.doc_ids, r.first_doc, r.first_off) if r.overlap.n_present else None for r in res]
    return evidence_from_overlaps(texts, [r.overlap for r in res], located, s, matcher.normalisation)


def _longest(ov: Overlap) -> tuple[int, int]:
    """(start, length) in normalised bytes of the longest match at a unit start (the first of equals)."""
    best = int(np.argmax(ov.lengths))
    return int(ov.unit_starts[best]), int(ov.lengths[best])


def evidence_from_overlaps(texts: Sequence[str], ovs: Sequence[Overlap], located: Sequence[LongestMatch | None],
                           s: NgramSettings, norm: Normalisation) -> list[dict[str, Any]]:
    """Evidence per item from its overlap at ``s.min_n`` (whose match lengths give the ``s.n``
    overlap too) and where its longest match occurs. A longest match is reported only when some
    ``min_n``-gram of the item occurs (a shorter match is no evidence). ``match`` carries the
    document side as normalised byte offsets (``doc_norm_start``/``doc_norm_end``) until
    :func:`seenit.scan.documents.documents_from` maps them onto the document's original text."""
    out: list[dict[str, Any]] = []
    shared = _shared_ngrams(ovs, s.near_n) if s.near_n else set()
    for text, ov_min, loc in zip(texts, ovs, located):
        ov = ov_min if s.min_n == s.n else ngram_overlap(ov_min.tokens, ov_min.lengths, ov_min.unit_starts,
                                                            ov_min.unit_ends, s.n)
        if s.metric == "coverage":
            value = ov.covered
        elif s.metric == "ngram_fraction":
            value = ov.fraction
        else:
            value = 1.0 if ov.n_present else 0.0
        starts, src = offset_map(text, norm) if ov_min.n_present else (np.zeros(1, np.int64), np.zeros(0, np.int64))
        verdict = verdict_of(float(value), s.clean_below, s.contaminated_at)
        near = None
        if s.near_n:  # the near-copy rule (long items only: a short one is one n-gram, matched whole)
            own = _without_shared(ov_min, s.near_n, shared)
            near = {"n": s.near_n, "covered_fraction": float(own.covered), "n_present": int(own.n_present),
                    "covered_spans": _spans(own, starts, src)}
            if verdict == "clean" and ov.unit_starts.size >= s.n and own.covered >= s.near_at:
                verdict = "partial"
        blen, mtext, doc_ids, match = 0, "", [], None
        if ov_min.n_present and loc is not None:
            b0, blen = _longest(ov)
            mtext = np.asarray(ov.tokens[b0 : b0 + blen], dtype=np.uint8).tobytes().decode("utf-8", errors="replace")
            doc_ids = list(loc.doc_ids)
            i0, i1 = to_chars(starts, src, b0, b0 + blen)
            match = {"doc_id": loc.first_doc, "doc_norm_start": loc.first_off, "doc_norm_end": loc.first_off + blen,
                     "item_start": i0, "item_end": i1}
        out.append({
            "verdict": verdict, "value": float(value),
            "ngram_fraction": float(ov.fraction), "covered_fraction": float(ov.covered),
            "n_units": int(ov.unit_starts.size), "n_ngrams": int(ov.n_ngrams), "n_present": int(ov.n_present),
            "longest_match_tokens": blen, "longest_match_chars": len(mtext), "longest_match_text": mtext,
            "covered_spans": _spans(ov, starts, src), "match": match, "doc_ids": doc_ids, "near": near,
        })
    return out


def _ngram_texts(ov: Overlap, n: int) -> list[bytes]:
    """The item's n-grams (n units; a shorter item: itself) as the bytes of their tokens, in order."""
    m = ov.unit_starts.size
    if m == 0:
        return []
    g = min(n, m)
    t = np.asarray(ov.tokens)
    return [t[a:b].tobytes() for a, b in zip(ov.unit_starts[: m - g + 1].tolist(), ov.unit_ends[g - 1 :].tolist())]


def _shared_ngrams(ovs: Sequence[Overlap], n: int) -> set[bytes]:
    """The n-grams that two or more items of one benchmark hold (its templates: MBPP's "write a
    python function to find the ..."). The near-copy rule does not count them: with them, one
    templated item in a corpus made its siblings look like near-copies."""
    seen: set[bytes] = set()
    shared: set[bytes] = set()
    for ov in ovs:
        for g in set(_ngram_texts(ov, n)):
            (shared if g in seen else seen).add(g)
    return shared


def _without_shared(ov: Overlap, n: int, shared: set[bytes]) -> Overlap:
    """``ov`` (at ``n``) with the present n-grams that are ``shared`` counted absent."""
    if not ov.n_present or not shared:
        return ov
    keep = np.array([g not in shared for g in _ngram_texts(ov, n)], dtype=bool)
    m = ov.unit_starts.size
    g = min(n, m)
    lengths = ov.lengths.copy()
    lengths[: m - g + 1][~keep] = 0  # a length below its n-gram's bytes reads "absent"
    return ngram_overlap(ov.tokens, lengths, ov.unit_starts, ov.unit_ends, n)


def _spans(ov: Overlap, starts: np.ndarray, src: np.ndarray) -> list[list[int]]:
    """The item's covered units as merged character spans of its original text."""
    return mask_spans(ov.mask, ov.unit_starts, ov.unit_ends, starts, src)


def mask_spans(mask: np.ndarray, unit_starts: np.ndarray, unit_ends: np.ndarray, starts: np.ndarray,
               src: np.ndarray) -> list[list[int]]:
    """The units set in ``mask`` (normalised byte spans ``unit_starts``/``unit_ends``) as merged
    character spans of the original text (``starts``/``src``: :func:`offset_map`)."""
    spans: list[list[int]] = []
    m = mask
    if m.any():
        edges = np.flatnonzero(np.diff(np.r_[0, m.astype(np.int8), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            c0, c1 = to_chars(starts, src, int(unit_starts[a]), int(unit_ends[b - 1]))
            if spans and c0 <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], c1)
            else:
                spans.append([c0, c1])
    return spans


def minhash_evidence(m: ItemMatches, s: MinHashSettings) -> list[dict[str, Any]]:
    out = []
    for d, j in zip(m.doc_id.tolist(), m.jaccard.tolist()):
        v = "contaminated" if d >= 0 and j >= s.threshold else "partial" if d >= 0 and j >= s.partial_at else "clean"
        out.append({"verdict": v, "jaccard": float(j), "doc_id": int(d) if d >= 0 else None})
    return out


def embed_evidence(nb: Neighbours, s: EmbedSettings) -> list[dict[str, Any]]:
    out = []
    for ids, sc in zip(nb.ids.tolist(), nb.scores.tolist()):
        cos = float(sc[0]) if sc else 0.0
        v = "contaminated" if sc and cos >= s.threshold else "partial" if sc and cos >= s.partial_at else "clean"
        out.append({"verdict": v, "cosine": cos, "doc_ids": [int(i) for i in ids], "scores": [float(x) for x in sc]})
    return out


def overall(verdicts: Sequence[str]) -> str:
    """settings.overall_rule: contaminated if any says so, partial if any says partial, else clean."""
    if "contaminated" in verdicts:
        return "contaminated"
    return "partial" if "partial" in verdicts else "clean"


def cited_docs(evidence: dict[str, Any]) -> list[int]:
    """Every corpus document id an item's evidence cites."""
    ids: list[int] = []
    ng = evidence.get("ngram")
    if ng:
        ids += ng["doc_ids"]
        if ng.get("match"):
            ids.append(ng["match"]["doc_id"])
    mh = evidence.get("minhash")
    if mh and mh.get("doc_id") is not None:
        ids.append(mh["doc_id"])
    em = evidence.get("embed")
    if em:
        ids += em["doc_ids"]
    return ids
