"""Near-duplicate clustering: MinHash signatures -> LSH candidates -> verification
-> union-find clusters, and reference-set matching (decontamination).

Everything after the signatures runs in C++ (band keys, bucket grouping by sort,
candidate pairs, signature similarity, union-find); this module only routes arrays.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from .. import _core
from . import ooc
from .minhash import MinHashSpec, jaccard_exact_pairs, minhash, shingle_hashes
from .._progress import ProgressBar
from .._validate import check_choice, check_int
from .lsh import LSH, MAX_NUM_PERM, check_signatures, check_threshold

#: near_duplicates' default banding weights (false positive, false negative): recall first,
#: since every candidate is verified afterwards.
RECALL_WEIGHTS: tuple[float, float] = (0.2, 0.8)

VERIFY_MODES = ("signature", "exact", "none")
DEFAULT_NUM_PERM = 128
#: Buckets with more members than this are not expanded into all their pairs
#: (see ``near_duplicates``).
DEFAULT_MAX_BUCKET = 100
_SIG_BATCH = 8192


@dataclass(frozen=True)
class Duplicates:
    """Near-duplicate clusters of a corpus.

    Attributes:
        labels: int64 per document, the index of the first (smallest-index)
            document of its cluster; a document without duplicates is its own label.
        keep: bool per document, True for the first document of each cluster
            (what a dedup keeps).
        pairs: (m, 2) int64, i < j, sorted: the verified pairs that link the clusters.
        similarity: float64 per pair: estimated Jaccard (verify="signature"/"none")
            or exact Jaccard of the shingle sets (verify="exact").
        threshold, bands, rows, verify: the settings that produced this result.
    """

    labels: npt.NDArray[np.int64]
    keep: npt.NDArray[np.bool_]
    pairs: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    threshold: float
    bands: int
    rows: int
    verify: str

    @property
    def n_docs(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_kept(self) -> int:
        """Documents kept: one per cluster (= number of distinct labels)."""
        return int(np.count_nonzero(self.keep))

    @property
    def n_removed(self) -> int:
        return self.n_docs - self.n_kept

    @property
    def n_clusters(self) -> int:
        """Clusters with at least two documents (duplicate groups)."""
        return int(np.count_nonzero(self.cluster_sizes() >= 2))

    def cluster_sizes(self) -> npt.NDArray[np.int64]:
        """Size of each cluster, indexed by label (0 where i is not a label)."""
        return np.bincount(self.labels, minlength=self.n_docs).astype(np.int64)

    def clusters(self, min_size: int = 2) -> list[npt.NDArray[np.int64]]:
        """Members of every cluster with >= ``min_size`` documents, ordered by label."""
        order = np.argsort(self.labels, kind="stable")
        labels = self.labels[order]
        starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
        groups = np.split(order, starts[1:])
        return [g for g in groups if g.size >= min_size]


@dataclass(frozen=True)
class ReferenceMatches:
    """Which documents near-duplicate something in a reference set.

    Attributes:
        matched: bool per document: at least one verified reference match.
        best: int64 per document: index of the most similar verified reference
            document (smallest index on ties), -1 when unmatched.
        best_similarity: float64 per document: its similarity, 0.0 when unmatched.
        pairs: (m, 2) int64 of verified (document, reference) matches, sorted.
        similarity: float64 per pair (estimated or exact Jaccard, as for ``Duplicates``).
    """

    matched: npt.NDArray[np.bool_]
    best: npt.NDArray[np.int64]
    best_similarity: npt.NDArray[np.float64]
    pairs: npt.NDArray[np.int64]
    similarity: npt.NDArray[np.float64]
    threshold: float
    bands: int
    rows: int
    verify: str

    @property
    def n_docs(self) -> int:
        return int(self.matched.shape[0])

    @property
    def n_matched(self) -> int:
        return int(np.count_nonzero(self.matched))

    @property
    def contaminated(self) -> npt.NDArray[np.bool_]:
        """Alias of ``matched`` (decontamination wording)."""
        return self.matched


# ------------------------------------------------------------------ inputs


def _is_signatures(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.ndim == 2 and x.dtype.kind in "ui"


def _is_ragged(docs: Any) -> bool:
    """A ``(values, offsets)`` pair of token ids, not a tuple of two documents."""
    return isinstance(docs, tuple) and len(docs) == 2 and not any(isinstance(x, (str, bytes)) for x in docs)


def _num_docs(docs: Any) -> int:
    if _is_ragged(docs):
        return int(np.asarray(docs[1]).shape[0]) - 1
    return len(docs)


def _take(docs: Any, idx: np.ndarray) -> Any:
    """The documents at ``idx`` from a list of str, a pyarrow array or ragged token ids."""
    if _is_ragged(docs):
        values, offsets = np.asarray(docs[0]), np.asarray(docs[1], dtype=np.int64)
        starts, ends = offsets[idx], offsets[idx + 1]
        lens = ends - starts
        new_off = np.zeros(idx.size + 1, dtype=np.int64)
        np.cumsum(lens, out=new_off[1:])
        gather = np.repeat(starts - new_off[:-1], lens) + np.arange(new_off[-1])
        return values[gather], new_off
    if type(docs).__module__.startswith("pyarrow"):
        return docs.take(idx)
    return [docs[int(i)] for i in idx]


def _signatures(docs: Any, name: str, kw: dict[str, Any], progress: bool, num_perm: int | None) -> np.ndarray:
    if _is_signatures(docs):
        return check_signatures(docs, name, num_perm)
    if isinstance(docs, np.ndarray):
        raise TypeError(f"{name} must be documents (a sequence of str, a pyarrow string array or (values, offsets) "
                        f"token ids) or a 2-D uint32/uint64 signature matrix, got an array of shape {docs.shape} and dtype {docs.dtype}")
    kw = dict(kw, num_perm=num_perm or DEFAULT_NUM_PERM)
    n = _num_docs(docs)
    if not progress or n <= _SIG_BATCH:
        return minhash(docs, **kw)
    parts = []
    with ProgressBar(True, "signatures", total=n) as bar:
        for lo in range(0, n, _SIG_BATCH):
            idx = np.arange(lo, min(n, lo + _SIG_BATCH))
            parts.append(minhash(_take(docs, idx), **kw))
            bar.advance(idx.size)
    return np.concatenate(parts)


# ------------------------------------------------------------------ verification

Verifier = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def make_verifier(verify: str, threshold: float, sig_a: np.ndarray, sig_b: np.ndarray,
                   docs_a: Any, docs_b: Any, shingle_kw: dict[str, Any]) -> Verifier:
    """A function pairs -> (keep mask, similarity) for pairs (row of a, row of b)."""

    def by_signature(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sim = _core.signature_pair_similarity(sig_a, sig_b, pairs)
        return (sim >= threshold) if verify == "signature" else np.ones(sim.shape, bool), sim

    if verify != "exact":
        return by_signature

    def exact(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if pairs.shape[0] == 0:
            return np.zeros(0, bool), np.zeros(0, np.float64)
        ua, ia = np.unique(pairs[:, 0], return_inverse=True)
        if docs_b is docs_a:
            u = np.unique(pairs)
            values, offsets = shingle_hashes(_take(docs_a, u), **shingle_kw)
            local = np.searchsorted(u, pairs)
        else:
            ub, ib = np.unique(pairs[:, 1], return_inverse=True)
            va, oa = shingle_hashes(_take(docs_a, ua), **shingle_kw)
            vb, ob = shingle_hashes(_take(docs_b, ub), **shingle_kw)
            values = np.concatenate([va, vb])
            offsets = np.concatenate([oa, ob[1:] + oa[-1]])
            local = np.column_stack([ia, ib + ua.size])
        sim = np.asarray(jaccard_exact_pairs(values, offsets, np.ascontiguousarray(local, dtype=np.int64)), dtype=np.float64)
        return sim >= threshold, sim

    return exact


def unique_pairs(pairs: np.ndarray, sim: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    if pairs.shape[0] == 0:
        return pairs.reshape(0, 2).astype(np.int64), sim.astype(np.float64)
    packed = pairs[:, 0] * np.int64(n) + pairs[:, 1]
    _, first = np.unique(packed, return_index=True)
    return np.ascontiguousarray(pairs[first]), sim[first]


def _select_groups(values: np.ndarray, offsets: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sizes = np.diff(offsets)
    member_mask = np.repeat(mask, sizes)
    new_off = np.zeros(int(mask.sum()) + 1, dtype=np.int64)
    np.cumsum(sizes[mask], out=new_off[1:])
    return np.ascontiguousarray(values[member_mask]), new_off


def bucket_edges(values: np.ndarray, offsets: np.ndarray, n: int, verifier: Verifier,
                  max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
    """Verified edges from buckets: all pairs of small buckets; center rounds in big ones."""
    edges, sims = [], []
    while offsets.size > 1:
        sizes = np.diff(offsets)
        small = sizes <= max_bucket
        if small.any():
            v, o = _select_groups(values, offsets, small)
            cand = _core.lsh_group_pairs(v, o)
            ok, sim = verifier(cand)
            edges.append(cand[ok])
            sims.append(sim[ok])
        if small.all():
            break
        values, offsets = _select_groups(values, offsets, ~small)
        sizes = np.diff(offsets)
        group = np.repeat(np.arange(sizes.size), sizes)
        is_center = np.zeros(values.size, bool)
        is_center[offsets[:-1]] = True
        centers = values[offsets[:-1]]
        others = ~is_center
        star = np.column_stack([centers[group[others]], values[others]]).astype(np.int64)
        star_u, inverse = np.unique(star[:, 0] * np.int64(n) + star[:, 1], return_index=False, return_inverse=True)
        uniq = np.column_stack([star_u // n, star_u % n]).astype(np.int64)
        ok_u, sim_u = verifier(np.ascontiguousarray(uniq))
        edges.append(uniq[ok_u])
        sims.append(sim_u[ok_u])
        # Members that failed against their center form the next, smaller bucket.
        still = np.zeros(values.size, bool)
        still[others] = ~ok_u[inverse.ravel()]
        counts = np.bincount(group[still], minlength=sizes.size)
        values = values[still]
        offsets = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        keep_groups = counts >= 2
        values, offsets = _select_groups(values, offsets, keep_groups)
    if not edges:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float64)
    return unique_pairs(np.concatenate(edges), np.concatenate(sims), n)


# ------------------------------------------------------------------ public API


def near_duplicates(
    docs_or_signatures: Any,
    *,
    threshold: float = 0.8,
    num_perm: int | None = None,
    ngram: int = 5,
    unit: str = "word",
    seed: int = 1,
    scheme: str = "fast",
    lowercase: bool = True,
    errors: str = "strict",
    verify: str = "signature",
    reference: Any = None,
    weights: Sequence[float] = RECALL_WEIGHTS,
    params: tuple[int, int] | None = None,
    max_bucket: int = DEFAULT_MAX_BUCKET,
    progress: bool = False,
    max_memory: int | str | None = None,
    work_dir: str | os.PathLike[str] | None = None,
) -> Duplicates | ReferenceMatches:
    """Cluster near-duplicate documents (MinHash + LSH + union-find).

    ``docs_or_signatures`` is a sequence of str, a pyarrow string array, ragged
    token ids ``(values, offsets)`` with ``unit="token"``, or a precomputed
    ``(n_docs, num_perm)`` uint32/uint64 signature matrix from :func:`seenit.minhash`
    (then ``num_perm`` defaults to its width and the MinHash options are unused).

    Candidates are pairs that share an LSH bucket (``bands``/``rows`` chosen for
    ``threshold`` by datasketch's weighted false-positive/false-negative search, or
    ``params``). The default ``weights=(0.2, 0.8)`` leans towards recall (12 bands x
    10 rows at 0.8: a pair with Jaccard 0.9 is a candidate with probability 0.994,
    against 0.929 for datasketch's equal weights, 9 x 13), because verification
    removes the extra false positives; pass ``weights=(0.5, 0.5)`` for datasketch's
    banding. ``verify`` decides which
    candidates become edges: ``"signature"`` keeps those with estimated Jaccard
    >= threshold, ``"exact"`` those whose real shingle sets have Jaccard >=
    threshold (needs documents), ``"none"`` keeps every candidate. ``errors="replace"``
    accepts bytes documents that are not UTF-8 (as :func:`seenit.minhash`). Clusters are
    the connected components of the edges; each is labelled by its smallest
    document index and that document is the one kept. Empty documents never join
    a cluster.

    Buckets of at most ``max_bucket`` documents are expanded into all their
    pairs. A larger bucket (e.g. thousands of copies of a boilerplate page) is
    verified by rounds instead: its first member is a center, every other member
    is checked against it, and the members that fail form the next round's
    bucket. This costs O(size) per round instead of O(size^2); a member that only
    matches a non-center member of a big bucket can then be missed in that band
    (with ``verify="none"`` the components are exactly those of all pairs).

    With ``reference=`` (documents or signatures made with the same settings),
    returns :class:`ReferenceMatches` instead: which documents near-duplicate
    something in ``reference`` (e.g. benchmark items leaked into a corpus).

    ``max_memory`` (bytes, or a size such as ``"256M"``) bounds what the clustering holds
    after the signatures: when the in-memory mode would need more, the out-of-core mode runs
    instead (band runs, edges and components on disk in ``work_dir``, a temporary directory
    by default; see :mod:`seenit.sketch.ooc`). Its result is identical: same labels, kept
    documents, pairs and similarities. It does not combine with ``reference`` or
    ``verify="exact"``.
    """
    t = check_threshold(threshold)
    verify = check_choice(verify, "verify", VERIFY_MODES)
    if num_perm is not None:
        check_int(num_perm, "num_perm", 1, MAX_NUM_PERM)
    check_int(max_bucket, "max_bucket", 2)
    given_sigs = _is_signatures(docs_or_signatures)
    budget = None
    if max_memory is not None:
        budget = ooc.parse_size(max_memory)
        if reference is not None or verify == "exact":
            raise ValueError('max_memory does not combine with reference= or verify="exact" (both need every '
                             'document in memory)')
    elif work_dir is not None:
        raise ValueError("work_dir is only used with max_memory")
    if verify == "exact" and (given_sigs or (reference is not None and _is_signatures(reference))):
        raise ValueError('verify="exact" needs the documents (to compare shingle sets), not signatures; '
                         'use verify="signature" or pass the texts')
    spec = MinHashSpec(num_perm=num_perm or DEFAULT_NUM_PERM, ngram=ngram, unit=unit, seed=seed, scheme=scheme,
                       lowercase=lowercase)
    mh_kw = dict(spec.kwargs(), errors=errors)
    shingle_kw = dict(spec.shingle_kwargs(), errors=errors)
    sig = _signatures(docs_or_signatures, "docs_or_signatures", mh_kw, progress, num_perm)
    k = sig.shape[1]
    lsh = LSH(threshold=t, num_perm=k, weights=weights, params=params)

    if reference is not None:
        ref_sig = _signatures(reference, "reference", mh_kw, progress, None if _is_signatures(reference) else k)
        if ref_sig.shape[1] != k:
            raise ValueError(f"signature width mismatch: docs have {k} slots, reference has {ref_sig.shape[1]}")
        if ref_sig.dtype != sig.dtype:
            raise TypeError(f"signature dtype mismatch: docs are {sig.dtype}, reference is {ref_sig.dtype} (use the same scheme)")
        return _match_reference(sig, ref_sig, lsh, t, verify, docs_or_signatures, reference, shingle_kw)

    n = sig.shape[0]
    if budget is not None and ooc.in_memory_bytes(n, k, lsh.bands, sig.dtype.itemsize) > budget:
        return _near_duplicates_ooc(sig, lsh.bands, lsh.rows, t, verify, max_bucket, budget, work_dir)
    lsh.insert(sig)
    values, offsets = lsh.buckets(2)
    verifier = make_verifier(verify, t, sig, sig, docs_or_signatures, docs_or_signatures, shingle_kw)
    pairs, sim = bucket_edges(values, offsets, n, verifier, max_bucket)
    labels = _core.union_find_labels(n, pairs)
    keep = labels == np.arange(n, dtype=np.int64)
    return Duplicates(labels=labels, keep=keep, pairs=pairs, similarity=sim, threshold=t,
                      bands=lsh.bands, rows=lsh.rows, verify=verify)


def _near_duplicates_ooc(sig: np.ndarray, bands: int, rows: int, t: float, verify: str, max_bucket: int,
                         budget: int, work_dir: str | os.PathLike[str] | None) -> Duplicates:
    """The out-of-core stages over signatures in memory (see :mod:`seenit.sketch.ooc`)."""
    n, k = sig.shape
    plan = ooc.plan_memory(budget, k, bands, sig.dtype.itemsize)
    identity = {"signatures": ooc.digest_array(sig), "bands": bands, "rows": rows, "threshold": t, "verify": verify,
                "max_bucket": max_bucket}
    tmp = None if work_dir is not None else tempfile.mkdtemp(prefix="seenit-dedup-")
    try:
        work = ooc.WorkDir(work_dir if work_dir is not None else str(tmp), identity)
        if work.finished("signatures") is None:
            sink = ooc.SignatureSink(work, plan, bands, rows, k, sig.dtype)
            try:
                for lo in range(0, n, plan.block_docs):
                    sink.add(sig[lo:lo + plan.block_docs])
            except BaseException:
                sink.abort()
                raise
            sink.close()
        ooc.edges_stage(work, plan, threshold=t, verify=verify, max_bucket=max_bucket)
        comp, _, _ = ooc.components_stage(work, plan, 0.0)
        labels = np.arange(n, dtype=np.int64)
        for ids, clusters, _ in ooc.iter_cluster_records(comp):
            labels[ids] = clusters
        pairs, sim = ooc.read_edges(work.file("edges.bin"))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    keep = labels == np.arange(n, dtype=np.int64)
    return Duplicates(labels=labels, keep=keep, pairs=pairs, similarity=sim, threshold=t, bands=bands, rows=rows,
                      verify=verify)


def _match_reference(sig: np.ndarray, ref_sig: np.ndarray, lsh: LSH, t: float, verify: str,
                     docs: Any, reference: Any, shingle_kw: dict[str, Any]) -> ReferenceMatches:
    n = sig.shape[0]
    lsh.insert(ref_sig)
    cands = lsh.query(sig)
    doc_idx = np.repeat(np.arange(n, dtype=np.int64), cands.counts())
    pairs = np.ascontiguousarray(np.column_stack([doc_idx, cands.values]).astype(np.int64))
    verifier = make_verifier(verify, t, sig, ref_sig, docs, reference, shingle_kw)
    ok, sim = verifier(pairs)
    pairs, sim = pairs[ok], sim[ok]
    matched = np.zeros(n, bool)
    best = np.full(n, -1, dtype=np.int64)
    best_sim = np.zeros(n, dtype=np.float64)
    if pairs.shape[0]:
        order = np.lexsort((pairs[:, 1], -sim, pairs[:, 0]))
        d = pairs[order, 0]
        first = order[np.r_[True, d[1:] != d[:-1]]]
        matched[pairs[first, 0]] = True
        best[pairs[first, 0]] = pairs[first, 1]
        best_sim[pairs[first, 0]] = sim[first]
    return ReferenceMatches(matched=matched, best=best, best_similarity=best_sim, pairs=np.ascontiguousarray(pairs),
                            similarity=sim, threshold=t, bands=lsh.bands, rows=lsh.rows, verify=verify)
