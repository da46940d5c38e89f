"""Scans split by hand across machines: ``--shard I/N`` runs, then ``seenit scan merge``.

The streaming pass is map-only, so a corpus can be split without a shuffle. Shard ``I`` of
``N`` (0-based, e.g. ``$SLURM_ARRAY_TASK_ID``) takes the ``I``-th of ``N`` contiguous slices
of the corpus files (as :func:`seenit.io.expand_paths` sorts them), folds them into a fresh
:class:`~seenit.scan.corpus_pass.CorpusPass` under provisional document ids
``file << UNIT_SHIFT | position`` and writes, in its own directory::

    DIR/shard.json        format, version, the scan's arguments, shard I/N, the corpus files,
                          their document counts, skipped lines, the state's SHA-256
    DIR/shard-state.npz   the pass state

:func:`merge_shards` checks that the shards belong together — the same arguments (methods,
settings, benchmarks, corpus files), the same N, each shard exactly once, every state intact
— naming what differs otherwise, then renumbers each state to corpus ids (the documents'
positions in the whole corpus) and merges them: the result equals one scan of the corpus.
A killed shard is rerun whole (the shard is the unit of restart).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write, write_json
from ..text_blocks import iter_text_blocks
from .corpus_pass import CorpusPass, packed, renumbered, unpack

SHARD_FORMAT = "seenit-scan-shard"
SHARD_VERSION = 1
SHARD_MANIFEST = "shard.json"
SHARD_STATE = "shard-state.npz"
BLOCK_DOCS = 4096


def parse_shard(shard: Any) -> tuple[int, int]:
    """``"I/N"`` or ``(I, N)`` -> (I, N) with 0 <= I < N."""
    if isinstance(shard, str):
        parts = shard.split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"shard must look like I/N (e.g. 0/8), got {shard!r}")
        i, n = int(parts[0]), int(parts[1])
    elif isinstance(shard, tuple) and len(shard) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in shard):
        i, n = shard
    else:
        raise TypeError(f"shard must be 'I/N' or a pair of ints, got {shard!r}")
    if n < 1 or not 0 <= i < n:
        raise ValueError(f"shard {i}/{n} is out of range: I must be in [0, N) and N >= 1")
    return i, n


def slice_bounds(n_files: int, i: int, n: int) -> tuple[int, int]:
    """The files [lo, hi) of shard i of n; every shard gets at least one file."""
    if n > n_files:
        raise ValueError(f"{n} shards of a corpus of {n_files} file(s): a shard would have no file; use N <= {n_files}")
    return i * n_files // n, (i + 1) * n_files // n


def run_shard(files: Sequence[Path], shard: tuple[int, int], field: str, skip_bad_lines: bool,
              new_pass: Callable[[], CorpusPass], out: Path, call: dict[str, Any], progress_cb: Callable[[int], None]) -> Path:
    """Fold shard ``shard`` of ``files`` into a fresh pass and write it under ``out``."""
    i, n = shard
    lo, hi = slice_bounds(len(files), i, n)
    cpass = new_pass()
    counts: list[int] = []
    skipped: list[str] = []
    for u in range(lo, hi):
        base0 = int(packed(u, np.zeros(1, np.int64))[0])
        base = base0
        for block in iter_text_blocks(files[u], field=field, skip_bad_lines=skip_bad_lines, skipped=skipped,
                                      block_docs=BLOCK_DOCS):
            cpass.fold(block, base)
            base += len(block)
            progress_cb(len(block))
        counts.append(base - base0)
    buf = io.BytesIO()
    np.savez(buf, **cpass.state())
    raw = buf.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / SHARD_STATE, "wb") as fh:
        fh.write(raw)
    write_json(out / SHARD_MANIFEST, {
        "format": SHARD_FORMAT, "format_version": SHARD_VERSION, "shard": [i, n], "args": call,
        "files": [str(f) for f in files], "units": [lo, hi], "counts": counts, "skipped": skipped[:100],
        "n_skipped": len(skipped), "state_sha256": hashlib.sha256(raw).hexdigest()})
    return out


def read_shards(dirs: Sequence[str | os.PathLike[str]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The shards' common scan arguments and each shard's manifest (with its state), checked."""
    if not dirs:
        raise ValueError("no shard directories given")
    shards = []
    for d in dirs:
        p = Path(d) / SHARD_MANIFEST
        try:
            m = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"{d}: no {SHARD_MANIFEST} (not a finished scan shard)") from None
        except (OSError, ValueError) as e:
            raise ValueError(f"{p}: cannot read: {e}") from None
        if m.get("format") != SHARD_FORMAT or m.get("format_version") != SHARD_VERSION:
            raise ValueError(f"{p}: not a {SHARD_FORMAT} v{SHARD_VERSION} manifest")
        raw = (Path(d) / SHARD_STATE).read_bytes() if (Path(d) / SHARD_STATE).is_file() else b""
        if hashlib.sha256(raw).hexdigest() != m["state_sha256"]:
            raise ValueError(f"{d}: {SHARD_STATE} is missing or damaged (its SHA-256 differs from {SHARD_MANIFEST})")
        with np.load(io.BytesIO(raw)) as z:
            m["state"] = {k: z[k] for k in z.files}
        m["dir"] = str(d)
        shards.append(m)
    first = shards[0]
    for m in shards[1:]:
        diff = sorted(k for k in set(first["args"]) | set(m["args"]) if first["args"].get(k) != m["args"].get(k))
        if diff:
            raise ValueError(f"shards {first['dir']} and {m['dir']} are from different scans (differ in: {', '.join(diff)})")
        if m["files"] != first["files"]:
            raise ValueError(f"shards {first['dir']} and {m['dir']} list different corpus files")
        if m["shard"][1] != first["shard"][1]:
            raise ValueError(f"shards {first['dir']} and {m['dir']} split the corpus differently "
                             f"({first['shard'][1]} vs {m['shard'][1]} shards)")
    n = first["shard"][1]
    seen = sorted(m["shard"][0] for m in shards)
    if seen != list(range(n)):
        missing = sorted(set(range(n)) - set(seen))
        dup = sorted({s for s in seen if seen.count(s) > 1})
        raise ValueError("the shards do not cover the corpus once: "
                         + (f"missing {', '.join(f'{s}/{n}' for s in missing)}" if missing else "")
                         + ("; " if missing and dup else "") + (f"given twice {', '.join(f'{s}/{n}' for s in dup)}" if dup else ""))
    return first["args"], sorted(shards, key=lambda m: m["shard"][0])


def merge_states(shards: Sequence[dict[str, Any]], total: CorpusPass) -> tuple[CorpusPass, list[str]]:
    """Renumber every shard's state to corpus ids and merge it into ``total``."""
    counts = [c for m in shards for c in m["counts"]]
    first = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    skipped: list[str] = []
    for m in shards:
        total.merge(renumbered(m["state"], lambda ids: unpack(ids, first)))
        skipped += m["skipped"]
    return total, skipped
