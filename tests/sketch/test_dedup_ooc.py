"""Out-of-core near-duplicate clustering: each core stage against seenit.reference.sketch, and the
whole pipeline identical to the in-memory mode for any budget, block size, max_bucket and thread
count; the work directory's resume and refusal rules; the documented output files round trip."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seenit
from seenit import _core
from seenit.demo import synthetic_corpus
from seenit.reference import sketch as ref
from seenit.sketch import ooc
from seenit.sketch.files import dedup_files
from seenit.sketch.outputs import DedupPaths, read_clusters
from seenit.sketch.rethreshold import rethreshold

BAND = np.dtype([("band", "<u8"), ("key", "<u8"), ("id", "<i8")])
EDGE = np.dtype([("i", "<i8"), ("j", "<i8"), ("sim", "<f8")])
CLUSTER = np.dtype([("id", "<i8"), ("cluster", "<i8"), ("sim", "<f8")])


@st.composite
def signatures(draw, max_n=40, dtype=np.uint32):
    """Small signatures over a tiny alphabet (so bands collide often), some rows copies of others,
    some empty (every slot at the maximum)."""
    n = draw(st.integers(0, max_n))
    k = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sig = rng.integers(0, draw(st.integers(1, 4)), size=(n, k)).astype(dtype)
    for i in range(1, n):
        if rng.random() < 0.3:
            sig[i] = sig[rng.integers(0, i)]
        if rng.random() < 0.05:
            sig[i] = np.iinfo(dtype).max
    return sig


def _runs(tmp_path, sig, bands, rows, block):
    paths = []
    for lo in range(0, max(sig.shape[0], 1), block):
        p = tmp_path / f"run-{len(paths)}.bin"
        _core.dedup_write_band_run(np.ascontiguousarray(sig[lo:lo + block]), lo, bands, rows, str(p))
        paths.append(p)
    return paths


def _banding(sig, data):
    k = sig.shape[1]
    rows = data.draw(st.integers(1, k))
    bands = data.draw(st.integers(1, k // rows))
    return bands, rows


# ---------------------------------------------------------------- core stages vs the reference

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sig=signatures(), data=st.data())
def test_band_run_is_sorted_and_groups_like_the_reference(tmp_path, sig, data):
    bands, rows = _banding(sig, data)
    first = data.draw(st.integers(0, 1000))
    p = tmp_path / "run.bin"
    count = _core.dedup_write_band_run(sig, first, bands, rows, str(p))
    a = np.fromfile(p, dtype=BAND)
    assert count == a.size == bands * sum(not ref.is_empty(r) for r in sig)
    order = np.lexsort((a["id"], a["key"], a["band"]))
    assert (order == np.arange(a.size)).all()
    keys, empty = _core.lsh_band_keys(sig, bands, rows)
    for e in a:
        assert keys[e["id"] - first, e["band"]] == e["key"] and not empty[e["id"] - first]
    got = []
    for b in range(bands):
        sel = a[a["band"] == b]
        groups = {}
        for e in sel:
            groups.setdefault(int(e["key"]), []).append(int(e["id"]) - first)
        got.extend(sorted(g for g in groups.values() if len(g) >= 2))
    assert got == sorted(ref.bucket_members(sig, bands, rows)) or sorted(map(tuple, got)) == sorted(
        map(tuple, ref.bucket_members(sig, bands, rows)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sig=signatures(), data=st.data())
def test_merged_runs_are_the_sorted_union(tmp_path, sig, data):
    bands, rows = _banding(sig, data)
    runs = _runs(tmp_path, sig, bands, rows, data.draw(st.integers(1, 8)))
    out = tmp_path / "merged.bin"
    n = _core.dedup_merge_band_runs([str(p) for p in runs], str(out), data.draw(st.sampled_from([24, 100, 65536])))
    want = np.concatenate([np.fromfile(p, dtype=BAND) for p in runs])
    want = want[np.lexsort((want["id"], want["key"], want["band"]))]
    got = np.fromfile(out, dtype=BAND)
    assert n == got.size and (got == want).all()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sig=signatures(), data=st.data())
def test_bucket_edges_match_the_reference(tmp_path, sig, data):
    bands, rows = _banding(sig, data)
    t = data.draw(st.sampled_from([0.3, 0.5, 0.75, 1.0]))
    verify = data.draw(st.sampled_from(["signature", "none"]))
    max_bucket = data.draw(st.integers(2, 6))
    seenit.set_num_threads(data.draw(st.integers(1, 3)))
    try:
        runs = _runs(tmp_path, sig, bands, rows, data.draw(st.integers(1, 10)))
        sig_path = tmp_path / "sig.bin"
        sig.tofile(sig_path)
        edge_runs = _core.dedup_bucket_edges([str(p) for p in runs], str(sig_path), sig.shape[0], sig.shape[1],
                                             sig.dtype.itemsize, t, verify == "signature", max_bucket, 24,
                                             data.draw(st.sampled_from([1, 24 * 3, 1 << 20])), str(tmp_path / "edges"))
        out = tmp_path / "edges.bin"
        m = _core.dedup_merge_edge_runs(edge_runs, str(out), 48)
    finally:
        seenit.set_num_threads(0)
    got = np.fromfile(out, dtype=EDGE)
    want = ref.bucket_edges(ref.bucket_members(sig, bands, rows), sig, t, verify, max_bucket)
    assert m == got.size == len(want)
    assert [(int(e["i"]), int(e["j"])) for e in got] == sorted(want)
    assert [float(e["sim"]) for e in got] == [want[p] for p in sorted(want)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sig=signatures(max_n=30), data=st.data())
def test_components_match_the_reference(tmp_path, sig, data):
    n = sig.shape[0]
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    edges = {}
    for _ in range(data.draw(st.integers(0, 2 * n))):
        i, j = sorted(rng.integers(0, n, size=2).tolist()) if n else (0, 0)
        if i != j:
            edges[(i, j)] = float(np.count_nonzero(sig[i] == sig[j])) / sig.shape[1]
    e = np.array([(i, j, s) for (i, j), s in sorted(edges.items())], dtype=EDGE)
    e.tofile(tmp_path / "edges.bin")
    sig.tofile(tmp_path / "sig.bin")
    min_sim = data.draw(st.sampled_from([0.0, 0.5, 0.9]))
    parent_ram = data.draw(st.sampled_from([0, 1 << 20]))  # 0: the memory-mapped union-find
    count, hist = _core.dedup_components(str(tmp_path / "edges.bin"), min_sim, n, str(tmp_path / "sig.bin"),
                                         max(sig.shape[1], 1), sig.dtype.itemsize, str(tmp_path / "c.bin"),
                                         parent_ram, str(tmp_path / "parents.bin"), 48, 4096)
    got = [(int(r["id"]), int(r["cluster"]), float(r["sim"])) for r in np.fromfile(tmp_path / "c.bin", dtype=CLUSTER)]
    want = ref.cluster_records(n, edges, sig, min_sim)
    assert count == len(got) and got == want
    sizes = {}
    for _, c, _ in want:
        sizes[c] = sizes.get(c, 0) + 1
    want_hist = sorted({s: list(sizes.values()).count(s) for s in set(sizes.values())}.items())
    assert [tuple(h) for h in hist] == want_hist


def test_core_stages_reject_bad_arguments(tmp_path):
    sig = np.zeros((4, 8), np.uint32)
    with pytest.raises(ValueError, match="bands"):
        _core.dedup_write_band_run(sig, 0, 3, 3, str(tmp_path / "r.bin"))
    with pytest.raises(ValueError, match="first_id"):
        _core.dedup_write_band_run(sig, -1, 2, 2, str(tmp_path / "r.bin"))
    with pytest.raises(TypeError):
        _core.dedup_write_band_run(sig.astype(np.int32), 0, 2, 2, str(tmp_path / "r.bin"))
    with pytest.raises(OSError, match="cannot open"):
        _core.dedup_merge_band_runs([str(tmp_path / "missing.bin")], str(tmp_path / "o.bin"), 1024)
    (tmp_path / "odd.bin").write_bytes(b"x" * 25)
    with pytest.raises(ValueError, match="whole number of 24-byte records"):
        _core.dedup_merge_band_runs([str(tmp_path / "odd.bin")], str(tmp_path / "o.bin"), 1024)
    with pytest.raises(ValueError, match="signature_bytes"):
        _core.dedup_bucket_edges([], "s", 1, 1, 3, 0.5, True, 2, 1, 1, "e")
    with pytest.raises(ValueError, match="threshold"):
        _core.dedup_bucket_edges([], "s", 1, 1, 4, 1.5, True, 2, 1, 1, "e")
    with pytest.raises(ValueError, match="max_bucket"):
        _core.dedup_bucket_edges([], "s", 1, 1, 4, 0.5, True, 1, 1, 1, "e")
    with pytest.raises(ValueError, match="min_sim"):
        _core.dedup_components("e", -0.1, 1, "s", 1, 4, "o", 0, "p", 1, 1)
    # a band run naming a document beyond the signature file: refused, not read out of bounds
    _core.dedup_write_band_run(np.zeros((3, 4), np.uint32), 10, 2, 2, str(tmp_path / "r.bin"))
    np.zeros((3, 4), np.uint32).tofile(tmp_path / "s.bin")
    with pytest.raises(ValueError, match="damaged"):
        _core.dedup_bucket_edges([str(tmp_path / "r.bin")], str(tmp_path / "s.bin"), 3, 4, 4, 0.5, True, 2, 1024,
                                 1024, str(tmp_path / "e"))
    assert not list(tmp_path.glob("e-*")) and not list(tmp_path.glob("*.tmp"))


# ---------------------------------------------------------------- identical to the in-memory mode

@pytest.fixture(scope="module")
def corpus():
    return synthetic_corpus(1500, seed=5, dup_fraction=0.35)


@pytest.mark.parametrize("scheme", ["fast", "datasketch-legacy"])
@pytest.mark.parametrize("verify,max_bucket", [("signature", 100), ("signature", 3), ("none", 4)])
def test_out_of_core_equals_in_memory(corpus, scheme, verify, max_bucket):
    sig = seenit.minhash(corpus.docs, scheme=scheme, num_perm=64)
    want = seenit.near_duplicates(sig, threshold=0.7, verify=verify, max_bucket=max_bucket)
    assert want.n_removed > 100
    need = ooc.minimum_budget(64, want.bands, sig.dtype.itemsize)
    for budget, threads in ((need, 1), (need + 12345, 2), ("2M", 2)):
        seenit.set_num_threads(threads)
        try:
            got = seenit.near_duplicates(sig, threshold=0.7, verify=verify, max_bucket=max_bucket, max_memory=budget)
        finally:
            seenit.set_num_threads(0)
        np.testing.assert_array_equal(got.labels, want.labels)
        np.testing.assert_array_equal(got.keep, want.keep)
        np.testing.assert_array_equal(got.pairs, want.pairs)
        np.testing.assert_array_equal(got.similarity, want.similarity)


def test_a_budget_that_fits_stays_in_memory_and_a_tiny_one_is_refused(corpus):
    sig = seenit.minhash(corpus.docs[:50], num_perm=32)
    d = seenit.near_duplicates(sig, max_memory="1G")
    assert d.n_docs == 50
    with pytest.raises(ValueError, match=r"max_memory=.* is too small: .* needs at least \d+ bytes"):
        seenit.near_duplicates(seenit.minhash(corpus.docs, num_perm=32), max_memory=1000)
    with pytest.raises(ValueError, match="max_memory must be a size"):
        seenit.near_duplicates(sig, max_memory="lots")
    with pytest.raises(ValueError, match="does not combine"):
        seenit.near_duplicates(corpus.docs[:5], max_memory="1M", verify="exact")
    with pytest.raises(ValueError, match="work_dir is only used with max_memory"):
        seenit.near_duplicates(sig, work_dir="/tmp/x")


# ---------------------------------------------------------------- files: in memory vs out of core

def _write_corpus(tmp_path, docs):
    p = tmp_path / "in.jsonl"
    p.write_text("".join(json.dumps({"text": d, "n": i}) + "\n" for i, d in enumerate(docs)))
    return p


def _body(path, skip=1):
    return path.read_text().splitlines()[skip:]


def test_files_out_of_core_identical_and_round_trip(tmp_path, corpus):
    src = _write_corpus(tmp_path, corpus.docs)
    mem = dedup_files([src], tmp_path / "mem.jsonl", threshold=0.7, num_perm=64, batch_size=200)
    oc = dedup_files([src], tmp_path / "ooc.jsonl", threshold=0.7, num_perm=64, batch_size=50,
                     max_memory=ooc.minimum_budget(64, mem.bands, 4))
    assert mem.mode == "memory" and oc.mode == "out-of-core" and oc.work_dir == tmp_path / "ooc.dedup-work"
    assert (tmp_path / "mem.jsonl").read_bytes() == (tmp_path / "ooc.jsonl").read_bytes()
    assert _body(mem.clusters) == _body(oc.clusters) and _body(mem.removed) == _body(oc.removed)
    sm, so = (json.loads(p.read_text()) for p in (mem.summary, oc.summary))
    for key in ("documents", "clusters", "clustered", "removed", "kept", "size_histogram"):
        assert sm[key] == so[key]
    # the reader gives back the in-memory result
    want = seenit.near_duplicates(corpus.docs, threshold=0.7, num_perm=64)
    for out in (tmp_path / "mem.jsonl", tmp_path / "ooc.jsonl"):
        c = read_clusters(out)
        np.testing.assert_array_equal(c.labels(), want.labels)
        np.testing.assert_array_equal(c.removed, np.flatnonzero(~want.keep))
        sig = seenit.minhash(corpus.docs, num_perm=64)
        np.testing.assert_allclose(c.similarity, ref.signature_similarity(sig, sig, np.column_stack([c.cluster, c.ids])),
                                   atol=1e-6)
        assert c.lines.tolist() == (c.ids + 1).tolist() and set(c.paths) == {str(src)}
        sizes = np.bincount(want.labels, minlength=want.n_docs)
        s, n = np.unique(sizes[sizes >= 2], return_counts=True)
        assert c.summary["size_histogram"] == {str(a): int(b) for a, b in zip(s, n)}
        assert c.summary["removed"] == want.n_removed and c.summary["version"] == 2


def test_annotate_keeps_every_record_with_its_cluster(tmp_path, corpus):
    docs = corpus.docs[:400]
    src = _write_corpus(tmp_path, docs)
    want = seenit.near_duplicates(docs, threshold=0.7, num_perm=64)
    for name, kw in (("a.jsonl", {}), ("b.jsonl.gz", {"max_memory": "600K", "batch_size": 64})):
        dedup_files([src], tmp_path / name, threshold=0.7, num_perm=64, annotate=True, **kw)
        rows = [json.loads(x) for x in seenit.io.iter_records(tmp_path / name, field="text", keep_data=True)
                for x in [json.dumps(x.data)]]
        assert [r["n"] for r in rows] == list(range(400))
        assert [r["dedup_cluster"] for r in rows] == want.labels.tolist()
        assert [r["dedup_duplicate"] for r in rows] == (~want.keep).tolist()
        assert all(0 < r["dedup_similarity"] <= 1 for r in rows)


def test_resume_after_an_interruption_and_damaged_stage_files(tmp_path, corpus):
    src = _write_corpus(tmp_path, corpus.docs[:600])
    out, work = tmp_path / "k.jsonl", tmp_path / "work"
    code = ("import sys; from seenit.sketch.files import dedup_files; "
            "dedup_files([sys.argv[1]], sys.argv[2], max_memory='600K', work_dir=sys.argv[3], batch_size=64, "
            "overwrite=True)")
    env = dict(os.environ, SEENIT_FAULT="dedup:after-edges")
    r = subprocess.run([sys.executable, "-c", code, str(src), str(out), str(work)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 86, r.stderr
    assert not out.exists() and (work / "edges.bin").is_file()
    sig_mtime = (work / "signatures.bin").stat().st_mtime_ns
    res = dedup_files([src], out, max_memory="600K", work_dir=work, batch_size=64)
    assert (work / "signatures.bin").stat().st_mtime_ns == sig_mtime  # the finished stages were reused
    first = out.read_bytes(), _body(res.clusters)
    # a damaged edge file is not trusted: the stage runs again, with the same result
    data = bytearray((work / "edges.bin").read_bytes())
    data[8] ^= 1
    (work / "edges.bin").write_bytes(bytes(data))
    res = dedup_files([src], out, max_memory="600K", work_dir=work, batch_size=64, overwrite=True)
    assert (out.read_bytes(), _body(res.clusters)) == first
    # a work directory of another run is refused, naming what differs
    with pytest.raises(ValueError, match=r"belongs to another run \(.*threshold: 0\.8 there, 0\.9 here"):
        dedup_files([src], tmp_path / "x.jsonl", threshold=0.9, max_memory="600K", work_dir=work)
    with pytest.raises(ValueError, match="not a seenit dedup work directory"):
        dedup_files([src], tmp_path / "x.jsonl", max_memory="600K", work_dir=tmp_path)


def test_rethreshold_is_the_components_of_the_stored_edges(tmp_path, corpus):
    docs = corpus.docs[:800]
    src = _write_corpus(tmp_path, docs)
    res = dedup_files([src], tmp_path / "k.jsonl", threshold=0.7, num_perm=64, max_memory="700K", batch_size=100,
                      work_dir=tmp_path / "w")
    want = seenit.near_duplicates(docs, threshold=0.7, num_perm=64)
    for t in (0.7, 0.85, 0.95):
        r = rethreshold(res.work_dir, t, tmp_path / f"r{t}.jsonl")
        c = read_clusters(tmp_path / f"r{t}.jsonl")
        lab = ref.connected_labels(len(docs), want.pairs[want.similarity >= t].tolist())
        np.testing.assert_array_equal(c.labels(), lab)
        assert r.n_removed == int(np.count_nonzero(lab != np.arange(len(docs))))
        assert c.summary["settings"]["threshold"] == t and "kept" not in {f["role"] for f in c.summary["files"].values()}
    assert _body(tmp_path / "r0.7.clusters.jsonl") == _body(res.clusters)
    with pytest.raises(ValueError, match="below the run's threshold 0.7"):
        rethreshold(res.work_dir, 0.6, tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match="not a seenit dedup work directory"):
        rethreshold(tmp_path, 0.9, tmp_path / "x.jsonl")
    with pytest.raises(ValueError, match="already exists"):
        rethreshold(res.work_dir, 0.85, tmp_path / "r0.85.jsonl")


def test_read_clusters_refuses_a_set_its_summary_does_not_describe(tmp_path):
    src = _write_corpus(tmp_path, ["a b c d e f g h", "a b c d e f g h", "z y x w v u t s"])
    dedup_files([src], tmp_path / "k.jsonl")
    c = read_clusters(tmp_path / "k.jsonl")
    assert c.ids.tolist() == [0, 1] and c.cluster.tolist() == [0, 0] and c.removed.tolist() == [1]
    p = DedupPaths.beside(tmp_path / "k.jsonl")
    p.removed.write_text(p.removed.read_text() + "2\n")
    with pytest.raises(ValueError, match="does not describe"):
        read_clusters(tmp_path / "k.jsonl")
    s = json.loads(p.summary.read_text())
    s["version"] = 99
    p.summary.write_text(json.dumps(s))
    with pytest.raises(ValueError, match="version 99"):
        read_clusters(tmp_path / "k.jsonl")


def test_cli_dry_run_and_budget_errors(tmp_path, corpus):
    from typer.testing import CliRunner

    from seenit.cli import app

    runner = CliRunner()
    src = _write_corpus(tmp_path, corpus.docs)
    res = runner.invoke(app, ["dedup", "minhash", str(src), "-o", str(tmp_path / "k.jsonl"), "--max-memory", "600K",
                              "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "1,500 documents" in res.output and "scratch: band runs" in res.output and "out of core" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
    res = runner.invoke(app, ["dedup", "minhash", str(src), "-o", str(tmp_path / "k.jsonl"), "--max-memory", "1K"])
    assert res.exit_code == 1 and "error: --max-memory=1.0 KiB is too small" in res.output
    assert "Traceback" not in res.output and sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
    res = runner.invoke(app, ["dedup", "rethreshold", str(tmp_path), "--threshold", "0.9", "-o", str(tmp_path / "r.jsonl")])
    assert res.exit_code == 1 and "error: work_dir" in res.output and "Traceback" not in res.output


# ---------------------------------------------------------------- LSH-Bloom

@settings(max_examples=60, deadline=None)
@given(sig=signatures(max_n=60), data=st.data())
def test_bloom_flags_match_the_reference(sig, data):
    from seenit.sketch.bloom import BloomDedup

    bands, rows = _banding(sig, data)
    want = ref.band_seen_duplicates(sig, bands, rows)
    bloom = BloomDedup(bands, rows, expected=max(1, sig.shape[0]), fp_rate=1e-12)
    cut = data.draw(st.integers(0, sig.shape[0]))
    got = np.concatenate([bloom.process(sig[:cut]), bloom.process(sig[cut:])])  # blocks continue one pass
    np.testing.assert_array_equal(got, want)  # no false negatives ever; at 1e-12 no false positive either


def test_bloom_false_positives_follow_the_rate():
    from seenit.sketch.bloom import BloomDedup

    sig = np.random.default_rng(1).integers(0, 2**32, size=(20000, 16), dtype=np.uint32)  # no two alike
    for rate in (0.01, 0.1):
        dup = BloomDedup(4, 4, expected=20000, fp_rate=rate).process(sig)
        # a row is flagged when any of 4 filters answers falsely; at most ~4x the rate, filling up as it goes
        assert 0 < dup.mean() < 4 * rate
    with pytest.raises(ValueError, match="fp_rate"):
        BloomDedup(4, 4, expected=10, fp_rate=1.0)
    with pytest.raises(ValueError, match="expected"):
        BloomDedup(4, 4, expected=0)
    with pytest.raises(ValueError, match="too large"):
        _core.LSHBloom(4, 4, 10**18, 1e-12)
    with pytest.raises(ValueError, match="bands \\* rows"):
        BloomDedup(4, 4, expected=10).process(sig[:, :8])


def test_bloom_files_remove_a_superset_of_the_exact_removals(tmp_path, corpus):
    src = _write_corpus(tmp_path, corpus.docs)
    exact = dedup_files([src], tmp_path / "e.jsonl", threshold=0.7, num_perm=64)
    bloom = dedup_files([src], tmp_path / "b.jsonl", threshold=0.7, num_perm=64, method="bloom", fp_rate=1e-9)
    assert bloom.mode == "bloom" and bloom.n_clusters is None
    e, b = (set(map(int, _body(p))) for p in (exact.removed, bloom.removed))
    # a removed document shares a band with an earlier one, except in chains that reach back only
    # through later documents (0 ~ 2 ~ 1 removes 1 in clusters, not in LSH-Bloom): rare
    assert len(e - b) <= 0.01 * len(e)
    # bloom with verify="none"-like candidates: exactly the rows the reference flags
    sig = seenit.minhash(corpus.docs, num_perm=64)
    assert sorted(b) == np.flatnonzero(ref.band_seen_duplicates(sig, exact.bands, exact.rows)).tolist()
    assert len(_body(bloom.clusters, 1)) == 0 and json.loads(bloom.summary.read_text())["clusters"] is None
    kept = [json.loads(x)["n"] for x in (tmp_path / "b.jsonl").read_text().splitlines()]
    assert kept == sorted(set(range(len(corpus.docs))) - b)
    with pytest.raises(ValueError, match="method must be"):
        dedup_files([src], tmp_path / "x.jsonl", method="minhash")
    with pytest.raises(ValueError, match="runs on the local engine without max_memory"):
        dedup_files([src], tmp_path / "x.jsonl", method="bloom", max_memory="1G")


_FULL_DISK = """
import resource, sys
import numpy as np
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))  # a disk that fills up
if sys.argv[1] == "core":
    from seenit import _core
    sig = np.random.default_rng(0).integers(0, 9, size=(5000, 16)).astype(np.uint32)
    try:
        _core.dedup_write_band_run(sig, 0, 4, 4, sys.argv[3])
    except OSError as e:
        print("OSError:", e)
