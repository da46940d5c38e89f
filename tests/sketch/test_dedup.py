"""near_duplicates end to end on documents: recall against exact all-pairs Jaccard,
exact verification, reference-set mode, input kinds, and datasketch as the peer."""

import numpy as np
import pytest

import seenit
from seenit.sketch import dedup
from seenit.sketch import minhash as mh
from seenit.demo import all_pairs_jaccard, synthetic_corpus


@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus(2000, seed=11)


@pytest.fixture(scope="module")
def truth(corpus):
    return all_pairs_jaccard(corpus.docs, 0.5)


def _pair_set(pairs):
    return set(map(tuple, pairs.tolist()))


def test_ground_truth_is_exact_all_pairs():
    c = synthetic_corpus(120, seed=3, dup_fraction=0.3)
    pairs, sim = all_pairs_jaccard(c.docs, 0.3)
    sets = [set(zip(*(d.split()[k:] for k in range(5)))) for d in c.docs]
    want = {}
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            jac = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
            if jac >= 0.3:
                want[(i, j)] = jac
    assert _pair_set(pairs) == set(want) and len(want) > 20
    np.testing.assert_allclose(sim, [want[p] for p in map(tuple, pairs.tolist())])


def _recall(d, strong):
    found = _pair_set(d.pairs)
    pair_recall = float(np.mean([tuple(p) in found for p in strong.tolist()]))
    cluster_recall = float(np.mean(d.labels[strong[:, 0]] == d.labels[strong[:, 1]]))
    return pair_recall, cluster_recall


@pytest.mark.parametrize("verify", ["signature", "exact"])
def test_recall_above_threshold_plus_0_1(corpus, truth, verify):
    """Recall of pairs with exact Jaccard >= threshold + 0.1 is >= 0.99 at the default
    banding, which weighs false negatives more (weights=(0.2, 0.8) -> 12 bands x 10 rows:
    P(candidate | J=0.9) = 0.994). Verification removes the extra false positives."""
    pairs, sim = truth
    strong = pairs[sim >= 0.9]
    assert strong.shape[0] >= 80  # the corpus really has planted near-copies
    d = seenit.near_duplicates(corpus.docs, threshold=0.8, verify=verify)  # default weights (0.2, 0.8)
    assert (d.bands, d.rows) == (12, 10)
    pair_recall, cluster_recall = _recall(d, strong)
    assert pair_recall >= 0.99 and cluster_recall >= 0.99, (pair_recall, cluster_recall)


def test_recall_with_datasketch_banding_follows_the_s_curve(corpus, truth):
    """datasketch's equal-weight banding (9 x 13 at 0.8) finds a pair of Jaccard J
    with probability 1 - (1 - J^13)^9 (0.93 at J = 0.9): the measured recall must
    match that expectation within sampling error."""
    pairs, sim = truth
    m = sim >= 0.9
    d = seenit.near_duplicates(corpus.docs, threshold=0.8, weights=(0.5, 0.5))
    assert (d.bands, d.rows) == (9, 13)
    p = 1 - (1 - sim[m] ** d.rows) ** d.bands
    found = _pair_set(d.pairs)
    hits = sum(tuple(q) in found for q in pairs[m].tolist())
    assert hits >= p.sum() - 3 * np.sqrt((p * (1 - p)).sum()) - 1, (hits, p.sum())


def test_exact_verification_reports_nothing_below_threshold(corpus, truth):
    d = seenit.near_duplicates(corpus.docs, threshold=0.8, verify="exact")
    assert d.pairs.shape[0] > 50 and (d.similarity >= 0.8).all()
    truth_pairs, truth_sim = truth
    exact = dict(zip(map(tuple, truth_pairs.tolist()), truth_sim.tolist()))
    for p, s in zip(map(tuple, d.pairs.tolist()), d.similarity.tolist()):
        assert exact[p] == pytest.approx(s)
    # signature verification keeps exactly the candidates whose estimate passes
    sig = mh.minhash(corpus.docs)
    ds = seenit.near_duplicates(corpus.docs, threshold=0.8)
    np.testing.assert_array_equal(ds.similarity, mh.jaccard(sig[ds.pairs[:, 0]], sig[ds.pairs[:, 1]]))
    assert (ds.similarity >= 0.8).all()


def test_docs_and_signatures_give_the_same_clusters(corpus):
    a = seenit.near_duplicates(corpus.docs, threshold=0.7, num_perm=64, seed=5)
    b = seenit.near_duplicates(mh.minhash(corpus.docs, num_perm=64, seed=5), threshold=0.7)
    for f in ("labels", "keep", "pairs", "similarity"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert a.n_removed == a.n_docs - a.n_kept and a.n_clusters == len(a.clusters())
    sizes = a.cluster_sizes()
    assert sizes.sum() == a.n_docs and (sizes[a.keep] >= 1).all() and (sizes[~a.keep] == 0).all()


def test_empty_and_whitespace_documents_never_join():
    docs = ["", "   ", "one two three four five six", "", "one two three four five six", "\n"]
    d = seenit.near_duplicates(docs, threshold=0.5, verify="exact")
    assert d.labels.tolist() == [0, 1, 2, 3, 2, 5]
    assert d.keep.tolist() == [True, True, True, True, False, True]


def test_token_ids_and_pyarrow_inputs():
    pa = pytest.importorskip("pyarrow")
    c = synthetic_corpus(300, seed=4, dup_fraction=0.2)
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(w, len(vocab)) for w in doc.split()] for doc in c.docs]
    values = np.array([t for doc in ids for t in doc], dtype=np.uint32)
    offsets = np.r_[0, np.cumsum([len(d) for d in ids])].astype(np.int64)
    by_tokens = seenit.near_duplicates((values, offsets), unit="token", verify="exact", threshold=0.7)
    by_arrow = seenit.near_duplicates(pa.array(c.docs), verify="exact", threshold=0.7)
    by_words = seenit.near_duplicates(c.docs, verify="exact", threshold=0.7)
    np.testing.assert_array_equal(by_arrow.labels, by_words.labels)
    np.testing.assert_array_equal(by_arrow.similarity, by_words.similarity)
    # token shingles are the same 5-grams as word shingles here, so exact Jaccards agree
    assert _pair_set(by_tokens.pairs) <= _pair_set(all_pairs_jaccard(c.docs, 0.7)[0])
    assert by_tokens.n_clusters > 10


