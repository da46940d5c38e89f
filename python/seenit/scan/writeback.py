"""The corpus written back after a scan: annotated, or purified of the items it flagged.

One more pass over the corpus, once the verdicts are known (``--annotate OUT``, ``--purify OUT``):

- **where the flagged items occur**: an n-gram index of the items the scan flagged (verdict not
  ``clean``) is matched against every document (:class:`ItemSpans`): a document's run of
  ``n`` words (``settings.ngram.min_n``: the near-copy rule's 8 by default, so edited copies are
  found too) that occurs in a flagged item is that item's; an item shorter than ``n`` words
  counts where it occurs whole (as the scan counts it). Spans are characters of the original
  document text.
- **annotate**: every document as read, with one field added, ``"seenit": {"matches": [...]}``:
  per flagged item it holds, the benchmark, the item index, the methods that place it there
  (``ngram``: its spans; ``minhash``/``embed``: the document is the item's near-duplicate or
  nearest neighbour cited by non-clean evidence) and the spans. Every document gets the field
  (an empty list when it holds nothing), for a later filtering step (Dolma/DCLM attribute style).
- **purify**: every document without a span kept byte for byte (a JSON-lines input's line as
  it was); in the others each span is cut out with ``margin`` characters on both sides (200:
  the GPT-3 paper's and lm-eval-harness' decontamination convention), the pieces left joined by
  a blank line; a document is dropped when fewer than ``min_chars`` (200) characters remain or
  it falls into more than ``max_pieces`` (10) pieces (lm-eval's janitor rule). MinHash and
  embedding evidence carries no span: it is annotated, not cut.

Both files are JSON lines (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``), one record per corpus
document in corpus order, written to temporary names and renamed at the end. Records from
Parquet, CSV, tables are written as JSON objects of their row.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io import (JSONL_SUFFIXES, Record, Source, _format_of, _raw_lines, check_output_path, iter_batches,
                  iter_records, staged_write)
from ..ngram.index import NgramIndex, Overlap, overlaps_from_lengths
from ..sources import TableSource
from ..tokenize import Normalisation
from .._progress import ProgressBar
from .._validate import check_int
from .methods import mask_spans, offset_map

#: Characters cut on each side of a contaminated span (Brown et al. 2020, appendix C; lm-eval's janitor).
MARGIN = 200
#: A purified document keeping fewer characters than this is dropped.
MIN_CHARS = 200
#: A purified document cut into more pieces than this is dropped.
MAX_PIECES = 10
#: What joins the pieces of a cut document.
PIECE_SEPARATOR = "\n\n"
#: The field an annotated record gains.
ANNOTATION_FIELD = "seenit"
#: JSON-lines inputs, whose untouched lines are copied as they are.
_LINE_FORMATS = (".jsonl", ".ndjson", ".jsonl.gz", ".jsonl.zst", ".gz", ".zst")
_BATCH = 1024


@dataclass(frozen=True)
class WritebackOptions:
    """Where the annotated and the purified corpus go, and the purify rule."""

    annotate: Path | None = None
    purify: Path | None = None
    margin: int = MARGIN
    min_chars: int = MIN_CHARS
    max_pieces: int = MAX_PIECES

    @classmethod
    def make(cls, annotate: Any, purify: Any, margin: Any, min_chars: Any, max_pieces: Any,
             inputs: Sequence[Any]) -> WritebackOptions | None:
        """Checked options (None when neither output is asked for). An output must be a new or
        replaceable JSON-lines file that is not an input of the scan (a corpus or benchmark file)."""
        margin = check_int(margin, "purify_margin", 0)
        min_chars = check_int(min_chars, "purify_min_chars", 0)
        max_pieces = check_int(max_pieces, "purify_max_pieces", 1)
        paths: dict[str, Path | None] = {}
        for name, p in (("annotate", annotate), ("purify", purify)):
            if p is None:
                paths[name] = None
                continue
            if not isinstance(p, (str, os.PathLike)):
                raise TypeError(f"{name} must be a path, got {type(p).__name__}")
            paths[name] = check_output_path(p, name=name, inputs=[i for i in inputs if isinstance(i, Path)],
                                            suffixes=JSONL_SUFFIXES)
        a, p = paths["annotate"], paths["purify"]
        if a is not None and p is not None and a.resolve() == p.resolve():
            raise ValueError(f"annotate and purify name the same file {str(a)!r}; give two paths")
        if a is None and p is None:
            return None
        return cls(a, p, margin, min_chars, max_pieces)


class ItemSpans:
    """Where given items' ``n``-grams (words) occur in documents, through an n-gram index of the
    items built in ``workdir`` with the scan's normalisation."""

    def __init__(self, items: Sequence[str], n: int, norm: Normalisation, workdir: Path) -> None:
        self.n = n
        self.index = NgramIndex.build(list(items), workdir, tokenizer="bytes", lowercase=norm.lowercase,
                                      strip_punctuation=norm.strip_punctuation,
                                      collapse_whitespace=norm.collapse_whitespace, progress=False, overwrite=True)
        # an item of fewer than n words counts where it occurs whole: its normalised bytes, by word count
        self.short: dict[int, dict[bytes, list[int]]] = {}
        for i, ov in enumerate(self.index.overlap_many(list(items), n, units="words")):
            k = int(ov.unit_starts.size)
            if 0 < k < n:
                key = np.asarray(ov.tokens)[ov.unit_starts[0] : ov.unit_ends[-1]].tobytes()
                self.short.setdefault(k, {}).setdefault(key, []).append(i)

    def _overlaps(self, texts: Sequence[str]) -> list[Overlap]:
        """``index.overlap_many(texts, n, units="words")``, the texts normalised in one native call
        (the per-text Python normalisation took a third of the pass)."""
        idx = self.index
        vals, offs = idx.normalisation.encode_block(list(texts))
        vals = np.ascontiguousarray(vals, dtype=idx.dtype)
        us, ue = idx.unit_spans(vals, offs, True)
        return overlaps_from_lengths(vals, offs, us, ue, idx.prefix_lengths(vals, offs, us), self.n)

    def find(self, texts: Sequence[str]) -> list[dict[int, list[list[int]]]]:
        """Per text: item id -> the character spans of the text where the item's n-grams occur."""
        out: list[dict[int, list[list[int]]]] = []
        for text, ov in zip(texts, self._overlaps(texts)):
            us, ue, lengths = ov.unit_starts, ov.unit_ends, ov.lengths
            m = int(us.size)
            hits: dict[int, np.ndarray] = {}
            if m:
                tok = np.asarray(ov.tokens)
                g = min(self.n, m)  # a text of fewer than n words is one n-gram: itself
                for j in np.flatnonzero(lengths[: m - g + 1] >= ue[g - 1 :] - us[: m - g + 1]).tolist():
                    span = tok[us[j] : ue[j + g - 1]]
                    docs, _ = self.index.locate(span, limit=self.index.count(span))
                    for d in np.unique(docs).tolist():
                        hits.setdefault(d, np.zeros(m, bool))[j : j + g] = True
                for k, whole in self.short.items():
                    if k >= g:
                        continue
                    for j in np.flatnonzero(lengths[: m - k + 1] >= ue[k - 1 :] - us[: m - k + 1]).tolist():
                        for d in whole.get(tok[us[j] : ue[j + k - 1]].tobytes(), ()):
                            hits.setdefault(d, np.zeros(m, bool))[j : j + k] = True
            if hits:
                starts, src = offset_map(text, self.index.normalisation)
                out.append({d: mask_spans(mask, us, ue, starts, src) for d, mask in sorted(hits.items())})
            else:
                out.append({})
        return out


