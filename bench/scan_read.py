"""Reading the scan's corpus: one JSON field per line, four ways, on the same decompressed bytes.

The MIMIR Pile test split (17 gzipped JSONL files, ``original`` field: 74 MB of text in 192 MB
of JSON) is decompressed once; then, interleaved and repeated, each reader turns it into the
texts' UTF-8 bytes (what the scan's kernels read):

- ``native``: ``_core.jsonl_fields`` (seenit's reader: one buffer, no Python object per line);
- ``orjson``: ``bytes.splitlines`` + ``orjson.loads(line)[field]`` + join and encode;
- ``simdjson``: the same with pysimdjson's parser (skipped when not installed);
- ``pyarrow``: ``pyarrow.json.read_json`` with the field as the only column in the schema.

``python bench/scan_read.py [--repeats 5]`` -> bench/results/scan_read.json (CPU seconds, medians).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from scan import _cpu_name, _shared_data  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scan_read.json"))
    a = ap.parse_args()
    import gzip

    from seenit import _core

    files = sorted((_shared_data() / "mimir_pile_nonmembers").glob("*.jsonl.gz"))
    raw = [gzip.decompress(f.read_bytes()) for f in files]
    field = "original"

    def native() -> int:
        return sum(int(_core.jsonl_fields(np.frombuffer(b, np.uint8), field)[0].size) for b in raw)

    readers = {"native": native}
    try:
        import orjson

        def with_orjson() -> int:
            return sum(len("".join(orjson.loads(line)[field] for line in b.splitlines()).encode()) for b in raw)

        readers["orjson"] = with_orjson
    except ImportError:
        pass
    try:
        import simdjson

        parser = simdjson.Parser()

        def with_simdjson() -> int:
            return sum(len("".join(parser.parse(line)[field] for line in b.splitlines()).encode()) for b in raw)

        readers["simdjson"] = with_simdjson
    except ImportError:
        pass
    try:
        import pyarrow as pa
        import pyarrow.json as pj

        opts = pj.ParseOptions(explicit_schema=pa.schema([(field, pa.string())]), unexpected_field_behavior="ignore")

        def with_pyarrow() -> int:
            n = 0
            for b in raw:
                col = pj.read_json(pa.BufferReader(b), read_options=pj.ReadOptions(use_threads=False),
                                   parse_options=opts).column(field).combine_chunks()
                n += col.buffers()[2].size if col.offset == 0 else len("".join(col.to_pylist()).encode())
            return n

        readers["pyarrow"] = with_pyarrow
    except ImportError:
        pass
    times: dict[str, list[float]] = {k: [] for k in readers}
    sizes: dict[str, int] = {}
    for _ in range(a.repeats):
        for name, fn in readers.items():
            t = time.process_time()
            sizes[name] = fn()
            times[name].append(time.process_time() - t)
    json_mb = sum(map(len, raw)) / 1e6
    out = {"cpu": _cpu_name(), "load": os.getloadavg(), "json_mb": json_mb, "text_bytes": sizes,
           "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
           "cpu_s": {k: statistics.median(v) for k, v in times.items()}, "runs": times}
    print(json.dumps({k: round(v, 3) for k, v in out["cpu_s"].items()}), f"({json_mb:.0f} MB of JSON)")
    Path(a.out).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
