"""Targets: the corpus scan (seenit.scan) over small decoded corpora and benchmarks."""

from __future__ import annotations

import json

import seenit

from . import call, check, target
from .decode import Decoder


@target("scan", area="scan", covers=["seenit.scan"])
def fuzz_scan(d: Decoder) -> None:
    """scan of a small JSONL/.txt corpus (bad lines, empty documents) against decoded benchmarks,
    ngram and/or minhash methods, into a fresh or reused run directory."""
    wd = d.workdir()
    corpus = wd / d.pick(("corpus.jsonl", "corpus.txt"))
    docs = d.texts(6, 40, min_n=0)
    with open(corpus, "w", encoding="utf-8", errors="surrogatepass") as f:
        for t in docs:
            if corpus.suffix == ".txt":
                f.write(t.replace("\n", " ").replace("\r", " ") + "\n")
            elif d.chance(5):
                f.write("{not json\n")
            else:
                f.write(json.dumps({"text": t} if d.chance(95) else {"other": t}) + "\n")
    bench_file = wd / "bench.jsonl"
    items = d.texts(4, 40, min_n=0)
    bench_file.write_text("".join(json.dumps({"question": t}) + "\n" for t in items), encoding="utf-8",
                          errors="surrogatepass")
    benchmarks = {"b": (str(bench_file), "question")} if d.chance(85) else d.maybe_weird({"b": str(bench_file)}, 50)
    methods = d.pick(("ngram", "minhash", "ngram,minhash", ["ngram"], "embed", "nope"))
    kw = dict(n=d.small_int(1, 8), num_perm=d.small_int(1, 32), shingle=d.small_int(1, 5),
              minhash_threshold=d.float(0, 1, wild=10), minhash_partial_at=d.float(0, 1, wild=10),
              skip_bad_lines=d.bool(), max_docs=d.small_int(1, 3), html=False, progress=False)
    out = wd / "run" if d.bool() else None
    r = call(seenit.scan, str(corpus), benchmarks, methods=methods, out=out, allowed=(FileNotFoundError,), **kw)
    check(r is not None, "scan returned None")
