"""seenit.distributed (Ray) against the local engine: same clusters, same kept documents,
same index answers, same matches and neighbours, whatever the block size or partitioning.

One local Ray with 2 CPUs serves the whole session (the ``ray_local`` fixture); every
test that needs Ray skips cleanly when it is not installed.
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import seenit
from seenit.demo import synthetic_corpus
from seenit.distributed import _ray
from seenit.scan.engine import IndexOptions, MinHashOptions

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scan"))
from _scan_fixtures import pass_embed, pass_minhash  # noqa: E402  (the engines' passes with one method)

# Ray and its dependencies emit deprecation notices of their own while starting.
pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


@pytest.fixture(scope="session")
def ray_local():
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    _ray.init(num_cpus=2)
    # functions defined in this file (the test embedder) travel to the workers by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def _write_jsonl(path: Path, docs: list[str], field: str = "text", gz: bool = False) -> Path:
    data = "".join(json.dumps({field: d, "n": i}) + "\n" for i, d in enumerate(docs)).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """~1,200 documents with planted near-copies, a bucket of 7 exact copies (above
    max_bucket=4, so center rounds run), empty documents, over 4 files of 3 formats."""
    c = synthetic_corpus(1200, words_per_doc=60, dup_fraction=0.2, seed=3)
    docs = list(c.docs)
    docs[10] = docs[11] = ""
    for i in range(100, 700, 100):  # one boilerplate page copied 6 times
        docs[i] = docs[50]
    d = tmp_path_factory.mktemp("planted")
    _write_jsonl(d / "a.jsonl", docs[:300])
    _write_jsonl(d / "b.jsonl.gz", docs[300:650], gz=True)
    _write_jsonl(d / "c.jsonl", docs[650:651])  # a file of one document
    _write_jsonl(d / "d.jsonl", docs[651:])
    return d, docs


def _same_duplicates(got, want):
    np.testing.assert_array_equal(got.labels, want.labels)
    np.testing.assert_array_equal(got.keep, want.keep)
    np.testing.assert_array_equal(got.pairs, want.pairs)
    np.testing.assert_array_equal(got.similarity, want.similarity)
    assert (got.bands, got.rows, got.verify) == (want.bands, want.rows, want.verify)


# ---------------------------------------------------------------- MinHash dedup


def test_near_duplicates_equal_local_across_block_sizes_partitions_and_workers(ray_local, planted):
    from seenit.distributed import near_duplicates

    d, docs = planted
    want = seenit.near_duplicates(docs, threshold=0.8, max_bucket=4)
    assert want.n_removed > 60 and want.cluster_sizes().max() >= 7  # the planted copies are there
    runs = [near_duplicates([d], threshold=0.8, max_bucket=4, block_docs=b, num_partitions=p, max_workers=w)
            for b, p, w in ((37, 3, None), (5000, 1, 1))]
    for got in runs:
        _same_duplicates(got, want)


def test_near_duplicates_verify_none_and_char_shingles(ray_local, planted):
    from seenit.distributed import near_duplicates

    d, docs = planted
    kw = dict(threshold=0.6, num_perm=64, ngram=4, unit="char", verify="none", seed=7)
    _same_duplicates(near_duplicates(sorted(d.glob("*.jsonl*")), block_docs=100, num_partitions=2, **kw),
                     seenit.near_duplicates(docs, **kw))


def test_cli_dedup_ray_writes_what_local_writes(ray_local, planted, tmp_path):
    from typer.testing import CliRunner

    from seenit.cli import app

    d, _ = planted
    runner = CliRunner()
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.jsonl"
        res = runner.invoke(app, ["dedup", "minhash", str(d), "--out", str(out), "--engine", engine, "--batch-size", "200"])
        assert res.exit_code == 0, res.output
        outs[engine] = (out.read_text(), out.with_name(f"{engine}.clusters.jsonl").read_text().splitlines()[1:])
    assert outs["ray"] == outs["local"]
    assert len(outs["ray"][1]) > 60


def test_ray_writes_what_the_out_of_core_mode_writes(ray_local, planted, tmp_path):
    from seenit.sketch.files import dedup_files

    d, _ = planted
    files = sorted(d.glob("*.jsonl*"))
    kw = dict(threshold=0.6, num_perm=64, max_bucket=4, batch_size=100)
    ray_res = dedup_files(files, tmp_path / "ray.jsonl", engine="ray", **kw)
    ooc_res = dedup_files(files, tmp_path / "ooc.jsonl", max_memory="600K", work_dir=tmp_path / "w", **kw)
    assert ooc_res.mode == "out-of-core" and ray_res.n_removed == ooc_res.n_removed > 50
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "ooc.jsonl").read_bytes()
    assert ray_res.clusters.read_text().splitlines()[1:] == ooc_res.clusters.read_text().splitlines()[1:]


def test_bad_input_fails_before_ray_work(tmp_path):
    from seenit.distributed import near_duplicates

    f = _write_jsonl(tmp_path / "a.jsonl", ["x y z"])
    with pytest.raises(ValueError, match="verify"):
        near_duplicates([f], verify="exact")
    with pytest.raises(ValueError, match="block_docs"):
        near_duplicates([f], block_docs=0)
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates([f], threshold=1.5)
    with pytest.raises(ValueError, match="params"):
        near_duplicates([f], num_perm=16, params=(5, 5))
    with pytest.raises(FileNotFoundError, match="nope"):
        near_duplicates([tmp_path / "nope.jsonl"])
    with pytest.raises(ValueError, match="max_workers"):
        near_duplicates([f], max_workers=0)
    with pytest.raises(ValueError, match="num_cpus"):
        _ray.init(num_cpus=0)


def test_missing_ray_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'seenit\[ray\]'"):
        _ray.require_ray()
    from seenit.distributed import RayEngine

    with pytest.raises(ImportError, match=r"seenit\[ray\]"):
        RayEngine()


def test_bad_record_in_a_task_names_file_and_line(ray_local, tmp_path):
    from seenit.distributed import near_duplicates

    f = tmp_path / "bad.jsonl"
    f.write_text('{"text": "fine"}\n{"text": 3}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: field 'text' must be a string"):
        near_duplicates([f], num_partitions=1)
    from seenit.distributed import RayEngine

    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        pass_minhash(RayEngine(), [f], ["x"], MinHashOptions())
    # the CLI turns it into a clean one-line error
    from typer.testing import CliRunner

    from seenit.cli import app

    res = CliRunner().invoke(app, ["dedup", "minhash", str(f), "--out", str(tmp_path / "o.jsonl"), "--engine", "ray"])
    assert res.exit_code == 1 and "bad.jsonl:2" in res.output and not (tmp_path / "o.jsonl").exists()


# ---------------------------------------------------------------- RayEngine


def test_pass_minhash_equals_reference_mode(ray_local, planted):
    from seenit.distributed import RayEngine

    d, docs = planted
    rng = np.random.default_rng(0)
    items = [docs[i] for i in rng.choice(len(docs), 25, replace=False)]
    items[0] = " ".join(items[0].split()[:-3])  # a near copy, not exact
    items += ["nothing in the corpus looks like this sentence at all", ""]
    opts = MinHashOptions(threshold=0.5)
    want = seenit.near_duplicates(items, reference=docs, threshold=0.5, num_perm=128)
    for block in (64, 4096):
        doc_id, jaccard = pass_minhash(RayEngine(block_docs=block), [d], items, opts)
        np.testing.assert_array_equal(doc_id, want.best)
        np.testing.assert_array_equal(jaccard, want.best_similarity)
    assert doc_id[-1] == doc_id[-2] == -1 and (doc_id[:25] >= 0).all()


def _embed(texts):
    """Deterministic bag-of-words embedding (the same in every worker process)."""
    out = np.zeros((len(texts), 24), np.float32)
    for i, t in enumerate(texts):
        for w in t.split():
            out[i, zlib.crc32(w.encode()) % 24] += 1.0
    return out


def test_pass_embed_equals_global_topk(ray_local, planted):
    from seenit.distributed import RayEngine

    d, docs = planted
    items = [docs[3], docs[700], "w1 w2 w3"]
    q = _embed(items)
    want_s, want_i = seenit.topk(q, _embed(docs), k=5, metric="cosine")
    for block in (50, 4096):
        ids, scores = pass_embed(RayEngine(block_docs=block), [d], "text", q, _embed, 5)
        np.testing.assert_array_equal(ids, want_i)
        np.testing.assert_array_equal(scores, want_s)
    small_ids, _ = pass_embed(RayEngine(), [d / "c.jsonl"], "text", q, _embed, 5)
    assert small_ids.shape == (3, 1)  # k capped at the corpus size, as locally


def test_index_pieces_are_local_builds_and_queries_agree(ray_local, planted, tmp_path):
    from seenit.distributed import RayEngine

    d, docs = planted
    opts = IndexOptions(shard_tokens=40_000)
    eng = RayEngine(block_docs=97)
    idx = eng.build_index([d], tmp_path / "idx", opts, progress=False)
    assert idx.n_docs == len(docs) and len(idx.shards) > 4
    # every piece is byte-identical to a local build of its documents
    first = 0
    for s in idx.manifest["shards"]:
        want = seenit.NgramIndex.build(docs[first : first + s["n_docs"]], tmp_path / "one", progress=False,
                                       overwrite=True, lowercase=True, collapse_whitespace=True)
        assert s["doc_offset"] == first
        for part in ("tokens.bin", "sa.bin", "docs.bin"):
            assert (idx.path / s["dir"] / part).read_bytes() == (want.path / part).read_bytes(), (s["dir"], part)
        first += s["n_docs"]
    # and the whole index answers like one local build of the corpus
    local = seenit.NgramIndex.build(docs, tmp_path / "local", progress=False, lowercase=True, collapse_whitespace=True)
    assert idx.n_tokens == local.n_tokens
    qs = [docs[5][:300], docs[900][40:400], docs[650], "not there at all, no", " ".join(docs[50].split()[3:20])]
    for q in qs:
        assert idx.count(q) == local.count(q)
        np.testing.assert_array_equal(np.sort(idx.locate(q)[0]), np.sort(local.locate(q)[0]))
    want = local.overlap_many(qs, n=8)
    for got in (eng.overlap_many(idx, qs, n=8), eng.overlap_many(idx.path, qs, n=8, tasks=1)):
        for g, w in zip(got, want):
            assert (g.fraction, g.n_present) == (w.fraction, w.n_present)
            np.testing.assert_array_equal(g.mask, w.mask)
    # a second call reuses the finished index; a corpus change rebuilds only what changed
    stamp = (idx.path / "manifest.json").stat().st_mtime_ns
    piece = idx.path / idx.manifest["shards"][0]["dir"] / "sa.bin"
    piece_stamp = piece.stat().st_mtime_ns
    assert eng.build_index([d], tmp_path / "idx", opts, progress=False).n_docs == len(docs)
    assert (idx.path / "manifest.json").stat().st_mtime_ns == stamp
    extra = _write_jsonl(d.parent / "extra.jsonl", ["one more document"])
    again = eng.build_index([d, extra], tmp_path / "idx", opts, progress=False)
    assert again.n_docs == len(docs) + 1 and again.count("one more document") == 1
    assert piece.stat().st_mtime_ns == piece_stamp  # unit 0's pieces were not rebuilt
    with pytest.raises(ValueError, match="whitespace"):
        eng.build_index([d], tmp_path / "ws", IndexOptions(tokenizer="whitespace"))


# ---------------------------------------------------------------- real data


@pytest.mark.slow
def test_real_pile_slice_dedup_and_matching(ray_local, shared_data, tmp_path):
    from seenit.distributed import RayEngine, near_duplicates

    pile = shared_data / "mimir_pile_nonmembers"
    files = [pile / "enron_emails_0_test_raw.jsonl.gz", pile / "nih_exporter_0_test_raw.jsonl.gz"]
    if not all(f.is_file() for f in files):
        pytest.skip("the Pile slice is not in shared data")
    docs = [r.text for r in seenit.io.iter_records(files, field="original")]
    # plant GSM8K test questions, two verbatim and one with a word changed
    gsm = [json.loads(x)["question"] for x in (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()[:40]]
    edited = gsm[2].split()
    edited[len(edited) // 2] = "zebra"
    planted = [gsm[0], gsm[1], " ".join(edited)]
    extra = _write_jsonl(tmp_path / "zz-planted.jsonl", planted + docs[:5], field="original")
    corpus = files + [extra]
    all_docs = docs + planted + docs[:5]
    _same_duplicates(near_duplicates(corpus, field="original", threshold=0.7, num_partitions=3),
                     seenit.near_duplicates(all_docs, threshold=0.7))
    doc_id, jaccard = pass_minhash(RayEngine(block_docs=300), corpus, gsm, MinHashOptions(threshold=0.5), field="original")
    want = seenit.near_duplicates(gsm, reference=all_docs, threshold=0.5)
    np.testing.assert_array_equal(doc_id, want.best)
    np.testing.assert_array_equal(jaccard, want.best_similarity)
    assert doc_id[0] == len(docs) and doc_id[1] == len(docs) + 1 and doc_id[2] == len(docs) + 2


# ---------------------------------------------------------------- against LocalEngine


def test_ray_engine_equals_local_engine(ray_local, planted, tmp_path):
    from seenit.distributed import RayEngine
    from seenit.scan.local import LocalEngine

    d, docs = planted
    ray_eng, local_eng = RayEngine(block_docs=128), LocalEngine(block_docs=300)
    items = [docs[1], docs[640], " ".join(docs[900].split()[2:]), "absent text entirely"]
    opts = MinHashOptions(threshold=0.5)
    a, b = (pass_minhash(e, [d], items, opts) for e in (ray_eng, local_eng))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    q = _embed(items)
    a, b = (pass_embed(e, [d], "text", q, _embed, 4) for e in (ray_eng, local_eng))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    # one corpus file: the same pieces as the local engine, byte for byte
    one = d / "a.jsonl"
    opts_i = IndexOptions(shard_tokens=20_000)
    ri = ray_eng.build_index([one], tmp_path / "ray", opts_i, progress=False)
    li = local_eng.build_index([one], tmp_path / "local", opts_i, progress=False)
    strip = lambda s: {k: v for k, v in s.items() if k != "dir"}  # noqa: E731
    assert [strip(s) for s in ri.manifest["shards"]] == [strip(s) for s in li.manifest["shards"]]
    assert ri.manifest["scan_index"] == li.manifest["scan_index"] and len(ri.shards) > 1


def test_scan_with_ray_engine_reports_what_local_reports(ray_local, tmp_path):
    import subprocess

    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, str(root / "examples" / "scan_demo.py"), str(tmp_path / "demo")], check=True,
                   capture_output=True)
    demo = tmp_path / "demo"
    benches = {"math": f"{demo / 'math.jsonl'}:question", "code": f"{demo / 'code.csv'}:prompt"}
    reports = {}
    for eng in ("local", "ray"):
        seenit.scan(demo / "corpus", benches, engine=eng, out=tmp_path / eng, html=False)
        rep = json.loads((tmp_path / eng / "report.json").read_text())
        reports[eng] = {b["name"]: b["items"] for b in rep["benchmarks"]}
        reports[eng]["documents"] = rep["documents"]
    assert reports["ray"] == reports["local"]
    flagged = [i["index"] for i in reports["ray"]["math"] if i["verdict"] != "clean"]
    assert flagged == [0, 1, 2, 3, 4]  # the planted items (examples/scan_demo.py)


def test_init_connects_to_ray_address_else_starts_local(ray_local, monkeypatch):
    calls = []
    monkeypatch.setattr(ray_local, "is_initialized", lambda: False)
    monkeypatch.setattr(ray_local, "init", lambda **kw: calls.append(kw))
    monkeypatch.setenv("RAY_ADDRESS", "ray://head:10001")
    _ray.init(num_cpus=3)
    monkeypatch.delenv("RAY_ADDRESS")
    _ray.init(num_cpus=3)
    _ray.init("10.0.0.1:6379")
    assert [c.get("address") for c in calls] == ["ray://head:10001", None, "10.0.0.1:6379"]
    assert calls[1]["num_cpus"] == 3 and "num_cpus" not in calls[0]
    assert all(c["include_dashboard"] is False for c in calls)
