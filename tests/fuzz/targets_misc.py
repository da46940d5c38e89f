"""Targets: the corpus scan (seenit.scan) over small decoded corpora and benchmarks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import seenit

from . import call, check, target
from .decode import Decoder


@target("scan", area="scan", covers=["seenit.scan"])
def fuzz_scan(d: Decoder) -> None:
    """scan of a small JSONL/.txt corpus (bad lines, empty documents; as a file, a memory:// URL or a
    pyarrow table) against decoded benchmarks, ngram and/or minhash methods, into a fresh or reused
    run directory, sometimes written back (annotate / purify, good and bad paths and limits)."""
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
    answers = d.texts(len(items), 40, min_n=len(items))
    bench_file.write_text("".join(json.dumps({"question": t, **({"answer": a} if d.chance(90) else {})}) + "\n"
                                  for t, a in zip(items, answers)), encoding="utf-8", errors="surrogatepass")
    fields = d.pick(("question", "question", "question,answer", "answer,question", "question,,answer"))
    benchmarks = {"b": (str(bench_file), fields)} if d.chance(85) else d.maybe_weird({"b": str(bench_file)}, 50)
    methods = d.pick(("ngram", "minhash", "ngram,minhash", ["ngram"], "embed", "nope"))
    kw = dict(n=d.small_int(1, 8), num_perm=d.small_int(1, 32), shingle=d.small_int(1, 5),
              minhash_threshold=d.float(0, 1, wild=10), minhash_partial_at=d.float(0, 1, wild=10),
              skip_bad_lines=d.bool(), max_docs=d.small_int(1, 3), html=False, progress=False)
    out = wd / "run" if d.bool() else None
    source = _corpus_form(d, corpus, docs)
    if d.chance(30):  # the corpus written back: good paths, an input, a wrong ending, odd limits
        kw["purify"] = d.maybe_weird(wd / d.pick(("p.jsonl", "p.jsonl.gz", "p.txt", "corpus.jsonl", "bench.jsonl")), 10)
        kw["annotate"] = d.pick((None, wd / "a.jsonl", kw["purify"]))
        kw.update(purify_margin=d.small_int(0, 300), purify_min_chars=d.small_int(0, 300),
                  purify_max_pieces=d.small_int(0, 12))
    r = call(seenit.scan, source, benchmarks, methods=methods, out=out, allowed=(FileNotFoundError,), **kw)
    check(r is not None, "scan returned None")
    if r is not None and kw.get("purify") is not None and (wd / "p.jsonl").exists():
        block = r.to_dict().get("purify")
        check(block is not None and block["n_documents"] == block["unchanged"] + block["cut"] + block["dropped"],
              f"purify counts do not add up: {block}")


def _corpus_form(d: Decoder, corpus: Path, docs: list[str]) -> Any:
    """The corpus as its file, as the same file behind a memory:// URL, or as a pyarrow table
    of its texts (a weird column or type now and then) when those are installed."""
    form = d.pick(("file", "file", "url", "table"))
    try:
        if form == "url":
            import fsspec

            fsspec.filesystem("memory").pipe(f"/fuzz/{corpus.name}", corpus.read_bytes())
            return f"memory://fuzz/{corpus.name}"
        if form == "table":
            import pyarrow as pa

            values: Any = docs if d.chance(80) else [len(t) for t in docs]
            return pa.table({d.pick(("text", "text", "body")): values})
    except (ImportError, UnicodeError, ValueError):  # not installed, or a lone surrogate Arrow refuses
        pass
    return str(corpus)


@target("scan_shard", area="scan", covers=["seenit.scan_shard", "seenit.merge_scan_shards"])
def fuzz_scan_shard(d: Decoder) -> None:
    """scan_shard of a corpus of 1-3 files with decoded shard specs, then merge_scan_shards of
    some of the shard directories (missing, repeated, damaged): the merge equals the unsharded scan."""
    wd = d.workdir()
    files = []
    for k in range(d.int(1, 3)):
        p = wd / f"part{k}.jsonl"
        p.write_text("".join(json.dumps({"text": t}) + "\n" for t in d.texts(4, 40, min_n=1)), encoding="utf-8",
                     errors="surrogatepass")
        files.append(str(p))
    bench_file = wd / "bench.jsonl"
    bench_file.write_text("".join(json.dumps({"question": t}) + "\n" for t in d.texts(3, 40, min_n=1)),
                          encoding="utf-8", errors="surrogatepass")
    benchmarks = {"b": (str(bench_file), "question")}
    kw = dict(methods=d.pick(("ngram", "minhash", "ngram,minhash")), n=d.small_int(1, 14), html=False)
    n = d.pick((1, 2, 3, len(files), d.small_int(0, 4)))
    dirs = []
    for i in range(max(n, 1) if isinstance(n, int) and 0 < n <= 4 else 1):
        spec = f"{i}/{n}" if d.chance(90) else d.pick(("x", "3/2", (i, n), "-1/2", f"{i}/{n}/1"))
        dirs.append(wd / f"s{i}")
        call(seenit.scan_shard, files, benchmarks, spec, out=dirs[-1], **kw)  # raises Rejected on a refusal
    pick = dirs if d.chance(80) else [d.pick(dirs) for _ in range(d.int(1, 4))]
    if d.chance(5):
        (pick[0] / "shard-state.npz").write_bytes(b"junk")
    got = call(seenit.merge_scan_shards, pick, out=wd / "merged", html=False, allowed=(FileNotFoundError,))
    want = seenit.scan(files, benchmarks, **kw)
    check(got.to_dict()["benchmarks"] == want.to_dict()["benchmarks"], "merged shards != unsharded scan")


@target("compare_scans", area="scan", covers=["seenit.compare_scans"])
def fuzz_compare_scans(d: Decoder) -> None:
    """compare_scans of decoded report dicts (items reordered, verdicts changed, fields missing or of
    the wrong type, duplicate benchmarks) and of paths to good, bad and missing report files: a
    comparison or ValueError/TypeError/FileNotFoundError, and a report compares equal to itself."""
    def report() -> Any:
        benches = []
        for k in range(d.int(0, 3)):
            items = [{"text": d.pick(("a", "b", "c", d.text(8))), "verdict": d.choice(("clean", "partial", "contaminated")),
                      "index": d.maybe_weird(i)} for i in range(d.int(0, 5))]
            benches.append(d.maybe_weird({"name": d.maybe_weird(d.pick(("x", "y", f"b{k}"))), "items": items}))
        return d.maybe_weird({"benchmarks": benches})

    a, b = report(), report()
    if d.chance(20):
        p = d.workdir() / "report.json"
        p.write_bytes(d.bytes(d.int(0, 40)) if d.bool() else json.dumps(a, default=str).encode())
        a = d.pick((p, p.parent, p.parent / "missing"))
    r = call(seenit.compare_scans, a, b, allowed=(FileNotFoundError,))
    if r is not None:
        check(all(len(x["newly_flagged"]) + len(x["cleared"]) + len(x["changed"]) <= min(x["items_a"], x["items_b"])
                  for x in r["benchmarks"]), "more changes than items")
        same = call(seenit.compare_scans, b, b, allowed=(FileNotFoundError,))
        check(same is not None and all(not x["newly_flagged"] and not x["cleared"] and not x["changed"]
                                       for x in same["benchmarks"]), "a report differs from itself")
