"""The scan's last corpus pass: the corpus documents its evidence cites, for report.json.

Each cited document is kept with its file and line; an n-gram match's offsets, found in the
index's normalised bytes, are mapped back to characters of the original text here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..io import iter_records
from ..tokenize import Normalisation
from .methods import offset_map, to_chars
from .._progress import ProgressBar

#: Documents longer than this are stored in report.json as an excerpt around their matches.
EXCERPT_OVER = 20_000
EXCERPT_CONTEXT = 2_000
#: Documents cited only by clean evidence keep this many leading characters.
BRIEF_CHARS = 500


def collect_documents(files: list[Path], field: str, skip_bad_lines: bool, cited: dict[int, bool],
                      spans: dict[int, list[tuple[int, int]]], norm: Normalisation, progress: bool,
                      total: int | None) -> dict[str, Any]:
    """Stream the corpus once: the cited documents (text or excerpt, file, line), the
    document count, UTF-8 byte count and skipped lines, and each n-gram match's
    document offsets in original characters (``matches``: doc id -> {norm span -> char span}).

    ``cited`` maps doc id -> whether some non-clean evidence cites it: those documents are
    kept whole up to EXCERPT_OVER characters (else an excerpt around their matches); a
    document cited only by clean evidence (e.g. an unremarkable nearest neighbour) keeps
    its first BRIEF_CHARS characters, so report.json stays small for big benchmarks."""
    want = cited
    docs: dict[str, Any] = {}
    matches: dict[str, dict[str, list[int]]] = {}
    skipped: list[str] = []
    n_docs = n_bytes = 0
    with ProgressBar(progress, "collecting evidence", total) as bar:
        for r in iter_records(files, field=field, skip_bad_lines=skip_bad_lines, skipped=skipped):
            nb = len(r.text.encode("utf-8", "surrogatepass"))
            n_bytes += nb
            if n_docs in want:
                text = r.text
                entry: dict[str, Any] = {"source": r.path, "line": r.line, "n_chars": len(text)}
                sp = spans.get(n_docs)
                char_spans = []
                if sp:
                    starts, src = offset_map(text, norm)
                    m = matches.setdefault(str(n_docs), {})
                    for a, b in sp:
                        c0, c1 = to_chars(starts, src, a, b)
                        m[f"{a}:{b}"] = [c0, c1]
                        char_spans.append((c0, c1))
                if not want[n_docs] and len(text) > BRIEF_CHARS:
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
                docs[str(n_docs)] = entry
            n_docs += 1
            bar.advance(1, nb)
    return {"documents": docs, "matches": matches,
            "corpus": {"n_documents": n_docs, "n_bytes": n_bytes, "skipped_lines": len(skipped),
                       "skipped": skipped[:100]}}
