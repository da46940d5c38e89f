"""seenit scan / seenit.scan: evidence per method, the report schema, resume, bad input, the CLI."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from _scan_fixtures import pass_embed, pass_minhash, sample_report, write_scan_fixture
from typer.testing import CliRunner

import seenit
from seenit.cli import app
from seenit.ngram.index import NgramIndex
from seenit.scan import local as local_mod
from seenit.scan import blocks as blocks_mod
from seenit.scan import methods as methods_mod
from seenit.scan.config import parse_bench_spec
from seenit.scan.engine import IndexOptions, MinHashOptions
from seenit.sketch.minhash import MinHashSpec
from seenit.scan.blocks import merge_topk
from seenit.scan.local import LocalEngine
from seenit.scan.methods import offset_map, to_chars
from seenit.tokenize import Normalisation

NORM = Normalisation(lowercase=True, collapse_whitespace=True)


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower())


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return sample_report(tmp_path_factory.mktemp("scan"))


# ------------------------------------------------------------------ the report


def test_report_finds_what_was_planted_and_nothing_else(report: dict, tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)  # deterministic: the same files the report scanned
    by = {b["name"]: b for b in report["benchmarks"]}
    assert [b["name"] for b in report["benchmarks"]] == ["alpha", "beta"]
    for (name, i), (doc, how) in fx.planted.items():
        it = by[name]["items"][i]
        assert it["verdict"] != "clean", (name, i, how)
        if how == "verbatim":
            assert it["verdict"] == "contaminated"
            assert it["evidence"]["ngram"]["verdict"] == "contaminated"
            assert it["evidence"]["ngram"]["match"]["doc_id"] == doc
        if how == "half":  # half of the item's words: n-gram coverage 0.5 -> partial
            assert it["evidence"]["ngram"]["verdict"] == "partial"
            assert it["evidence"]["ngram"]["covered_fraction"] == pytest.approx(0.5)
        if how == "edited":  # two words changed in 30: no 13-gram survives; most 8-grams do (the near-copy
            # rule: partial, pointing at the document), and MinHash sees it too
            ng = it["evidence"]["ngram"]
            assert ng["n_present"] == 0 and ng["verdict"] == "partial" and ng["near"]["covered_fraction"] >= 0.5
            assert ng["match"]["doc_id"] == doc and ng["near"]["n"] == 8
            assert it["evidence"]["minhash"]["doc_id"] == doc and it["evidence"]["minhash"]["verdict"] != "clean"
    for name, idxs in fx.clean.items():
        for i in idxs:
            it = by[name]["items"][i]
            assert it["verdict"] == "clean" and it["flagged_by"] == []


def test_report_follows_the_schema(report: dict) -> None:
    assert report["schema_version"] == 1 and report["tool"]["name"] == "seenit"
    assert set(report["settings"]) >= {"methods", "engine", "overall_rule", "ngram", "minhash", "embed"}
    assert report["corpus"]["n_documents"] == 60 and len(report["corpus"]["fingerprint"]) == 64
    for b in report["benchmarks"]:
        s = b["summary"]
        assert s["items"] == b["n_items"] == len(b["items"])
        assert sum(s["overall"].values()) == s["items"]
        for m in report["settings"]["methods"]:
            assert sum(s["by_method"][m].values()) == s["items"]
            assert s["by_method"][m]["contaminated"] == sum(it["evidence"][m]["verdict"] == "contaminated" for it in b["items"])
        for i, it in enumerate(b["items"]):
            assert it["index"] == i and isinstance(it["line"], int) and it["source"] == b["file"]
            ev = it["evidence"]
            assert set(ev) == {"ngram", "minhash", "embed"}
            assert it["flagged_by"] == [m for m in ("ngram", "minhash", "embed") if ev[m]["verdict"] != "clean"]
            vs = [ev[m]["verdict"] for m in ev]
            want = "contaminated" if "contaminated" in vs else "partial" if "partial" in vs else "clean"
            assert it["verdict"] == want
            cited = list(ev["ngram"]["doc_ids"]) + ev["embed"]["doc_ids"]
            cited += [ev["minhash"]["doc_id"]] if ev["minhash"]["doc_id"] is not None else []
            for d in cited:
                assert str(d) in report["documents"]
    json.dumps(report)  # serialisable as is


def test_match_offsets_point_at_the_same_text_on_both_sides(report: dict) -> None:
    n_checked = 0
    for b in report["benchmarks"]:
        for it in b["items"]:
            ng = it["evidence"]["ngram"]
            m = ng["match"]
            if m is None:
                continue
            doc = report["documents"][str(m["doc_id"])]
            dtext = doc["text"]
            off = doc.get("excerpt_start", 0)
            a = _norm(it["text"][m["item_start"] : m["item_end"]])
            d = _norm(dtext[m["doc_start"] - off : m["doc_end"] - off])
            assert a.strip() == d.strip() and len(a.strip()) >= ng["longest_match_chars"] - 1
            for s0, s1 in ng["covered_spans"]:
                assert 0 <= s0 < s1 <= len(it["text"])
            n_checked += 1
    assert n_checked >= 3


def test_offset_map_round_trips_normalised_bytes() -> None:
    text = "Ab  C\tdé  ÉX İy  z"
    starts, src = offset_map(text, NORM)
    normed = NORM(text).encode()
    assert starts[-1] == len(normed) and src.size == len(NORM(text))
    for word in NORM(text).split():
        b0 = normed.index(word.encode())
        c0, c1 = to_chars(starts, src, b0, b0 + len(word.encode()))
        assert _norm(text[c0:c1]) == word


def test_ngram_evidence_equals_seenit_contamination(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    rep = seenit.scan(fx.corpus, {"alpha": fx.benchmarks["alpha"]}, methods="ngram", out=tmp_path / "run",
                      index=tmp_path / "idx", near_n=0)  # the recipe alone, as seenit.contamination applies it
    idx = NgramIndex.open(tmp_path / "idx")
    ref = seenit.contamination(fx.benchmarks["alpha"][0], idx, field="question")
    n_found = 0
    for got, want in zip(rep.items("alpha"), ref.items):
        ng = got["evidence"]["ngram"]
        for k in ("verdict", "value", "ngram_fraction", "covered_fraction", "n_units", "n_ngrams", "n_present"):
            assert ng[k] == getattr(want, k), k
        if want.n_present:  # the scan reports a longest match only when some n-gram occurs
            n_found += 1
            assert (ng["longest_match_tokens"], ng["longest_match_text"]) == (want.longest_match_tokens,
                                                                              want.longest_match_text)
            assert tuple(ng["doc_ids"]) == want.doc_ids
        else:
            assert (ng["longest_match_tokens"], ng["longest_match_text"], ng["doc_ids"]) == (0, "", [])
    assert n_found >= 2


@pytest.mark.parametrize("methods", ["ngram", "ngram,minhash,embed"])
def test_the_stream_and_the_index_path_give_the_same_report(tmp_path: Path, methods: str) -> None:
    fx = write_scan_fixture(tmp_path)
    kw = dict(methods=methods, embed="hashed" if "embed" in methods else None)
    stream = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "stream", **kw).to_dict()
    indexed = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "indexed", index=tmp_path / "idx",
                          shard_bytes=3000, **kw).to_dict()
    assert stream["benchmarks"] == indexed["benchmarks"]
    assert stream["documents"] == indexed["documents"] and stream["corpus"]["n_documents"] == 60
    assert not (tmp_path / "stream" / "index").exists()  # nothing corpus-sized written on the stream path
    # the index is reused as it is by a later scan (even from another run directory)
    again = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "again", index=tmp_path / "idx", shard_bytes=3000,
                        **kw).to_dict()
    assert again["benchmarks"] == stream["benchmarks"]


def test_an_index_built_elsewhere_is_checked_and_used(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    NgramIndex.build(fx.corpus, tmp_path / "mine", lowercase=True, collapse_whitespace=True, strip_punctuation=True,
                     progress=False)
    want = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram").to_dict()["benchmarks"]
    got = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "mine").to_dict()["benchmarks"]
    assert got == want
    assert (tmp_path / "mine" / "manifest.json").is_file()  # a user's index is never rebuilt or removed
    NgramIndex.build(fx.corpus, tmp_path / "cased", progress=False)
    with pytest.raises(ValueError, match="normalisation"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "cased")
    NgramIndex.build(fx.corpus, tmp_path / "kept", lowercase=True, collapse_whitespace=True, progress=False)
    with pytest.raises(ValueError, match="normalisation"):  # punctuation kept: only for --keep-punctuation
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "kept")
    kept = seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "kept", strip_punctuation=False)
    assert kept.settings["ngram"]["strip_punctuation"] is False
    half = [json.loads(line)["text"] for line in fx.corpus.read_text().splitlines()][:30]
    NgramIndex.build(half, tmp_path / "half", lowercase=True, collapse_whitespace=True, strip_punctuation=True,
                     progress=False)
    with pytest.raises(ValueError, match="holds 30 documents but the corpus has 60"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "half", out=tmp_path / "run")
    assert not list((tmp_path / "run" / "results").glob("*.ngram.json*"))  # nothing trusted from the wrong index
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="holds no n-gram index"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram", index=tmp_path / "junk")


# ------------------------------------------------------------------ the engine


def _near_dup_corpus(tmp_path: Path, seed: int = 3) -> tuple[Path, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(400)]
    items = [" ".join(vocab[j] for j in rng.integers(0, 400, 20)) for _ in range(12)]
    docs = []
    for i in range(40):
        if i % 3 == 0:  # a noisy copy of an item (some exact ties: two copies of item 0)
            base = items[(i // 3) % len(items)].split()
            for _ in range(int(rng.integers(0, 5))):
                base[int(rng.integers(0, len(base)))] = vocab[int(rng.integers(0, 400))]
            docs.append(" ".join(base))
        else:
            docs.append(" ".join(vocab[j] for j in rng.integers(0, 400, 25)))
    docs.append(items[0])
    docs.insert(5, items[0])
    p = tmp_path / "c.jsonl"
    p.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs))
    return p, items, docs


@pytest.mark.parametrize("block", [1, 3, 7, 1000])
def test_pass_minhash_equals_near_duplicates_reference_mode(tmp_path: Path, block: int) -> None:
    corpus, items, docs = _near_dup_corpus(tmp_path)
    opts = MinHashOptions(threshold=0.3, spec=MinHashSpec(num_perm=64, ngram=3))
    doc_id, jaccard = pass_minhash(LocalEngine(block_docs=block), [corpus], items, opts)
    want = seenit.near_duplicates(items, reference=docs, threshold=0.3, num_perm=64, ngram=3)
    np.testing.assert_array_equal(doc_id, want.best)
    np.testing.assert_array_equal(jaccard, want.best_similarity)
    assert (doc_id >= 0).sum() >= 4


@pytest.mark.parametrize("block", [1, 4, 1000])
def test_pass_embed_equals_topk_over_the_whole_corpus(tmp_path: Path, block: int) -> None:
    from seenit.search.embed import hashed_embedder

    corpus, items, docs = _near_dup_corpus(tmp_path)
    emb = hashed_embedder(32)
    q = emb(items)
    ids, scores = pass_embed(LocalEngine(block_docs=block), [corpus], "text", q, emb, 4)
    s, i = seenit.topk(q, emb(docs), k=4, metric="cosine")
    np.testing.assert_array_equal(ids, i)
    np.testing.assert_allclose(scores, s, rtol=1e-6, atol=1e-6)


def test_merge_topk_breaks_ties_by_smaller_id() -> None:
    s1, i1 = np.array([[0.9, 0.5]], np.float32), np.array([[7, 3]])
    s2, i2 = np.array([[0.9, 0.5]], np.float32), np.array([[2, 9]])
    s, i = merge_topk(s1, i1, s2, i2, 3)
    assert i.tolist() == [[2, 7, 3]] and s.tolist()[0][:2] == [pytest.approx(0.9)] * 2


def test_index_pieces_form_one_index_equal_to_a_single_build(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    opts = IndexOptions(shard_tokens=3000)
    idx = LocalEngine().build_index([fx.corpus], tmp_path / "idx", opts, progress=False)
    one = NgramIndex.build(fx.corpus, tmp_path / "one", lowercase=True, collapse_whitespace=True, progress=False)
    assert len(idx.shards) > 3 and idx.n_docs == one.n_docs == 60
    qs = ["the", "a b", json.loads(fx.corpus.read_text().splitlines()[33])["text"][50:120]]
    np.testing.assert_array_equal(idx.count_many(qs), one.count_many(qs))
    for q in qs[2:]:
        assert idx.locate(q)[0].tolist() == one.locate(q)[0].tolist() == [33]
    NgramIndex.open(tmp_path / "idx", verify=True)


# ------------------------------------------------------------------ resume


def test_rerun_reuses_everything_and_an_interrupted_index_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = write_scan_fixture(tmp_path)
    builds: list[str] = []
    real_build = NgramIndex.build

    def flaky_build(texts, path, **kw):  # type: ignore[no-untyped-def]
        builds.append(Path(path).name)
        if len(builds) == 3 and not getattr(flaky_build, "done", False):
            flaky_build.done = True  # type: ignore[attr-defined]
            raise KeyboardInterrupt  # the run is killed while building the third piece
        return real_build(texts, path, **kw)

    monkeypatch.setattr(local_mod.NgramIndex, "build", staticmethod(flaky_build))
    args = dict(methods="ngram,minhash", out=tmp_path / "run", shard_bytes=3000, index=tmp_path / "run" / "index")
    with pytest.raises(KeyboardInterrupt):
        seenit.scan(fx.corpus, fx.benchmarks, **args)
    assert not (tmp_path / "run" / "index" / "manifest.json").exists()
    first = list(builds)
    rep = seenit.scan(fx.corpus, fx.benchmarks, **args)
    assert first == ["piece-00000", "piece-00001", "piece-00002"]
    assert builds[3] == "piece-00002"  # pieces 0 and 1 were not rebuilt
    n_builds = len(builds)

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("recomputed a finished piece")

    monkeypatch.setattr(LocalEngine, "build_index", boom)
    monkeypatch.setattr(LocalEngine, "run_pass", boom)
    again = seenit.scan(fx.corpus, fx.benchmarks, **args)
    assert len(builds) == n_builds
    assert again.to_dict()["benchmarks"] == rep.to_dict()["benchmarks"]

    # a corrupted finished result is not trusted: recomputed (here: the minhash pass runs again)
    res = tmp_path / "run" / "results" / "alpha.minhash.json.gz"
    res.write_bytes(gzip.compress(gzip.decompress(res.read_bytes()).replace(b"0.", b"1.", 1), mtime=0))
    with pytest.raises(AssertionError, match="recomputed"):
        seenit.scan(fx.corpus, fx.benchmarks, **args)


def test_changed_threshold_recomputes_only_that_method(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fx = write_scan_fixture(tmp_path)
    seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "run")
    calls = []
    real = LocalEngine.run_pass

    def spy(self, *a, **k):  # type: ignore[no-untyped-def]
        calls.append(a[3]().ngram is None)  # the pass recomputes the minhash evidence only
        return real(self, *a, **k)

    monkeypatch.setattr(LocalEngine, "run_pass", spy)
    monkeypatch.setattr(LocalEngine, "build_index", lambda *a, **k: (_ for _ in ()).throw(AssertionError("rebuilt")))
    rep = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "run", minhash_threshold=0.4)
    assert calls == [True] and rep.settings["minhash"]["threshold"] == 0.4
    assert rep.items("alpha")[1]["evidence"]["minhash"]["verdict"] == "contaminated"  # Jaccard 0.43 >= 0.4


def test_a_run_directory_of_another_corpus_is_refused(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    seenit.scan(fx.corpus, fx.benchmarks, methods="minhash", out=tmp_path / "run")
    other = tmp_path / "other.jsonl"
    shutil.copy(fx.corpus, other)
    with open(other, "a") as fh:
        fh.write(json.dumps({"text": "one more document"}) + "\n")
    with pytest.raises(ValueError, match=r"different run \(differs in: corpus\.(files|fingerprint)"):
        seenit.scan(other, fx.benchmarks, methods="minhash", out=tmp_path / "run")
    rep = seenit.scan(other, fx.benchmarks, methods="minhash", out=tmp_path / "run", overwrite=True)
    assert rep.to_dict()["corpus"]["n_documents"] == 61
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "report.json").write_text("{}")
    with pytest.raises(ValueError, match="without its manifest"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="minhash", out=tmp_path / "foreign")


# ------------------------------------------------------------------ inputs and bad input


def test_reads_every_corpus_format_and_directory(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    texts = [json.loads(line)["text"] for line in fx.corpus.read_text().splitlines()]
    d = tmp_path / "corpus"
    d.mkdir()
    with gzip.open(d / "a.jsonl.gz", "wt") as fh:
        fh.writelines(json.dumps({"text": t}) + "\n" for t in texts[:20])
    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    pq.write_table(pa.table({"text": texts[20:40]}), d / "b.parquet")
    (d / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(
        "".join(json.dumps({"text": t}) + "\n" for t in texts[40:59]).encode()))
    (d / "d.txt").write_text(texts[59].replace("\n", " ") + "\n")
    rep = seenit.scan(d, fx.benchmarks, out=tmp_path / "run")
    assert rep.to_dict()["corpus"]["n_documents"] == 60
    assert rep.items("alpha")[0]["verdict"] == "contaminated"
    assert rep.items("beta")[0]["verdict"] == "contaminated"
    docs = rep.to_dict()["documents"]
    assert docs["10"]["source"].endswith("a.jsonl.gz") and docs["10"]["line"] == 11
    assert docs["40"]["source"].endswith("c.jsonl.zst") and docs["40"]["line"] == 1


def test_bench_spec_parsing(tmp_path: Path) -> None:
    assert parse_bench_spec("g=data/test.jsonl:question").field == "question"
    assert parse_bench_spec("g=data/test.jsonl").field is None
    with pytest.raises(ValueError, match="NAME=FILE"):
        parse_bench_spec("data/test.jsonl")
    with pytest.raises(ValueError, match="benchmark name"):
        parse_bench_spec("a/b=x.jsonl")


def test_bad_input_is_named(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(fx.corpus.read_text() + "{not json\n" + json.dumps({"text": "after"}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:61: malformed JSON"):
        seenit.scan(bad, fx.benchmarks, out=tmp_path / "r1")
    rep = seenit.scan(bad, fx.benchmarks, out=tmp_path / "r2", skip_bad_lines=True)
    c = rep.to_dict()["corpus"]
    assert c["n_documents"] == 61 and c["skipped_lines"] == 1 and "bad.jsonl:61" in c["skipped"][0]
    assert rep.settings["skip_bad_lines"] is True
    with pytest.raises(ValueError, match=r"field 'nope' not found.*") as e:
        seenit.scan(fx.corpus, {"alpha": (fx.benchmarks["alpha"][0], "nope")})
    assert "alpha.jsonl" in str(e.value)
    with pytest.raises(ValueError, match=r"column 'nope' not found"):
        seenit.scan(fx.corpus, {"beta": (fx.benchmarks["beta"][0], "nope")})
    with pytest.raises(ValueError, match="field 'body' not found"):
        seenit.scan(fx.corpus, fx.benchmarks, field="body")
    empty_b = tmp_path / "empty.jsonl"
    empty_b.write_text("\n")
    with pytest.raises(ValueError, match="holds no items"):
        seenit.scan(fx.corpus, {"e": (empty_b, "question")})
    empty_c = tmp_path / "empty_corpus.jsonl"
    empty_c.write_text("")
    with pytest.raises(ValueError, match="corpus holds no documents"):
        seenit.scan(empty_c, fx.benchmarks)
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        seenit.scan(tmp_path / "missing.jsonl", fx.benchmarks)
    with pytest.raises(ValueError, match="unknown method"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="ngram,bloom")
    with pytest.raises(ValueError, match="needs an embedding model"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="embed")
    with pytest.raises(ValueError, match="unique"):
        seenit.scan(fx.corpus, ["a=" + str(fx.benchmarks["alpha"][0]), "a=" + str(fx.benchmarks["alpha"][0])])
    assert not (tmp_path / "r1" / "report.json").exists()
    trunc = tmp_path / "trunc.jsonl.gz"
    trunc.write_bytes(gzip.compress(fx.corpus.read_bytes())[:-200])
    with pytest.raises(ValueError, match=r"trunc\.jsonl\.gz: corrupted or truncated"):
        seenit.scan(trunc, fx.benchmarks, methods="minhash")


def test_benchmark_field_is_found_when_not_named(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    rep = seenit.scan(fx.corpus, [f"alpha={fx.benchmarks['alpha'][0]}", f"beta={fx.benchmarks['beta'][0]}"],
                      methods="minhash")
    assert [(b["name"], b["field"]) for b in rep.to_dict()["benchmarks"]] == [("alpha", "question"), ("beta", "prompt")]
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"body": "x"}) + "\n")
    with pytest.raises(ValueError, match=r"has none of the fields question.*name one: o=.*:FIELD"):
        seenit.scan(fx.corpus, {"o": other}, methods="minhash")


def test_ray_engine_without_ray_says_how_to_install(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("ray") is not None:
        pytest.skip("ray is installed here")
    fx = write_scan_fixture(tmp_path)
    with pytest.raises(ImportError, match=r"seenit\[ray\]"):
        seenit.scan(fx.corpus, fx.benchmarks, engine="ray")


def test_mia_block_has_roc_points(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    rng = np.random.default_rng(0)
    y = np.array([0, 1] * 20)
    s = y + rng.normal(0, 0.7, y.size)
    scores = tmp_path / "scores.jsonl"
    scores.write_text("".join(json.dumps({"doc": i, "n_tokens": 10, "mink_0.2": float(v)}) + "\n" for i, v in enumerate(s)))
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"member": int(v)}) + "\n" for v in y))
    rep = seenit.scan(fx.corpus, fx.benchmarks, methods="minhash", mia_scores=scores, mia_labels=f"{labels}:member")
    mia = rep.to_dict()["mia"]
    assert mia["n_members"] == 20 and mia["n_nonmembers"] == 20
    m = mia["methods"]["mink_0.2"]
    assert m["auroc"] == pytest.approx(seenit.auroc(s, y))
    f, t, _ = seenit.roc_curve(s, y)
    np.testing.assert_allclose(m["fpr"], f, atol=1e-6)
    np.testing.assert_allclose(m["tpr"], t, atol=1e-6)
    with pytest.raises(ValueError, match="label"):
        seenit.scan(fx.corpus, fx.benchmarks, methods="minhash", mia_scores=scores)


# ------------------------------------------------------------------ CLI


def test_cli_scan_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    a, b = fx.benchmarks["alpha"], fx.benchmarks["beta"]
    args = ["scan", "--corpus", str(fx.corpus), "--bench", f"alpha={a[0]}:question", "--bench", f"beta={b[0]}:prompt",
            "--out", str(tmp_path / "run"), "--methods", "ngram,minhash,embed", "--embed", "hashed", "--no-progress"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "alpha" in res.output and "overall %" in res.output and "33.33" in res.output
    assert "Jaccard >= 0.5" in res.output
    rep = json.loads((tmp_path / "run" / "report.json").read_text())
    assert [x["name"] for x in rep["benchmarks"]] == ["alpha", "beta"]
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = CliRunner().invoke(app, ["scan", "--corpus", str(empty), "--bench", f"alpha={a[0]}", "--out", str(tmp_path / "r2")])
    assert res.exit_code == 1 and "no documents" in res.output
    res = CliRunner().invoke(app, ["scan", "--corpus", str(fx.corpus), "--bench", f"alpha={a[0]}:nope", "--out", str(tmp_path / "r3")])
    assert res.exit_code == 1 and "'nope'" in res.output and "alpha.jsonl" in res.output
    # --index: the index path, same table; an index of another corpus is one error line
    res = CliRunner().invoke(app, args[:-1] + ["--index", str(tmp_path / "idx"), "--out", str(tmp_path / "r4")])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r4" / "report.json").read_text())["benchmarks"] == rep["benchmarks"]
    res = CliRunner().invoke(app, ["scan", "--corpus", str(empty.parent / "alpha.jsonl"), "--bench", f"alpha={a[0]}",
                                   "--index", str(tmp_path / "idx"), "--out", str(tmp_path / "r5"), "--field", "question"])
    assert res.exit_code == 1 and res.output.count("error:") == 1 and "Traceback" not in res.output


def test_readme_scan_example_finds_exactly_what_it_planted(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    cmd = ("seenit scan --corpus demo/corpus --bench math=demo/math.jsonl:question "
           "--bench code=demo/code.csv:prompt --out demo/scan")
    assert "python examples/scan_demo.py demo" in readme and cmd in readme
    subprocess.run([sys.executable, str(root / "examples" / "scan_demo.py"), str(tmp_path / "demo")], check=True,
                   capture_output=True, timeout=120)
    args = cmd.replace("demo/", str(tmp_path / "demo") + "/").split()[1:] + ["--no-progress"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    rep = json.loads((tmp_path / "demo" / "scan" / "report.json").read_text())
    flagged = {b["name"]: {it["index"]: it["flagged_by"] for it in b["items"] if it["verdict"] != "clean"}
               for b in rep["benchmarks"]}
    assert flagged == {"math": {0: ["ngram"], 1: ["ngram"], 2: ["ngram"], 3: ["ngram", "minhash"], 4: ["ngram", "minhash"]},
                       "code": {0: ["ngram"]}}


def test_report_html_is_written(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    rep = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "run")
    assert rep.html == tmp_path / "run" / "report.html" and rep.html.is_file()
    assert "alpha" in rep.html.read_text()
    rep = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "run2", html=False)
    assert rep.html is None and not (tmp_path / "run2" / "report.html").exists()


def test_engine_conformance_check_accepts_the_local_engine(tmp_path: Path) -> None:
    from _scan_fixtures import assert_engine_matches_local

    assert_engine_matches_local(LocalEngine(block_docs=7), tmp_path)


@pytest.mark.parametrize("method", ["minhash", "embed"])
def test_an_interrupted_corpus_pass_continues_from_its_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 method: str) -> None:
    fx = write_scan_fixture(tmp_path)
    kw = dict(methods=method, embed="hashed" if method == "embed" else None)
    want = seenit.scan(fx.corpus, fx.benchmarks, engine=LocalEngine(block_docs=10), **kw).to_dict()["benchmarks"]
    target = "minhash" if method == "minhash" else "topk"
    real = getattr(blocks_mod, target)  # the per-block steps both engines share
    calls: list[int] = []

    def flaky(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 4 and not getattr(flaky, "done", False):
            flaky.done = True  # type: ignore[attr-defined]
            raise KeyboardInterrupt  # killed in the corpus pass (minhash: block 2 of 0..5; topk: block 3)
        return real(*a, **k)

    monkeypatch.setattr(blocks_mod, target, flaky)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        seenit.scan(fx.corpus, fx.benchmarks, engine=LocalEngine(block_docs=10, checkpoint_seconds=0), out=out, **kw)
    assert list((out / "partial").glob("pass-*.npz"))
    calls.clear()
    got = seenit.scan(fx.corpus, fx.benchmarks, engine=LocalEngine(block_docs=10, checkpoint_seconds=0), out=out, **kw)
    # only the blocks not finished before: minhash signs the items + blocks 2..5; topk runs blocks 3..5
    assert len(calls) == (5 if method == "minhash" else 3)
    assert got.to_dict()["benchmarks"] == want
    assert not list((out / "partial").glob("*.npz"))


@pytest.mark.slow  # starts a local Ray (tens of seconds)
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::PendingDeprecationWarning", "ignore::FutureWarning",
                            "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_engine_ray_gives_the_local_report(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    fx = write_scan_fixture(tmp_path)
    kw = dict(methods="ngram,minhash,embed", embed="hashed", shard_bytes=4000)
    local = seenit.scan(fx.corpus, fx.benchmarks, out=tmp_path / "local", **kw).to_dict()
    ray = seenit.scan(fx.corpus, fx.benchmarks, engine="ray", out=tmp_path / "ray", **kw).to_dict()
    assert ray["settings"]["engine"] == "ray"
    assert ray["benchmarks"] == local["benchmarks"] and ray["documents"] == local["documents"]
    # the index path on Ray: documents cited before the pass are found by file and position
    indexed = seenit.scan(fx.corpus, fx.benchmarks, engine="ray", out=tmp_path / "ray-idx", index=tmp_path / "idx",
                          **kw).to_dict()
    assert indexed["benchmarks"] == local["benchmarks"] and indexed["documents"] == local["documents"]


@given(text=st.lists(st.sampled_from(list("aB \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u3000\u2028é€😀İΣ.,!?_-'\u00bf") + ["\ud800"]),
                     max_size=30).map("".join) | st.text(max_size=30),
       lowercase=st.booleans(), collapse=st.booleans(), strip=st.booleans())
def test_offset_map_vectorised_equals_the_character_loop(text: str, lowercase: bool, collapse: bool, strip: bool) -> None:
    norm = Normalisation(lowercase=lowercase, collapse_whitespace=collapse, strip_punctuation=strip)
    fast, slow = offset_map(text, norm), methods_mod._offset_map_chars(text, norm)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])


# ------------------------------------------------------------------ shards


def _split_corpus(fx, d: Path, parts: int = 3) -> list[Path]:
    lines = fx.corpus.read_text().splitlines(keepends=True)
    d.mkdir()
    out = []
    for k in range(parts):
        p = d / f"part{k}.jsonl"
        p.write_text("".join(lines[k * len(lines) // parts : (k + 1) * len(lines) // parts]))
        out.append(p)
    return out


def test_shards_merge_to_the_unsharded_report(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    corpus = _split_corpus(fx, tmp_path / "corpus")
    kw = dict(methods="ngram,minhash,embed", embed="hashed")
    want = seenit.scan(corpus, fx.benchmarks, **kw).to_dict()
    dirs = [tmp_path / f"s{i}" for i in range(3)]
    for i in (2, 0, 1):  # any order
        assert seenit.scan_shard(corpus, fx.benchmarks, f"{i}/3", out=dirs[i], **kw) == dirs[i] / "shard.json"
    got = seenit.merge_scan_shards(dirs, out=tmp_path / "merged").to_dict()
    assert got["benchmarks"] == want["benchmarks"] and got["documents"] == want["documents"]
    assert got["corpus"]["n_documents"] == 60 and (tmp_path / "merged" / "report.html").is_file()

    with pytest.raises(ValueError, match="missing 1/3"):
        seenit.merge_scan_shards([dirs[0], dirs[2]], out=tmp_path / "m2")
    with pytest.raises(ValueError, match="given twice 0/3"):
        seenit.merge_scan_shards([dirs[0], dirs[0], dirs[1], dirs[2]], out=tmp_path / "m2")
    seenit.scan_shard(corpus, fx.benchmarks, (1, 3), out=tmp_path / "other", minhash_threshold=0.4, **kw)
    with pytest.raises(ValueError, match="differ in: minhash_threshold"):
        seenit.merge_scan_shards([dirs[0], tmp_path / "other", dirs[2]], out=tmp_path / "m2")
    (dirs[1] / "shard-state.npz").write_bytes(b"damaged")
    with pytest.raises(ValueError, match="damaged"):
        seenit.merge_scan_shards(dirs, out=tmp_path / "m2")
    for bad, err in (("3/3", ValueError), ("1/0", ValueError), ("a/b", ValueError), ((1, 2, 3), TypeError)):
        with pytest.raises(err, match="shard"):
            seenit.scan_shard(corpus, fx.benchmarks, bad, out=tmp_path / "x", **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a shard would have no file"):
        seenit.scan_shard(corpus, fx.benchmarks, "0/4", out=tmp_path / "x", **kw)
    with pytest.raises(ValueError, match="index= and calibrate="):
        seenit.scan_shard(corpus, fx.benchmarks, "0/3", out=tmp_path / "x", index=tmp_path / "i")
    with pytest.raises(TypeError, match="unknown options: nope"):
        seenit.scan_shard(corpus, fx.benchmarks, "0/3", out=tmp_path / "x", nope=1)
    assert not (tmp_path / "x").exists() and not (tmp_path / "m2").exists()


def test_cli_shards_and_merge(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    corpus = _split_corpus(fx, tmp_path / "corpus", 2)
    a = fx.benchmarks["alpha"]
    base = ["scan", "--corpus", str(tmp_path / "corpus"), "--bench", f"alpha={a[0]}:question", "--no-progress"]
    for i in range(2):
        res = CliRunner().invoke(app, base + ["--shard", f"{i}/2", "--out", str(tmp_path / f"s{i}")])
        assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["scan", "merge", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out",
                                   str(tmp_path / "m"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "overall %" in res.output
    want = seenit.scan(corpus, {"alpha": a}).to_dict()["benchmarks"]
    assert json.loads((tmp_path / "m" / "report.json").read_text())["benchmarks"] == want
    res = CliRunner().invoke(app, base + ["--shard", "2/2", "--out", str(tmp_path / "s9")])
    assert res.exit_code == 1 and "out of range" in res.output
    res = CliRunner().invoke(app, ["scan", "--bench", f"alpha={a[0]}", "--out", str(tmp_path / "r")])
    assert res.exit_code == 1 and "--corpus is required" in res.output


def test_strip_punctuation_finds_a_copy_whose_punctuation_changed(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path)
    item = json.loads(fx.benchmarks["alpha"][0].read_text().splitlines()[0])["question"]
    changed = re.sub(r"[.,?]", ";", item).upper()
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": "intro words here. " + changed + " and an outro"}) + "\n"
                      + json.dumps({"text": "nothing to see"}) + "\n")
    bench = {"alpha": fx.benchmarks["alpha"]}
    plain = seenit.scan(corpus, bench, methods="ngram", near_n=0,
                        strip_punctuation=False).items("alpha")[0]["evidence"]["ngram"]
    got = seenit.scan(corpus, bench, methods="ngram")  # strip_punctuation is the default
    ng = got.items("alpha")[0]["evidence"]["ngram"]
    assert ng["covered_fraction"] > plain["covered_fraction"] and ng["verdict"] == "contaminated"
    assert got.settings["ngram"]["strip_punctuation"] is True
    # the index path with the same normalisation: the same evidence
    idx = seenit.scan(corpus, bench, methods="ngram", strip_punctuation=True, index=tmp_path / "idx")
    assert idx.to_dict()["benchmarks"] == got.to_dict()["benchmarks"]


def test_near_copy_rule_ignores_a_benchmarks_templates(tmp_path: Path) -> None:
    # three templated items: one is in the corpus; its siblings share the template's 8-grams with it
    # but are not near-copies of anything. An edited copy of the fourth item still is one.
    template = "write a python function to find the number of ways to {} in the given list of integers"
    items = [template.format(w) for w in ("climb the stairs", "split the array", "paint the fence")]
    items.append("a farmer has seventeen sheep and all but nine run away so how many sheep are left on the farm now")
    bench = tmp_path / "b.jsonl"
    bench.write_text("".join(json.dumps({"question": q}) + "\n" for q in items))
    words = items[3].split()
    words[5] = "walk"  # one word in ten or so replaced: no 13-gram survives across them
    words[19] = "there"
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": "before " + items[0] + " after"}) + "\n"
                      + json.dumps({"text": "intro " + " ".join(words) + " outro"}) + "\n")
    rep = seenit.scan(corpus, {"mbpp": (bench, "question")}, methods="ngram", index=None)
    got = [it["evidence"]["ngram"] for it in rep.items("mbpp")]
    assert got[0]["verdict"] == "contaminated"
    assert [g["verdict"] for g in got[1:3]] == ["clean", "clean"]  # only template n-grams of theirs occur
    assert got[1]["covered_fraction"] == 0 and got[1]["near"]["covered_fraction"] == 0
    assert got[3]["verdict"] == "partial" and got[3]["near"]["covered_fraction"] >= 0.5
    idx = seenit.scan(corpus, {"mbpp": (bench, "question")}, methods="ngram", index=tmp_path / "idx")
    assert idx.to_dict()["benchmarks"] == rep.to_dict()["benchmarks"]