def purify_text(text: str, spans: Sequence[Sequence[int]], margin: int, min_chars: int,
                max_pieces: int) -> tuple[str | None, str]:
    """``text`` with ``spans`` cut out, ``margin`` characters on each side: ``(new text, "cut")``,
    or ``(None, "too_short" | "too_many_pieces")`` when the document is dropped."""
    cuts: list[list[int]] = []
    for a, b in sorted((max(0, int(a) - margin), min(len(text), int(b) + margin)) for a, b in spans):
        if cuts and a <= cuts[-1][1]:
            cuts[-1][1] = max(cuts[-1][1], b)
        else:
            cuts.append([a, b])
    pieces, pos = [], 0
    for a, b in cuts:
        if a > pos:
            pieces.append(text[pos:a])
        pos = b
    if pos < len(text):
        pieces.append(text[pos:])
    if len(pieces) > max_pieces:
        return None, "too_many_pieces"
    if sum(map(len, pieces)) < min_chars:
        return None, "too_short"
    return PIECE_SEPARATOR.join(pieces), "cut"


@dataclass(frozen=True)
class _Flagged:
    """A flagged item's text: the item's, or one field's of an item of several fields."""

    bench: str
    item: int
    field: str | None
    text: str
    evidence: dict[str, Any]


def _flagged(report: dict[str, Any]) -> list[_Flagged]:
    out = []
    for b in report["benchmarks"]:
        for it in b["items"]:
            parts = [(f, p) for f, p in it["fields"].items()] if "fields" in it else [(None, it)]
            out += [_Flagged(b["name"], it["index"], f, p["text"], p["evidence"]) for f, p in parts if p["verdict"] != "clean"]
    return out


