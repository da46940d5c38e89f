"""A scan's run directory: what it belongs to, which pieces are finished, and whether to trust them.

::

    DIR/
      scan.json           the run manifest (format, version, identity, finished results + SHA-256)
      index/              the corpus n-gram index (LocalEngine: pieces/ + manifest.json)
      results/NAME.json.gz  one finished piece of work: {"key": ..., "data": ...} (gzip: only this
                          module reads it, and it would otherwise double what a scan writes)
      partial/            running state of an unfinished MinHash / embedding pass (LocalEngine)
      report.json, report.html

The *identity* is what makes a directory's pieces valid for a run: the corpus files
(their paths, sizes and modification times: the fingerprint), the corpus field, bad-line
handling and the index options. A directory whose identity differs is refused with a
message naming what differs (``overwrite=True`` clears it first). Within one identity,
every result carries its own *key* (the benchmark's content digest and the method's
settings), so changing a threshold or adding a benchmark recomputes only what it affects.

A result counts as finished only when its file exists, its SHA-256 equals the one the
run manifest recorded after writing it, and its key equals the one asked for; every
file is written atomically (temporary name, fsync, rename), so an interrupted run
leaves either a complete, recorded piece or nothing that is trusted.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..ngram.index_format import sha256_file
from ..io import Source, atomic_write, fault_point, source_fingerprint, write_json

RUN_FORMAT = "seenit-scan-run"
RUN_VERSION = 1
RUN_MANIFEST = "scan.json"
_OWNED = (RUN_MANIFEST, "index", "results", "partial", "report.json", "report.html")


def corpus_fingerprint(files: list[Source], field: str = "text") -> str:
    """SHA-256 over each input's fingerprint: a file's absolute path, size and modification
    time (ns); a URL's fsspec key; an in-memory table's content (seenit.io.source_fingerprint)."""
    h = hashlib.sha256()
    for f in files:
        h.update(f"{source_fingerprint(f, field)}\n".encode())
    return h.hexdigest()


def digest(obj: Any) -> str:
    """SHA-256 of a JSON-serialisable value (canonical form)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{k}.")
        elif a != b:
            out.append(f"{prefix}{k}")
    return out


class RunState:
    """The run directory of one scan (see the module docstring)."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        self.root = root
        self.manifest = manifest

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @classmethod
    def open(cls, root: str | os.PathLike[str], identity: dict[str, Any], *, overwrite: bool = False) -> RunState:
        """Open ``root`` for a run with ``identity``: create it, resume it, or refuse it."""
        root = Path(root)
        mpath = root / RUN_MANIFEST
        if root.exists() and not root.is_dir():
            raise ValueError(f"output {str(root)!r} exists and is not a directory")
        if overwrite and root.is_dir():
            for name in _OWNED:
                p = root / name
                if p.is_dir():
                    shutil.rmtree(p)
                elif p.exists():
                    p.unlink()
        if mpath.is_file():
            try:
                m = json.loads(mpath.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise ValueError(f"{mpath}: unreadable scan manifest ({e}); pass overwrite=True (--overwrite) to start over") from None
            if not isinstance(m, dict) or m.get("format") != RUN_FORMAT:
                raise ValueError(f"{mpath}: not a seenit scan manifest; choose another output directory or pass --overwrite")
            if not isinstance(m.get("format_version"), int) or m["format_version"] > RUN_VERSION:
                raise ValueError(f"{mpath}: scan format version {m.get('format_version')!r} is not supported by this seenit")
            if m.get("identity") != identity:
                diff = _differences(m.get("identity") or {}, identity)
                raise ValueError(
                    f"{root} holds a scan of a different run (differs in: {', '.join(diff) or 'identity'}); "
                    "its index and results do not apply. Choose another output directory or pass "
                    "overwrite=True (--overwrite) to replace it")
            if not isinstance(m.get("results"), dict):
                m["results"] = {}
            return cls(root, m)
        if root.is_dir() and any(p.name in _OWNED for p in root.iterdir()):
            raise ValueError(f"{root} holds scan output without its manifest {RUN_MANIFEST} (an old or foreign run); "
                             "choose another output directory or pass overwrite=True (--overwrite)")
        root.mkdir(parents=True, exist_ok=True)
        st = cls(root, {"format": RUN_FORMAT, "format_version": RUN_VERSION, "identity": identity, "results": {}})
        st.save_manifest()
        return st

    def save_manifest(self) -> None:
        write_json(self.root / RUN_MANIFEST, self.manifest)

    def result_path(self, name: str) -> Path:
        return self.root / "results" / f"{name}.json.gz"

    def load(self, name: str, key: Any) -> Any | None:
        """The data of finished piece ``name`` if it was computed for ``key`` and is intact, else None."""
        entry = self.manifest["results"].get(name)
        path = self.result_path(name)
        if not isinstance(entry, dict) or not path.is_file():
            return None
        if path.stat().st_size != entry.get("size") or sha256_file(path) != entry.get("sha256"):
            return None
        try:
            payload = json.loads(gzip.decompress(path.read_bytes()).decode("utf-8"))
        except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(payload, dict) or payload.get("key") != key:
            return None
        return payload.get("data")

    def save(self, name: str, key: Any, data: Any) -> None:
        """Write piece ``name`` atomically, then record its checksum in the run manifest."""
        path = self.result_path(name)
        with atomic_write(path) as fh:  # a .gz target: compressed as written
            fh.write(json.dumps({"key": key, "data": data}, ensure_ascii=False))
        fault_point("scan:result-before-manifest")
        self.manifest["results"][name] = {"file": str(path.relative_to(self.root)), "size": path.stat().st_size,
                                          "sha256": sha256_file(path)}
        self.save_manifest()

    def finished(self) -> list[str]:
        return sorted(self.manifest["results"])
