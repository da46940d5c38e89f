"""A small generated corpus with benchmark items planted in it, and the report.json a scan
of it gives. Other tests (the HTML report, the Ray engine) import these:

    from _scan_fixtures import write_scan_fixture, sample_report
    fx = write_scan_fixture(tmp_path)            # files + what was planted where
    report = sample_report(tmp_path)             # dict, report.json schema v1 (ngram, minhash, embed)
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seenit.demo import vocabulary


@dataclass(frozen=True)
class ScanFixture:
    corpus: Path                       # JSONL, field "text"
    benchmarks: dict[str, tuple[Path, str]]   # name -> (file, field)
    #: (benchmark, item index) -> (corpus doc id, how it was planted)
    planted: dict[tuple[str, int], tuple[int, str]]
    clean: dict[str, list[int]]        # items planted nowhere


def _words(rng: np.random.Generator, vocab: list[str], n: int) -> list[str]:
    return [vocab[i] for i in rng.integers(0, len(vocab), n)]


def write_scan_fixture(directory: str | Path, seed: int = 0, n_docs: int = 60) -> ScanFixture:
    """Write corpus.jsonl (``n_docs`` documents of generated words), alpha.jsonl (6 items,
    field ``question``) and beta.csv (4 items, column ``prompt``) into ``directory``.

    Planted: alpha 0 verbatim (inside doc 10, with surrounding text), alpha 1 with two
    words changed (doc 20), alpha 2 only its first half (doc 30), beta 0 verbatim and
    re-cased / re-spaced (doc 40); every other item is clean.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    vocab = vocabulary(3000, seed=seed)
    docs = [" ".join(_words(rng, vocab, 80)) for _ in range(n_docs)]
    alpha = [" ".join(_words(rng, vocab, 30)).capitalize() + "?" for _ in range(6)]
    beta = [" ".join(_words(rng, vocab, 25)) for _ in range(4)]
    docs[10] = docs[10][:200] + " " + alpha[0] + " " + docs[10][200:]
    edited = alpha[1].split()
    edited[7], edited[19] = "zzzq", "qqqz"
    docs[20] = "Intro. " + " ".join(edited)
    half = alpha[2].split()
    docs[30] = " ".join(half[:15]) + " " + docs[30]
    docs[40] = "Problem:\n" + beta[0].upper().replace(" ", "  ") + "\nthe end"
    corpus = d / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(docs)), encoding="utf-8")
    a = d / "alpha.jsonl"
    a.write_text("".join(json.dumps({"question": q, "answer": "42"}) + "\n" for q in alpha), encoding="utf-8")
    b = d / "beta.csv"
    with open(b, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["task_id", "prompt"])
        for i, p in enumerate(beta):
            w.writerow([i, p])
    planted = {("alpha", 0): (10, "verbatim"), ("alpha", 1): (20, "edited"), ("alpha", 2): (30, "half"),
               ("beta", 0): (40, "verbatim")}
    return ScanFixture(corpus, {"alpha": (a, "question"), "beta": (b, "prompt")}, planted,
                       {"alpha": [3, 4, 5], "beta": [1, 2, 3]})


def sample_report(directory: str | Path, methods: tuple[str, ...] = ("ngram", "minhash", "embed")) -> dict[str, Any]:
    """Scan the fixture (in ``directory``/fixture, run dir ``directory``/run) and return report.json as a dict."""
    import seenit

    fx = write_scan_fixture(Path(directory) / "fixture")
    rep = seenit.scan(fx.corpus, fx.benchmarks, methods=methods, embed="hashed" if "embed" in methods else None,
                      out=Path(directory) / "run", html=False)
    return rep.to_dict()


def assert_engine_matches_local(engine: Any, directory: str | Path) -> None:
    """Check an Engine (e.g. seenit.distributed.RayEngine()) against LocalEngine on the fixture:
    the same index contents, the same MinHash matches and the same embedding neighbours."""
    from seenit.search.embed import hashed_embedder
    from seenit.io import read_texts
    from seenit.scan.engine import IndexOptions, MinHashOptions
    from seenit.scan.local import LocalEngine

    d = Path(directory)
    fx = write_scan_fixture(d / "fixture")
    items = read_texts(fx.benchmarks["alpha"][0], field="question") + read_texts(fx.benchmarks["beta"][0], field="prompt")
    local = LocalEngine()
    opts = IndexOptions(shard_tokens=4000)
    a = engine.build_index([fx.corpus], d / "idx_engine", opts, progress=False)
    b = local.build_index([fx.corpus], d / "idx_local", opts, progress=False)
    assert a.n_docs == b.n_docs and a.n_tokens == b.n_tokens
    for i in range(b.n_docs):
        np.testing.assert_array_equal(a.document_tokens(i), b.document_tokens(i))
    queries = [t[:60] for t in items] + ["the", "zzzq"]
    np.testing.assert_array_equal(a.count_many(queries), b.count_many(queries))
    mo = MinHashOptions(threshold=0.3)
    ma, mb = (pass_minhash(e, [fx.corpus], items, mo) for e in (engine, local))
    np.testing.assert_array_equal(ma[0], mb[0])
    np.testing.assert_array_equal(ma[1], mb[1])
    emb = hashed_embedder(64)
    q = emb(items)
    na, nb = (pass_embed(e, [fx.corpus], "text", q, emb, 3) for e in (engine, local))
    np.testing.assert_array_equal(na[0], nb[0])
    np.testing.assert_allclose(na[1], nb[1], rtol=1e-6, atol=1e-6)


def pass_minhash(engine: Any, corpus: list[Any], items: list[str], options: Any, field: str = "text") -> tuple[np.ndarray, np.ndarray]:
    """Each item's best corpus document and estimated Jaccard, from an engine's pass with MinHash alone."""
    from seenit.scan.blocks import BlockMatcher
    from seenit.scan.corpus_pass import CorpusPass

    cp, _ = engine.run_pass(corpus, field, False, lambda: CorpusPass(minhash=BlockMatcher.for_items(items, options)),
                            key={"test": "minhash"}, progress=False)
    return cp.minhash.best_doc, cp.minhash.best_sim


def pass_embed(engine: Any, corpus: list[Any], field: str, q: np.ndarray, embed: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each item's top-k (ids, scores), from an engine's pass with embeddings alone (k capped at the corpus size)."""
    from seenit.scan.corpus_pass import CorpusPass, EmbedFold

    cp, _ = engine.run_pass(corpus, field, False, lambda: CorpusPass(embed=EmbedFold(q, embed, k)),
                            key={"test": "embed"}, progress=False)
    kk = min(k, cp.n_docs)
    return cp.embed.ids[:, :kk], cp.embed.scores[:, :kk]
