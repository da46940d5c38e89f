"""Corpus reading and normalisation: CPU seconds on the Pile set (gzip JSONL), one process.

    python bench/io_read.py [--repeats 3] [--out bench/results/io_read.json]

Times (``time.process_time``, medians of ``--repeats``): ``iter_records`` with the plain reader
(``SEENIT_PLAIN_IO=1``: gzip + text stream + json.loads) and with the fast one (isal + blocks +
orjson, when installed); ``Normalisation(lowercase, collapse_whitespace)`` and all three flags,
per document (the regex definition, then ``.encode()``) and through ``encode_block``. Checks
that both readers give the same records and both normalisations the same bytes.
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

import seenit
from seenit.io import iter_records, write_json
from seenit.tokenize import Normalisation, _char_table

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "mimir_pile_nonmembers"


def cpu(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), times, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "io_read.json"))
    args = ap.parse_args()
    files = sorted(glob.glob(str(DATA / "*.jsonl.gz")))
    if not files:
        raise SystemExit(f"{DATA} holds no *.jsonl.gz")
    res: dict = {"host": platform.processor() or platform.machine(), "threads": seenit.get_num_threads(),
                 "load_before": os.getloadavg()}
    try:
        res["cpu_model"] = next(l.split(":", 1)[1].strip() for l in subprocess.run(
            ["lscpu"], capture_output=True, text=True).stdout.splitlines() if l.startswith("Model name"))
    except Exception:
        pass

    def read(plain):
        def go():
            os.environ["SEENIT_PLAIN_IO"] = "1" if plain else "0"
            return [(r.text, r.line) for r in iter_records(files, field="original")]
        return go

    res["read_plain_s"], res["read_plain_runs"], a = cpu(read(True), args.repeats)
    res["read_fast_s"], res["read_fast_runs"], b = cpu(read(False), args.repeats)
    os.environ.pop("SEENIT_PLAIN_IO", None)
    assert a == b, "readers disagree"
    texts = [t for t, _ in a]
    res["docs"], res["text_mb"] = len(texts), sum(len(t.encode()) for t in texts) / 1e6
    t = time.process_time()
    _char_table()
    res["table_build_s"] = time.process_time() - t
    for name, norm in (("lower_collapse", Normalisation(lowercase=True, collapse_whitespace=True)),
                       ("all_three", Normalisation(True, True, True))):
        res[f"{name}_per_doc_s"], _, want = cpu(lambda: b"".join(norm(t).encode("utf-8") for t in texts), args.repeats)
        res[f"{name}_block_s"], _, got = cpu(lambda: norm.encode_block(texts), args.repeats)
        assert got[0].tobytes() == want, name
        res[f"{name}_ratio"] = res[f"{name}_per_doc_s"] / res[f"{name}_block_s"]
    res["read_ratio"] = res["read_plain_s"] / res["read_fast_s"]
    res["load_after"] = os.getloadavg()
    write_json(args.out, res)
    for k, v in res.items():
        print(f"{k}: {v}")


if __name__ == "__main__":
    main()
