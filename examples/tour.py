"""A runnable version of README's tour on small generated data (tests/test_examples.py runs it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

import seenit
from seenit.demo import synthetic_corpus


def main() -> None:
    rng = np.random.default_rng(0)
    corpus = synthetic_corpus(500, seed=1).docs
    benchmark = [corpus[3], "a question that appears nowhere in the corpus at all, not even close"]

    # MinHash + LSH near-duplicates, and reference mode (benchmark items vs corpus)
    sig = seenit.minhash(corpus, num_perm=128)
    d = seenit.near_duplicates(sig, threshold=0.8)
    print(f"near_duplicates: {d.n_docs} docs, {d.n_clusters} clusters, {d.n_removed} removed")
    m = seenit.near_duplicates(benchmark, reference=corpus, threshold=0.8)
    print("benchmark items with a near-copy in the corpus:", np.flatnonzero(m.matched).tolist())

    # n-gram index + contamination
    with tempfile.TemporaryDirectory() as tmp:
        idx = seenit.NgramIndex.build(corpus, Path(tmp) / "idx", progress=False)
        print("count('the'):", idx.count("the"))
        report = seenit.contamination(benchmark, idx, n=13)
        print("verdicts:", [it.verdict for it in report.items])

    # exact top-k over embeddings
    train = rng.standard_normal((2000, 64)).astype(np.float32)
    test = np.vstack([train[:3] + 0.01, rng.standard_normal((2, 64)).astype(np.float32)])
    scores, ids = seenit.topk(test, train, k=3, metric="cosine")
    print("nearest training ids:", ids[:, 0].tolist())

    # fused per-token statistics and membership scores
    logits = rng.standard_normal((4, 32, 1000)).astype(np.float32)
    targets = rng.integers(0, 1000, size=(4, 32))
    st = seenit.token_stats(logits, targets)
    offsets = np.arange(0, 4 * 32 + 1, 32, dtype=np.int64)
    s = seenit.mia_scores(st.logprob.ravel(), offsets, mu=st.mu.ravel(), sigma=st.sigma.ravel())
    print("membership score keys:", sorted(s))


if __name__ == "__main__":
    main()