Key = tuple[str, int, "str | None"]


def _neighbour_matches(report: dict[str, Any], flagged: Sequence[_Flagged]) -> dict[int, dict[Key, dict[str, Any]]]:
    """doc id -> (benchmark, item, field) -> what MinHash / embedding evidence says of that document."""
    out: dict[int, dict[Key, dict[str, Any]]] = {}
    partial_at = report["settings"].get("embed", {}).get("partial_at")
    for f in flagged:
        key = (f.bench, f.item, f.field)
        mh = f.evidence.get("minhash")
        if mh and mh["verdict"] != "clean" and mh["doc_id"] is not None:
            out.setdefault(mh["doc_id"], {}).setdefault(key, {})["jaccard"] = mh["jaccard"]
        em = f.evidence.get("embed")
        if em and em["verdict"] != "clean":
            for d, s in zip(em["doc_ids"], em["scores"]):
                if s >= partial_at:
                    out.setdefault(d, {}).setdefault(key, {})["cosine"] = s
    return out


def _raw_line_reader(files: Sequence[Source]) -> Any:
    """``raw(record)``: the input line of a JSON-lines record as it was (None for other formats)."""
    lines: dict[str, Iterator[tuple[int, bytes]]] = {}
    by_name = {str(f): f for f in files if not isinstance(f, TableSource) and _format_of(f) in _LINE_FORMATS}

    def raw(r: Record) -> bytes | None:
        src = by_name.get(r.path)
        if src is None:
            return None
        it = lines.setdefault(r.path, _raw_lines(src))  # type: ignore[arg-type]
        for ln, line in it:
            if ln == r.line:
                return line if line.endswith(b"\n") else line.rstrip(b"\r") + b"\n"
        raise RuntimeError(f"{r.path}:{r.line}: the line was not found again")  # the reader's invariant

    return raw


