"""MinHash benchmark: seenit beside datasketch and rensa, same corpus, one process.

    python bench/sketch.py [--docs 20000] [--repeats 5] [--out bench/results/minhash.json]

Corpus: `--docs` generated documents of ~200 words from a Zipf vocabulary with 2%
planted near-copies (seeded), plus real text from ../shared/data when present.
k=128, word 5-grams. Every timing is the median of `--repeats` runs in this process.
Writes bench/results/minhash.json (machine info, command, timings, ratios).
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import seenit
from seenit.sketch import minhash as sketch_minhash
from seenit.io import write_json

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEENIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
K, NGRAM, SEED = 128, 5, 1


# ---------------------------------------------------------------- corpus
def make_corpus(n_docs: int, seed: int = 0, words_per_doc: int = 200, near_copy_rate: float = 0.02):
    """Zipf-vocabulary documents; a fraction are near-copies (1% of words replaced,
    word 5-gram Jaccard about 0.9 with their source)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, rng.integers(2, 10))) for _ in range(50_000)]
    vocab = np.array(vocab)
    n_orig = n_docs - int(n_docs * near_copy_rate)
    docs = []
    for _ in range(n_orig):
        length = max(20, int(rng.normal(words_per_doc, 30)))
        ids = (rng.zipf(1.2, length) - 1) % vocab.size
        docs.append(" ".join(vocab[ids]))
    planted = []
    for _ in range(n_docs - n_orig):
        src = int(rng.integers(0, n_orig))
        ws = docs[src].split()
        for j in rng.choice(len(ws), max(1, len(ws) // 100), replace=False):
            ws[j] = vocab[rng.integers(0, vocab.size)]
        planted.append((len(docs), src))
        docs.append(" ".join(ws))
    return docs, planted


def real_corpus(limit: int = 5000):
    base = SHARED / "mimir_pile_nonmembers"
    if not base.is_dir():
        return None
    docs = []
    for name in ("pile_cc", "wikipedia_(en)", "openwebtext2", "hackernews", "stackexchange"):
        path = base / f"{name}_0_test_raw.jsonl.gz"
        if path.exists():
            with gzip.open(path, "rt") as f:
                docs += [json.loads(line)["original"] for line in itertools.islice(f, limit // 5)]
    return docs or None


# ---------------------------------------------------------------- contenders
def py_shingles(doc: str) -> list[str]:
    ws = doc.lower().split()
    if not ws:
        return []
    w = min(NGRAM, len(ws))
    return [" ".join(ws[i:i + w]) for i in range(len(ws) - w + 1)]


def datasketch_bulk(docs):
    from datasketch import MinHash

    return MinHash.bulk([[s.encode("utf-8") for s in py_shingles(d)] for d in docs], num_perm=K, seed=SEED)


def rensa_e2e(docs):
    from rensa import RMinHash

    return RMinHash.digest_matrix_from_token_sets([py_shingles(d) for d in docs], K, SEED)


def datasketch_dedup_lsh(minhashes, threshold=0.8):
    """The usual datasketch dedup loop: query each document, keep it (insert) if no match."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=K)
    dup = np.zeros(len(minhashes), dtype=bool)
    for i, m in enumerate(minhashes):
        if lsh.query(m):
            dup[i] = True
        else:
            lsh.insert(i, m)
    return dup


def rensa_dedup(docs, threshold=0.8):
    from rensa import RMinHash, RMinHashLSH

    matrix = RMinHash.digest_matrix_from_token_sets([py_shingles(d) for d in docs], K, SEED)
    # rensa needs num_perm divisible by num_bands: 16 bands x 8 rows (datasketch picks 9 x 13).
    return np.array(RMinHashLSH(threshold, K, 16).insert_matrix_and_query_duplicate_flags(matrix), dtype=bool)


def planted_recall(dup_mask, planted):
    """Fraction of planted near-copies flagged as duplicates (of either side of the pair)."""
    if not planted:
        return None
    return float(np.mean([dup_mask[i] or dup_mask[j] for i, j in planted]))


def machine():
    info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "seenit_threads": seenit.get_num_threads(), "cpu_features": seenit.cpu_features()}
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        info["loadavg_at_start"] = os.getloadavg()
    except OSError:
        pass
    import datasketch
    import rensa  # noqa: F401
    from importlib.metadata import version

    info["versions"] = {p: version(p) for p in ("seenit", "datasketch", "rensa", "numpy")}
    return info


def bench_corpus(label, docs, repeats, results, planted=None):
    """Times every contender `repeats` times, round-robin (one run of each per round),
    so that load from other processes on this shared machine hits all of them alike."""
    from rensa import RMinHash

    r = {"docs": len(docs), "words": int(sum(len(d.split()) for d in docs))}
    print(f"\n== {label}: {r['docs']} docs, {r['words']} words", flush=True)
    values, offsets = sketch_minhash.shingle_hashes(docs, ngram=NGRAM)
    state = {}

    def ds_dedup():  # datasketch end to end: MinHash.bulk (with shingling) + the MinHashLSH loop
        state["ds"] = datasketch_bulk(docs)
        return datasketch_dedup_lsh(state["ds"])

    contenders = {
        "seenit_fast": lambda: seenit.minhash(docs, num_perm=K, ngram=NGRAM, seed=SEED),
        "seenit_datasketch_scheme": lambda: seenit.minhash(docs, num_perm=K, ngram=NGRAM, seed=SEED,
                                                           scheme="datasketch"),
        "seenit_oph": lambda: seenit.minhash(docs, num_perm=K, ngram=NGRAM, seed=SEED, scheme="oph"),
        "seenit_kernel_from_hashes": lambda: sketch_minhash.minhash_from_hashes(values, offsets, num_perm=K),
        # rensa's R-MinHash (0.5) is a bucketed sketch, one hash per shingle per round
        # (src/rminhash/bucket.rs), not K permutations: seenit's OPH is the like-for-like kernel.
        "seenit_oph_kernel_from_hashes": lambda: sketch_minhash.minhash_from_hashes(values, offsets, num_perm=K,
                                                                                   scheme="oph"),
        "rensa_kernel_from_hashes": lambda: RMinHash.digest_matrix_from_flat_token_hashes(values, offsets, K, SEED),
        "rensa_e2e": lambda: rensa_e2e(docs),
        "datasketch_bulk_e2e": lambda: datasketch_bulk(docs),
        "seenit_near_duplicates_e2e": lambda: seenit.near_duplicates(docs, threshold=0.8, num_perm=K, weights=(0.5, 0.5)),  # datasketch's banding, same work as MinHashLSH
        "rensa_dedup_e2e": lambda: rensa_dedup(docs),
        "datasketch_dedup_e2e": ds_dedup,
    }
    times = {name: [] for name in contenders}
    outputs = {}
    for rnd in range(repeats):
        for name, fn in contenders.items():
            t = time.perf_counter()
            outputs[name] = fn()
            times[name].append(time.perf_counter() - t)
        print(f"  round {rnd + 1}/{repeats} done", flush=True)
    for name, ts in times.items():
        med = statistics.median(ts)
        r[name] = {"median_s": med, "times_s": ts, "docs_per_s": len(docs) / med}
        print(f"  {name:30s} {med * 1e3:10.1f} ms  ({len(docs) / med:,.0f} docs/s)  "
              f"[{min(ts) * 1e3:.0f}..{max(ts) * 1e3:.0f}]", flush=True)

    want = np.stack([m.hashvalues for m in state["ds"]])
    r["datasketch_scheme_identical"] = bool(np.array_equal(want, outputs["seenit_datasketch_scheme"]))
    print(f"  datasketch-scheme output identical to datasketch: {r['datasketch_scheme_identical']}")
    seenit_dup = ~outputs["seenit_near_duplicates_e2e"].keep
    rensa_dup, ds_dup = outputs["rensa_dedup_e2e"], outputs["datasketch_dedup_e2e"]
    r["duplicates_flagged"] = {"seenit": int(seenit_dup.sum()), "rensa": int(rensa_dup.sum()),
                               "datasketch": int(ds_dup.sum())}
    if planted:
        r["planted_recall"] = {"seenit": planted_recall(seenit_dup, planted),
                               "rensa": planted_recall(rensa_dup, planted),
                               "datasketch": planted_recall(ds_dup, planted)}
    med = {name: r[name]["median_s"] for name in contenders}
    pairs = {  # ratio name: (peer, seenit)
        "fast_vs_datasketch": ("datasketch_bulk_e2e", "seenit_fast"),
        "fast_vs_rensa": ("rensa_e2e", "seenit_fast"),
        "datasketch_scheme_vs_datasketch": ("datasketch_bulk_e2e", "seenit_datasketch_scheme"),
        "kernel_vs_rensa_kernel": ("rensa_kernel_from_hashes", "seenit_kernel_from_hashes"),
        "oph_kernel_vs_rensa_kernel": ("rensa_kernel_from_hashes", "seenit_oph_kernel_from_hashes"),
        "dedup_vs_datasketch": ("datasketch_dedup_e2e", "seenit_near_duplicates_e2e"),
        "dedup_vs_rensa": ("rensa_dedup_e2e", "seenit_near_duplicates_e2e"),
    }
    # Ratio of the medians, and the median of the per-round ratios (both sides timed in
    # the same round, so a burst of load from other processes affects both).
    r["ratios"] = {k: med[peer] / med[ours] for k, (peer, ours) in pairs.items()}
    r["ratio_per_round"] = {k: [a / b for a, b in zip(times[peer], times[ours])] for k, (peer, ours) in pairs.items()}
    r["ratios_median_per_round"] = {k: statistics.median(v) for k, v in r["ratio_per_round"].items()}
    print(f"  flagged {r['duplicates_flagged']}  planted recall {r.get('planted_recall')}")
    for name, v in r["ratios"].items():
        print(f"  ratio {name:32s} {v:8.1f}x   (median per round {r['ratios_median_per_round'][name]:.1f}x)")
    results[label] = r


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--real-docs", type=int, default=5000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "minhash.json")
    args = ap.parse_args(argv)

    results = {"command": " ".join(["python"] + sys.argv), "machine": machine(),
               "k": K, "ngram": NGRAM, "repeats": args.repeats}
    docs, planted = make_corpus(args.docs)
    results["synthetic_planted_near_copies"] = len(planted)
    bench_corpus("synthetic", docs, args.repeats, results, planted=planted)
    real = real_corpus(args.real_docs)
    if real is not None:
        bench_corpus("real_pile", real, args.repeats, results)
    else:
        print("real data not found; skipped", SHARED)
    try:
        results["machine"]["loadavg_at_end"] = os.getloadavg()
    except OSError:
        pass
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.out, results)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