else:
    from seenit.sketch.files import dedup_files
    try:
        dedup_files([sys.argv[3]], sys.argv[4], max_memory="600K", work_dir=sys.argv[5], batch_size=64)
    except OSError as e:
        print("OSError:", e)
"""


def test_a_full_disk_is_an_oserror_and_leaves_nothing_trusted(tmp_path, corpus):
    # RLIMIT_FSIZE makes writes past the limit fail with EFBIG (Python ignores SIGXFSZ), as a full disk would
    run = tmp_path / "run.bin"
    r = subprocess.run([sys.executable, "-c", _FULL_DISK, "core", "100000", str(run)], capture_output=True, text=True,
                       timeout=120)
    assert f"OSError: cannot write {run}.tmp" in r.stdout, r.stdout + r.stderr
    assert not run.exists() and not list(tmp_path.glob("*.tmp"))
    src = _write_corpus(tmp_path, corpus.docs[:600])
    out, work = tmp_path / "k.jsonl", tmp_path / "work"
    r = subprocess.run([sys.executable, "-c", _FULL_DISK, "files", "200000", str(src), str(out), str(work)],
                       capture_output=True, text=True, timeout=300)
    assert "OSError:" in r.stdout, r.stdout + r.stderr
    assert not out.exists() and json.loads((work / "work.json").read_text())["stages"] == {}
    # with room again the same directory finishes, with the in-memory result
    res = dedup_files([src], out, max_memory="600K", work_dir=work, batch_size=64)
    want = dedup_files([src], tmp_path / "m.jsonl", batch_size=64)
    assert out.read_bytes() == (tmp_path / "m.jsonl").read_bytes() and _body(res.clusters) == _body(want.clusters)


@pytest.mark.slow
def test_real_pile_out_of_core_equals_in_memory(shared_data, tmp_path):
    pile = shared_data / "mimir_pile_nonmembers"
    files = sorted(pile.glob("*.jsonl.gz"))
    if len(files) < 5:
        pytest.skip("the Pile slice is not in shared data")
    # word 2-grams at 0.3 and max_bucket 20: dm_mathematics' templated problems make big buckets (center rounds)
    kw = dict(field="original", threshold=0.3, ngram=2, num_perm=128, max_bucket=20, batch_size=256)
    mem = dedup_files(files, tmp_path / "mem.jsonl", **kw)
    oc = dedup_files(files, tmp_path / "ooc.jsonl", max_memory=ooc.minimum_budget(128, mem.bands, 4),
                     work_dir=tmp_path / "w", **kw)
    assert mem.n_docs > 10_000 and mem.n_removed > 100 and oc.mode == "out-of-core"
    assert (tmp_path / "mem.jsonl").read_bytes() == (tmp_path / "ooc.jsonl").read_bytes()
    assert _body(mem.clusters) == _body(oc.clusters) and _body(mem.removed) == _body(oc.removed)
    runs = json.loads((tmp_path / "w" / "work.json").read_text())["stages"]["signatures"]["meta"]["runs"]
    assert runs > 20  # many runs, merged in several generations


def test_files_params_fix_the_banding(tmp_path, corpus):
    src = _write_corpus(tmp_path, corpus.docs[:300])
    res = dedup_files([src], tmp_path / "k.jsonl", num_perm=112, params=(14, 8), verify="none")
    s = json.loads(res.summary.read_text())["settings"]
    assert (res.bands, res.rows, s["bands"], s["rows"]) == (14, 8, 14, 8)
    want = seenit.near_duplicates(corpus.docs[:300], num_perm=112, params=(14, 8), verify="none")
    assert res.n_removed == want.n_removed
    with pytest.raises(ValueError, match=r"params \(bands=15, rows=8\) need"):
        dedup_files([src], tmp_path / "x.jsonl", num_perm=112, params=(15, 8))
    with pytest.raises(TypeError, match="params must be a pair"):
        dedup_files([src], tmp_path / "x.jsonl", params=7)


@pytest.mark.filterwarnings("ignore::seenit.io.EmptyTextWarning")  # the all-empty input warns, as it should
@pytest.mark.parametrize("docs", [[], ["", ""], ["one two three four five six"]])
def test_empty_and_tiny_inputs_in_every_mode(tmp_path, docs):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": d}) + "\n" for d in docs))
    for name, kw in (("m", {}), ("o", {"max_memory": "600K", "work_dir": tmp_path / "w"}), ("b", {"method": "bloom"})):
        res = dedup_files([src], tmp_path / f"{name}.jsonl", **kw)
        assert res.n_docs == len(docs) and res.n_removed == 0
        c = read_clusters(tmp_path / f"{name}.jsonl")
        assert c.ids.size == 0 and c.removed.size == 0 and c.summary["documents"] == len(docs)