def write_back(files: Sequence[Source], field: str, skip_bad_lines: bool, report: dict[str, Any], n: int,
               norm: Normalisation, opts: WritebackOptions, progress: bool = False,
               total: int | None = None) -> dict[str, Any]:
    """Write the annotated and/or purified corpus (see the module docstring) for the items that
    ``report`` (report.json's dict) flags; returns its ``annotate`` / ``purify`` blocks
    (docs/report_schema.md)."""
    flagged = _flagged(report)
    neighbours = _neighbour_matches(report, flagged)
    stats = {"n_documents": 0, "unchanged": 0, "cut": 0, "dropped": 0, "dropped_too_short": 0,
             "dropped_too_many_pieces": 0, "chars_removed": 0}
    annotated = 0
    raw = _raw_line_reader(files)
    with contextlib.ExitStack() as stack:
        finder = None
        if flagged:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="seenit-writeback-")))
            finder = ItemSpans([f.text for f in flagged], n, norm, workdir / "items")
        ann = stack.enter_context(staged_write(opts.annotate, "wb")) if opts.annotate is not None else None
        pur = stack.enter_context(staged_write(opts.purify, "wb")) if opts.purify is not None else None
        bar = stack.enter_context(ProgressBar(progress, "writing back", total))
        doc = 0
        records = iter_records(list(files), field=field, keep_data=True, skip_bad_lines=skip_bad_lines)
        for batch in iter_batches(records, _BATCH):
            found = finder.find([r.text for r in batch]) if finder is not None else [{} for _ in batch]
            for r, hits in zip(batch, found):
                line = raw(r)
                if ann is not None:
                    matches = _annotation(hits, flagged, neighbours.get(doc, {}))
                    annotated += bool(matches)
                    ann.fh.write(_json_line(r, field, None, {ANNOTATION_FIELD: {"matches": matches}}))
                if pur is not None:
                    spans = [s for ss in hits.values() for s in ss]
                    stats["n_documents"] += 1
                    if not spans:
                        stats["unchanged"] += 1
                        pur.fh.write(line if line is not None else _json_line(r, field, None, {}))
                    else:
                        text, outcome = purify_text(r.text, spans, opts.margin, opts.min_chars, opts.max_pieces)
                        if text is None:
                            stats["dropped"] += 1
                            stats[f"dropped_{outcome}"] += 1
                            stats["chars_removed"] += len(r.text)
                        else:
                            stats["cut"] += 1
                            stats["chars_removed"] += len(r.text) - len(text)
                            pur.fh.write(_json_line(r, field, text, {}))
                doc += 1
            bar.advance(len(batch), sum(len(r.text) for r in batch))
    # both finished: publish (the annotation first; a crash between the two leaves the purify output as it was)
    out: dict[str, Any] = {}
    if ann is not None:
        ann.commit()
        out["annotate"] = {"path": str(opts.annotate), "field": ANNOTATION_FIELD, "n_documents": doc,
                           "annotated": annotated, "items": len(flagged), "ngram_n": n}
    if pur is not None:
        pur.commit()
        out["purify"] = {"path": str(opts.purify), "margin_chars": opts.margin, "min_chars": opts.min_chars,
                         "max_pieces": opts.max_pieces, "items": len(flagged), "ngram_n": n, **stats}
    return out


def _annotation(hits: dict[int, list[list[int]]], flagged: Sequence[_Flagged],
                near: dict[Key, dict[str, Any]]) -> list[dict[str, Any]]:
    """A document's ``matches``: one entry per flagged item (field) it holds, in report order."""
    by_item: dict[Key, dict[str, Any]] = {}
    for k, spans in hits.items():
        f = flagged[k]
        by_item[(f.bench, f.item, f.field)] = {"methods": ["ngram"], "spans": spans}
    for key, ev in near.items():
        entry = by_item.setdefault(key, {"methods": [], "spans": []})
        if "jaccard" in ev:
            entry["methods"].append("minhash")
            entry["jaccard"] = ev["jaccard"]
        if "cosine" in ev:
            entry["methods"].append("embed")
            entry["cosine"] = ev["cosine"]
    order = {(f.bench, f.item, f.field): k for k, f in enumerate(flagged)}
    return [{"benchmark": b, "item": i, **({"field": fld} if fld is not None else {}), **e}
            for (b, i, fld), e in sorted(by_item.items(), key=lambda kv: order[kv[0]])]


def _json_line(r: Record, field: str, text: str | None, extra: dict[str, Any]) -> bytes:
    """The record as one JSON line: its data (or ``{field: text}``), ``field`` replaced by ``text``
    when given, ``extra`` added."""
    data = dict(r.data) if isinstance(r.data, dict) else {field: r.text}
    if text is not None:
        data[field] = text
    data.update(extra)
    return (json.dumps(data, ensure_ascii=False, default=str) + "\n").encode("utf-8", "surrogatepass")
