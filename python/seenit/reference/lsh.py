"""Plain-Python specification of LSH banding, bucket grouping, candidate pairs,
signature similarity and union-find labelling (slow, obviously correct).

Buckets are formed from the band *values* themselves (tuples), not from hashes,
so the native kernels' 64-bit band keys are checked against the definition.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def is_empty(row: np.ndarray) -> bool:
    """The empty signature: every slot at the dtype maximum."""
    return bool(row.size) and bool((row == np.iinfo(row.dtype).max).all())


def band_buckets(signatures: np.ndarray, bands: int, rows: int) -> list[set[frozenset[int]]]:
    """Per band, the set of buckets (as frozensets of row ids) with >= 2 members."""
    out = []
    for b in range(bands):
        groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for i, row in enumerate(signatures):
            if is_empty(row):
                continue
            groups[tuple(int(v) for v in row[b * rows : (b + 1) * rows])].append(i)
        out.append({frozenset(g) for g in groups.values() if len(g) >= 2})
    return out


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> list[tuple[int, int]]:
    """Sorted (i, j), i < j, for every two rows that agree on all slots of some band."""
    pairs = set()
    n = len(signatures)
    for i in range(n):
        for j in range(i + 1, n):
            if is_empty(signatures[i]) or is_empty(signatures[j]):
                continue
            for b in range(bands):
                sl = slice(b * rows, (b + 1) * rows)
                if np.array_equal(signatures[i, sl], signatures[j, sl]):
                    pairs.add((i, j))
                    break
    return sorted(pairs)


def query(index: np.ndarray, queries: np.ndarray, bands: int, rows: int) -> list[list[int]]:
    """For each query row, the sorted ids of index rows sharing a band with it."""
    out = []
    for q in queries:
        hits = set()
        if not is_empty(q):
            for i, row in enumerate(index):
                if is_empty(row):
                    continue
                if any(np.array_equal(q[b * rows : (b + 1) * rows], row[b * rows : (b + 1) * rows]) for b in range(bands)):
                    hits.add(i)
        out.append(sorted(hits))
    return out


def signature_similarity(a: np.ndarray, b: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Fraction of equal slots between a[i] and b[j] for each (i, j) in pairs."""
    return np.array([float(np.mean(a[i] == b[j])) for i, j in pairs], dtype=np.float64)


def connected_labels(n: int, pairs) -> np.ndarray:
    """Per node, the smallest node of its connected component (graph search)."""
    adj: dict[int, list[int]] = defaultdict(list)
    for i, j in pairs:
        adj[int(i)].append(int(j))
        adj[int(j)].append(int(i))
    labels = np.full(n, -1, dtype=np.int64)
    for start in range(n):
        if labels[start] >= 0:
            continue
        stack, comp = [start], []
        labels[start] = start
        while stack:
            u = stack.pop()
            comp.append(u)
            for v in adj[u]:
                if labels[v] < 0:
                    labels[v] = start
                    stack.append(v)
    return labels


def near_duplicate_labels(signatures: np.ndarray, bands: int, rows: int, threshold: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Cluster labels from LSH candidates whose estimated Jaccard >= threshold."""
    cands = candidate_pairs(signatures, bands, rows)
    kept = [(i, j) for i, j in cands if float(np.mean(signatures[i] == signatures[j])) >= threshold]
    return connected_labels(len(signatures), kept), kept
