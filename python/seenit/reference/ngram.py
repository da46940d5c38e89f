"""Plain-Python specification of the ngram area (suffix and LCP arrays, n-gram index queries):
slow, obviously correct, the definition the native kernels are tested against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


# ============================================================================
# Suffix array and LCP array
#
# Naive suffix array and LCP array: the specification the SA-IS and Phi kernels
# are tested against. Quadratic-ish; for short inputs only.
# ============================================================================

def suffix_array(a: np.ndarray) -> np.ndarray:
    """Sort all suffixes of ``a`` as tuples of unsigned symbols (a proper prefix sorts first)."""
    seq = [int(x) for x in a]
    order = sorted(range(len(seq)), key=lambda i: seq[i:])
    return np.asarray(order, dtype=np.int32 if len(seq) < 2**31 else np.int64)


def lcp_array(a: np.ndarray, sa: np.ndarray) -> np.ndarray:
    """lcp[i] = common prefix length of suffixes sa[i-1] and sa[i]; lcp[0] = 0."""
    seq = [int(x) for x in a]
    out = np.zeros(len(sa), dtype=sa.dtype)
    for i in range(1, len(sa)):
        p, q = int(sa[i - 1]), int(sa[i])
        h = 0
        while p + h < len(seq) and q + h < len(seq) and seq[p + h] == seq[q + h]:
            h += 1
        out[i] = h
    return out


# ============================================================================
# N-gram index queries
#
# Plain-Python specification of the n-gram index kernels (slow, obviously correct).
#
# The corpus is a 1-D token array in which a separator token stands between
# documents; queries are token arrays. These functions scan the corpus directly
# (``bytes.count``-style), with no suffix array, so they check the suffix-array
# kernels independently.
# ============================================================================

def _occurrences(tokens: np.ndarray, query: np.ndarray, separator: int) -> list[int]:
    t = [int(x) for x in tokens]
    q = [int(x) for x in query]
    if not q or separator in q or len(q) > len(t):
        return []
    return [i for i in range(len(t) - len(q) + 1) if t[i : i + len(q)] == q]


def count(tokens: np.ndarray, query: np.ndarray, separator: int) -> int:
    """Occurrences of ``query`` in ``tokens``; 0 for an empty query, one longer than
    the corpus, or one containing the separator."""
    return len(_occurrences(tokens, query, separator))


def locate(tokens: np.ndarray, query: np.ndarray, separator: int) -> list[int]:
    """Sorted start positions of every occurrence of ``query`` (same conventions as count)."""
    return _occurrences(tokens, query, separator)


def matching_statistics(tokens: np.ndarray, query: np.ndarray, separator: int) -> np.ndarray:
    """ms[i] = length of the longest prefix of query[i:] that occurs in ``tokens``
    without containing the separator."""
    q = [int(x) for x in query]
    t = [int(x) for x in tokens]
    out = np.zeros(len(q), dtype=np.int64)
    for i in range(len(q)):
        best = 0
        for L in range(1, len(q) - i + 1):
            if q[i + L - 1] == separator:
                break
            sub = q[i : i + L]
            if any(t[j : j + L] == sub for j in range(len(t) - L + 1)):
                best = L
            else:
                break
        out[i] = best
    return out


def exact_duplicate_spans(tokens: np.ndarray, separator: int, min_length: int) -> list[tuple[int, int]]:
    """Maximal global spans [s, e) covered by separator-free windows of ``min_length``
    tokens that occur at least twice in ``tokens`` (overlapping or touching windows merge)."""
    t = [int(x) for x in tokens]
    k = min_length
    seen: dict[tuple[int, ...], int] = {}
    for p in range(len(t) - k + 1):
        w = tuple(t[p : p + k])
        if separator not in w:
            seen[w] = seen.get(w, 0) + 1
    starts = {p for p in range(len(t) - k + 1) if seen.get(tuple(t[p : p + k]), 0) >= 2}
    spans: list[tuple[int, int]] = []
    for p in sorted(starts):
        if spans and spans[-1][1] >= p:
            spans[-1] = (spans[-1][0], max(spans[-1][1], p + k))
        else:
            spans.append((p, p + k))
    return spans


def overlap(lengths: Sequence[int], unit_starts: Sequence[int], unit_ends: Sequence[int], n: int) -> tuple[float, np.ndarray]:
    """From the match lengths at each unit start (``lengths[j]`` = longest prefix of
    the item from unit j's first token found in the corpus) and the unit spans
    (tokens or words), the fraction of the item's unit n-grams present and the
    per-unit coverage mask.

    An item with fewer than n units (but at least one) is one n-gram: the whole item.
    """
    m = len(unit_starts)
    mask = np.zeros(m, dtype=bool)
    if m == 0:
        return 0.0, mask
    g = min(n, m)
    present = 0
    for j in range(m - g + 1):
        s, e = unit_starts[j], unit_ends[j + g - 1]
        if lengths[j] >= e - s:
            present += 1
            mask[j : j + g] = True
    return present / (m - g + 1), mask


def item_key_matches(items: Sequence[bytes], docs: Sequence[bytes], keys: Sequence[tuple[int, int]],
                     max_docs: int) -> list[tuple[int, int, int, list[int]]]:
    """Per key ``(item index, position in the item)``: ``(best_len, first_doc, first_off,
    docs)`` where best_len is the longest prefix of ``item[pos:]`` found in any document,
    (first_doc, first_off) the smallest place it occurs and docs the ``max_docs`` smallest
    documents holding it ((0, -1, -1, []) when not even one byte matches). The plain form of
    ``_core.ItemMatcher``, which reports best_len only when it reaches the key's window."""
    out = []
    for it, pos in keys:
        s = items[it][pos:]
        best, where = 0, []
        for d, doc in enumerate(docs):
            for p in range(len(doc)):
                m = 0
                while m < len(s) and p + m < len(doc) and s[m] == doc[p + m]:
                    m += 1
                if m > best:
                    best, where = m, [(d, p)]
                elif m == best and m > 0:
                    where.append((d, p))
        if best == 0:
            out.append((0, -1, -1, []))
            continue
        where.sort()
        out.append((best, where[0][0], where[0][1], sorted({d for d, _ in where})[:max_docs]))
    return out
