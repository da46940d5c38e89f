"""Shared checks for the search tests: compare top-k results modulo float rounding."""

from __future__ import annotations

import numpy as np

from seenit.reference import search as ref


def tolerance(queries: np.ndarray, database: np.ndarray, metric: str) -> np.ndarray:
    """Per-query absolute tolerance for float32 scores: a few ulp of |q| |x|max times d."""
    q = ref._f64(queries)
    x = ref._f64(database)
    d = q.shape[1]
    if metric == "cosine":
        scale = np.ones(q.shape[0])
    else:
        qn = np.sqrt((q * q).sum(1))
        xn = np.sqrt((x * x).sum(1)).max()
        scale = qn * xn if metric == "ip" else (qn + xn) ** 2
    return (4 * d + 16) * 2.0**-24 * scale + 1e-30


def assert_topk_matches(scores, ids, queries, database, k, metric):
    """scores/ids equal the exact answer up to float32 rounding: the returned ids carry
    the returned scores, ranks agree with the reference ranks, and ids differ from the
    reference only where the reference scores are within the tolerance."""
    full = ref.scores(queries, database, metric)
    want_s, want_i = ref.topk(queries, database, k, metric=metric)
    n = full.shape[1]
    assert scores.shape == ids.shape == (full.shape[0], min(k, n))
    assert scores.dtype == np.float32 and ids.dtype == np.int64
    tol = tolerance(queries, database, metric)
    for r in range(full.shape[0]):
        assert len(set(ids[r].tolist())) == ids.shape[1], "duplicate ids"
        assert ((0 <= ids[r]) & (ids[r] < n)).all()
        np.testing.assert_allclose(scores[r], full[r, ids[r]], rtol=0, atol=tol[r])
        np.testing.assert_allclose(scores[r], want_s[r], rtol=0, atol=2 * tol[r])
        s = scores[r]
        # best first, and equal scores in increasing id order
        if metric == "l2":
            assert (np.diff(s) >= 0).all()
        else:
            assert (np.diff(s) <= 0).all()
        eq = np.diff(s) == 0
        assert (np.diff(ids[r])[eq] > 0).all()
        # anything missing from ours must be within tolerance of our worst kept score
        missing = np.setdiff1d(want_i[r], ids[r])
        if missing.size:
            worst = s[-1]
            gap = full[r, missing] - worst
            if metric == "l2":
                gap = -gap
            assert (gap <= 2 * tol[r]).all(), (r, missing, gap, tol[r])
