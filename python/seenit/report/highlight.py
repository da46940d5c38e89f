"""Marking matched character spans in text, escaped for HTML.

Spans are half-open ``[start, end)`` Python ``str`` offsets, as in report.json. Several layers of
spans can mark one text (e.g. the n-gram coverage of an item and, on top, its longest match);
each output ``<mark>`` carries the classes of every layer covering it and ``data-o``, the offset
of its first character in the whole text (the document, not the excerpt shown).
"""

from __future__ import annotations

import re
from itertools import accumulate
from collections.abc import Iterable, Sequence

from .escape import esc

Span = tuple[int, int]
ELLIPSIS = '<span class="cut">…</span>'
_SPLIT = re.compile(r"(\w+)")


def merge_spans(spans: Iterable[Sequence[int]]) -> list[Span]:
    """Sorted, non-overlapping union of ``spans``; empty spans are dropped, touching ones merged."""
    out: list[Span] = []
    for s, e in sorted((int(a), int(b)) for a, b in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def window(length: int, focus: Span | None, context: int) -> Span:
    """The part of a text of ``length`` characters to show: ``focus`` with ``context`` characters
    either side (the start when there is no focus), at most ``length``."""
    if focus is None:
        return 0, min(length, 2 * context)
    s, e = max(0, focus[0]), min(length, focus[1])
    return max(0, s - context), min(length, max(e, s) + context)


def mark(text: str, layers: Sequence[tuple[Iterable[Sequence[int]], str]], *, shown: Span | None = None, offset: int = 0) -> str:
    """``text[shown]`` escaped, with each layer's spans wrapped in ``<mark class="...">``.

    ``layers`` is ``[(spans, css_class), ...]``; spans are offsets into the whole text plus
    ``offset`` (so document offsets can be used on an excerpt that starts at ``offset``). Spans
    are clipped to the part shown; an ellipsis marks text cut at either end.
    """
    lo, hi = shown if shown is not None else (0, len(text))
    lo = min(max(0, lo), len(text))
    hi = max(lo, min(len(text), hi))
    merged = [(merge_spans((s - offset, e - offset) for s, e in spans), cls) for spans, cls in layers]
    cuts = {lo, hi}
    for spans, _ in merged:
        for s, e in spans:
            cuts.update(x for x in (s, e) if lo < x < hi)
    points = sorted(cuts)
    pieces: list[tuple[int, int, tuple[str, ...]]] = []
    for a, b in zip(points, points[1:]):
        classes = tuple(cls for spans, cls in merged if any(s <= a and b <= e for s, e in spans))
        if pieces and pieces[-1][2] == classes:  # a cut that only another layer needed
            pieces[-1] = (pieces[-1][0], b, classes)
        else:
            pieces.append((a, b, classes))
    out = [ELLIPSIS] if lo > 0 else []
    for a, b, classes in pieces:
        if classes:
            out.append(f'<mark class="{" ".join(classes)}" data-o="{a + offset}">{esc(text[a:b])}</mark>')
        else:
            out.append(esc(text[a:b]))
    if hi < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def shared_shingle_spans(a: str, b: str, k: int = 5) -> tuple[list[Span], list[Span]]:
    """Character spans of the word ``k``-grams (lowercased ``\\w+`` words) that ``a`` and ``b``
    share, in ``a`` and in ``b``: the overlap a MinHash match rests on, recomputed for display.
    A text of fewer than ``k`` words is compared as one shingle of all its words."""
    la, ea = _words(a)
    lb, eb = _words(b)
    k = min(k, len(la), len(lb))
    if k < 1:
        return [], []
    in_a = {tuple(la[i : i + k]) for i in range(len(la) - k + 1)}
    hits_b = [i for i in range(len(lb) - k + 1) if tuple(lb[i : i + k]) in in_a]
    common = {tuple(lb[i : i + k]) for i in hits_b}
    hits_a = [i for i in range(len(la) - k + 1) if tuple(la[i : i + k]) in common]
    # word n spans [ends[2n], ends[2n + 1]) in the split parts' cumulative lengths
    return (merge_spans((ea[2 * i], ea[2 * (i + k - 1) + 1]) for i in hits_a),
            merge_spans((eb[2 * i], eb[2 * (i + k - 1) + 1]) for i in hits_b))


def _words(text: str) -> tuple[list[str], list[int]]:
    """Lowercased ``\\w+`` words and the cumulative lengths of ``text`` split around them
    (separator, word, separator, ...), from which word ``n`` spans ``[ends[2n], ends[2n + 1])``."""
    parts = _SPLIT.split(text)
    return list(map(str.lower, parts[1::2])), list(accumulate(map(len, parts)))
