"""Synthetic corpora with planted near-duplicates, for ``seenit demo``, tests and benchmarks.

Documents are word sequences drawn from a Zipf distribution over a synthetic
vocabulary (pronounceable made-up words), so unrelated documents share almost no
5-grams, like real text. A fraction of documents are near-copies of an original:
the original with a few random word edits (substitute, insert or delete), which
gives word 5-gram Jaccard similarities from about 0.75 to 1.0. The generator is
deterministic for a seed and needs only NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_CONSONANTS = list("bcdfghjklmnprstvwz") + ["ch", "sh", "th", "st", "tr", "pl"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ea"]


@dataclass(frozen=True)
class SyntheticCorpus:
    """Documents and the ground truth of how they were made.

    Attributes:
        docs: the documents.
        source: int64 per document: the original it is a near-copy of, or -1 for an original.
        edits: int64 per document: word edits applied to make the copy (0 for originals).
    """

    docs: list[str]
    source: npt.NDArray[np.int64]
    edits: npt.NDArray[np.int64]

    @property
    def planted_pairs(self) -> npt.NDArray[np.int64]:
        """(copy's original, copy) for every planted near-copy, shape (m, 2)."""
        copies = np.flatnonzero(self.source >= 0)
        return np.column_stack([self.source[copies], copies]).astype(np.int64)


def vocabulary(size: int, seed: int = 0) -> list[str]:
    """``size`` distinct made-up words of one to four syllables."""
    rng = np.random.default_rng(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        n_syl = int(rng.integers(1, 5))
        w = "".join(_CONSONANTS[int(rng.integers(len(_CONSONANTS)))] + _VOWELS[int(rng.integers(len(_VOWELS)))]
                    for _ in range(n_syl))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def synthetic_corpus(
    n_docs: int = 2000,
    *,
    words_per_doc: int = 200,
    dup_fraction: float = 0.1,
    max_edits: int = 6,
    vocab_size: int = 20000,
    zipf: float = 1.1,
    seed: int = 0,
) -> SyntheticCorpus:
    """A corpus of ``n_docs`` documents of ``words_per_doc`` words on average (+-50%).

    ``dup_fraction`` of the documents are near-copies of an earlier original with
    0..``max_edits`` random word edits each (an original may have several copies).
    """
    if n_docs < 1:
        raise ValueError(f"n_docs must be >= 1, got {n_docs}")
    if not 0.0 <= dup_fraction < 1.0:
        raise ValueError(f"dup_fraction must be in [0, 1), got {dup_fraction}")
    if words_per_doc < 2:
        raise ValueError(f"words_per_doc must be >= 2, got {words_per_doc}")
    rng = np.random.default_rng(seed)
    vocab = np.array(vocabulary(vocab_size, seed))
    cdf = np.cumsum(1.0 / np.arange(1, vocab_size + 1) ** zipf)
    cdf /= cdf[-1]

    def draw(k: int) -> np.ndarray:
        return vocab[np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), vocab_size - 1)]

    n_copies = int(round(n_docs * dup_fraction))
    n_orig = n_docs - n_copies
    lengths = rng.integers(max(2, words_per_doc // 2), words_per_doc + words_per_doc // 2 + 1, size=n_orig)
    flat = draw(int(lengths.sum()))
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    originals = [flat[bounds[j] : bounds[j + 1]] for j in range(n_orig)]
    source = np.full(n_docs, -1, dtype=np.int64)
    edits = np.zeros(n_docs, dtype=np.int64)
    # place the copies at random positions after at least one original
    is_copy = np.zeros(n_docs, bool)
    if n_copies:
        is_copy[1 + rng.choice(n_docs - 1, size=n_copies, replace=False)] = True
    docs: list[str] = []
    orig_index: list[int] = []  # document index of each original emitted so far
    next_orig = 0
    for i in range(n_docs):
        if not is_copy[i]:
            words = originals[next_orig]
            next_orig += 1
            orig_index.append(i)
            docs.append(" ".join(words))
            continue
        src = orig_index[int(rng.integers(len(orig_index)))]
        words = list(docs[src].split())
        m = int(rng.integers(0, max_edits + 1))
        for _ in range(m):
            op = int(rng.integers(3))
            pos = int(rng.integers(len(words)))
            new = str(draw(1)[0])
            if op == 0:
                words[pos] = new
            elif op == 1:
                words.insert(pos, new)
            elif len(words) > 2:
                del words[pos]
        source[i], edits[i] = src, m
        docs.append(" ".join(words))
    return SyntheticCorpus(docs=docs, source=source, edits=edits)


def all_pairs_jaccard(
    docs: list[str], threshold: float, *, ngram: int = 5, unit: str = "word", lowercase: bool = True
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Ground truth: every pair (i < j) whose exact shingle-set Jaccard is >= ``threshold``.

    Exact over all pairs: a pair that shares no shingle has Jaccard 0, so only the
    pairs sharing at least one shingle (found through an inverted index) are
    measured, each exactly. Returns (pairs (m, 2) sorted, their Jaccard).
    """
    from . import _core
    from .sketch import minhash as mh

    values, offsets = mh.shingle_hashes(docs, ngram=ngram, unit=unit, lowercase=lowercase)
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), np.diff(offsets))
    order = np.argsort(values, kind="stable")
    v, d = values[order], doc_of[order]
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    sizes = np.diff(np.r_[starts, v.size])
    shared = sizes >= 2
    member = np.repeat(shared, sizes)
    grp_off = np.zeros(int(shared.sum()) + 1, dtype=np.int64)
    np.cumsum(sizes[shared], out=grp_off[1:])
    cand = _core.lsh_group_pairs(np.ascontiguousarray(d[member]), grp_off)
    sim = mh.jaccard_exact_pairs(values, offsets, cand)
    keep = sim >= threshold
    return cand[keep], sim[keep]