def test_reference_mode_finds_contaminated_documents(corpus, truth):
    # the "benchmark" is 100 originals; a corpus document is contaminated when it
    # near-duplicates one of them
    originals = np.flatnonzero(corpus.source < 0)
    bench_idx = originals[:: len(originals) // 100][:100]
    bench = [corpus.docs[i] for i in bench_idx]
    m = seenit.near_duplicates(corpus.docs, reference=bench, threshold=0.8, verify="exact")
    assert isinstance(m, seenit.ReferenceMatches) and m.n_docs == len(corpus.docs)
    # every benchmark item itself is found (J = 1), pointing to itself
    assert m.matched[bench_idx].all() and (m.best[bench_idx] == np.arange(100)).all()
    assert (m.best_similarity[bench_idx] == 1.0).all()
    # recall of strong matches against exact all-pairs truth, and no match below the threshold
    pos = {int(b): k for k, b in enumerate(bench_idx)}
    pairs, sim = truth
    strong = [(j if i in pos else i, pos[i] if i in pos else pos[j]) for (i, j), s in zip(pairs.tolist(), sim)
              if s >= 0.9 and (i in pos) != (j in pos)]
    assert len(strong) >= 5
    got = _pair_set(m.pairs)
    assert np.mean([p in got for p in strong]) >= 0.99
    assert (m.similarity >= 0.8).all() and (m.best_similarity[m.matched] >= 0.8).all()
    # best is the most similar verified reference for each document
    for doc in np.flatnonzero(m.matched)[:50]:
        rows = m.pairs[:, 0] == doc
        assert m.best_similarity[doc] == m.similarity[rows].max()
    # signatures give the same answer with signature verification
    a = seenit.near_duplicates(corpus.docs, reference=bench, threshold=0.8)
    b = seenit.near_duplicates(mh.minhash(corpus.docs), reference=mh.minhash(bench), threshold=0.8)
    np.testing.assert_array_equal(a.best, b.best)
    np.testing.assert_array_equal(a.pairs, b.pairs)


def test_candidates_equal_datasketch_end_to_end():
    from datasketch import MinHash, MinHashLSH

    c = synthetic_corpus(300, seed=9, dup_fraction=0.2)
    k = 64

    def shingles(doc):
        w = doc.lower().split()
        return {" ".join(w[i : i + 5]) for i in range(max(1, len(w) - 4))} if w else set()

    ds = MinHashLSH(threshold=0.7, num_perm=k)
    mhs = []
    for i, doc in enumerate(c.docs):
        m = MinHash(num_perm=k, seed=1)
        m.update_batch([s.encode("utf-8") for s in shingles(doc)])
        mhs.append(m)
        ds.insert(i, m)
    want = sorted({(min(i, j), max(i, j)) for i, m in enumerate(mhs) for j in ds.query(m) if i != j})
    got = seenit.near_duplicates(c.docs, threshold=0.7, num_perm=k, scheme="datasketch", verify="none", max_bucket=10**6,
                                  weights=(0.5, 0.5))  # MinHashLSH's default banding
    assert [tuple(p) for p in got.pairs.tolist()] == want and len(want) > 20


def test_progress_bar_batches_give_the_same_result(corpus, monkeypatch, capsys):
    monkeypatch.setattr(dedup, "_SIG_BATCH", 500)
    a = seenit.near_duplicates(corpus.docs, progress=True)
    monkeypatch.setattr(dedup, "_SIG_BATCH", 10**6)
    b = seenit.near_duplicates(corpus.docs)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.similarity, b.similarity)


def test_bad_document_input():
    with pytest.raises(TypeError, match=r"docs\[1\] must be str"):
        seenit.near_duplicates(["a b c", 3])
    with pytest.raises(TypeError, match="docs_or_signatures must be documents"):
        seenit.near_duplicates(np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"ngram must be"):
        seenit.near_duplicates(["a b"], ngram=0)
    with pytest.raises(ValueError, match=r"max_bucket must be in 2..inf, got 1"):
        seenit.near_duplicates(["a b"], max_bucket=1)
    with pytest.raises(TypeError, match="signature dtype mismatch"):
        seenit.near_duplicates(np.zeros((2, 8), np.uint32), reference=np.zeros((2, 8), np.uint64))


def test_bytes_documents_and_invalid_utf8():
    docs = [b"one two three four five six", b"one two three four five six", b"\xff\xfe bad bytes here"]
    with pytest.raises(ValueError, match="UTF-8"):
        seenit.near_duplicates(docs)
    d = seenit.near_duplicates(docs, errors="replace", verify="exact")
    assert d.labels.tolist() == [0, 0, 2] and d.similarity.tolist() == [1.0]


def test_a_tuple_of_two_documents_is_two_documents():
    # a 2-tuple of str was taken for a ragged (values, offsets) pair and raised IndexError
    d = seenit.near_duplicates(("a b c d e", "a b c d e"))
    assert d.labels.tolist() == [0, 0] and d.keep.tolist() == [True, False]
