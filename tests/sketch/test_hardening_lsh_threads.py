"""One LSH object used from several Python threads gives the single-threaded answers."""

import threading

import numpy as np

import seenit
from seenit import LSH
from seenit.demo import synthetic_corpus


def _as_sets(c):
    return [set(c.values[c.offsets[i]:c.offsets[i + 1]].tolist()) for i in range(c.offsets.size - 1)]


def test_concurrent_inserts_with_keys_and_queries_match_single_threaded():
    docs = synthetic_corpus(1600, seed=2, dup_fraction=0.3).docs
    sig = seenit.minhash(docs, num_perm=64)
    keys = np.arange(len(docs), dtype=np.int64) * 7 + 1000  # not the insertion index
    blocks = np.array_split(np.arange(len(docs)), 32)

    ref = LSH(threshold=0.5, num_perm=64)
    for b in blocks:
        ref.insert(sig[b], keys=keys[b])
    want = _as_sets(ref.query(sig))

    lsh = LSH(threshold=0.5, num_perm=64)
    errors = []
    barrier = threading.Barrier(8)

    def work(t):
        try:
            barrier.wait()
            for b in blocks[t::8]:
                lsh.insert(sig[b], keys=keys[b])
                lsh.query(sig[b[:5]])  # queries interleaved with other threads' inserts
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(lsh) == len(docs) and sorted(lsh.keys.tolist()) == sorted(keys.tolist())
    got = _as_sets(lsh.query(sig))
    assert all(int(keys[i]) in got[i] for i in range(len(docs)))  # every row finds its own key
    assert got == want

    # concurrent queries on the finished index
    results = [None] * 8

    def ask(t):
        results[t] = _as_sets(lsh.query(sig))

    threads = [threading.Thread(target=ask, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == want for r in results)
    assert {tuple(p) for p in lsh.candidate_pairs().tolist()} == {tuple(p) for p in ref.candidate_pairs().tolist()}
