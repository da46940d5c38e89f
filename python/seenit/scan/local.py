"""``LocalEngine``: a scan's corpus-sized steps in this process, on the native kernels.

- ``build_index`` cuts the corpus stream into pieces of about ``shard_tokens`` UTF-8 bytes
  (documents are never split), builds each piece as a complete :class:`NgramIndex` under
  ``out_dir/pieces/piece-NNNNN`` (written to a temporary name and renamed, with SHA-256
  of every part), then writes ``out_dir/manifest.json`` listing the pieces as the shards
  of one index. A build that is interrupted keeps its finished pieces: the next call
  re-reads the corpus, skips the documents of every piece whose checksums and recorded
  options still match, and builds only the rest.
- ``run_pass`` streams the corpus once in blocks of ``block_docs`` documents through a
  :class:`~seenit.scan.corpus_pass.CorpusPass` (every method's per-item state), saving it
  every ``checkpoint_seconds`` so an interrupted pass continues after its last checkpoint.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..io import Record, atomic_write, fault_point, iter_records, write_json
from ..ngram.index import NgramIndex
from ..text_blocks import TextBlock, iter_text_blocks
from .blocks import build_piece, finished_index, index_key, take_piece, write_scan_index
from .engine import IndexOptions, PassState, Paths
from .._progress import ProgressBar
from .._validate import check_int

BLOCK_DOCS = 4096


def _records(corpus: Paths, field: str, skip_bad_lines: bool) -> Iterator[Record]:
    return iter_records(list(corpus), field=field, skip_bad_lines=skip_bad_lines)


class LocalEngine:
    """Runs the :class:`~seenit.scan.engine.Engine` steps in this process."""

    name = "local"

    def __init__(self, block_docs: int = BLOCK_DOCS, checkpoint_dir: Path | None = None,
                 checkpoint_seconds: float = 60.0) -> None:
        self.block_docs = check_int(block_docs, "block_docs", 1)
        self.total_docs: int | None = None  # when known (a progress bar's ETA)
        #: Where the MinHash and embedding passes save their running state (every
        #: ``checkpoint_seconds``), so an interrupted pass continues where it stopped.
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.checkpoint_seconds = float(checkpoint_seconds)

    def _checkpoint(self, kind: str, key: dict[str, Any]) -> _Checkpoint | None:
        if self.checkpoint_dir is None:
            return None
        return _Checkpoint(self.checkpoint_dir, kind, {**key, "block_docs": self.block_docs}, self.checkpoint_seconds)

    # ------------------------------------------------------------------ n-gram index
    def build_index(self, corpus: Paths, out_dir: Path, options: IndexOptions, *, progress: bool = True) -> NgramIndex:
        out_dir = Path(out_dir)
        key = index_key(options)
        if (done := finished_index(out_dir, {"scan_index": key})) is not None:
            return done
        limit = key["piece_bytes"]
        pieces_dir = out_dir / "pieces"
        pieces_dir.mkdir(parents=True, exist_ok=True)
        for junk in pieces_dir.glob(".*"):  # temporaries of an interrupted piece build
            shutil.rmtree(junk, ignore_errors=True)
        pieces: list[tuple[str, NgramIndex]] = []
        n_docs = 0
        records = _records(corpus, options.field, options.skip_bad_lines)
        with ProgressBar(progress, "indexing", self.total_docs) as bar:
            texts = (r.text for r in records)  # pulls lazily: the resume path below may read records directly
            k = 0
            while True:
                rel = f"pieces/piece-{k:05d}"
                pdir = out_dir / rel
                done = self._finished_piece(pdir, key, n_docs)
                if done is not None:
                    bar.describe(f"indexing (piece {k} already built)")
                    skipped = 0
                    for r in records:
                        skipped += 1
                        bar.advance(1, len(r.text))
                        if skipped == done["n_docs"]:
                            break
                    if skipped != done["n_docs"]:
                        raise ValueError(f"{pdir}: built from {done['n_docs']} documents but the corpus now ends after "
                                         f"{n_docs + skipped}; the corpus changed since (use --overwrite)")
                    idx = NgramIndex.open(pdir)
                else:
                    piece = take_piece(texts, limit, lambda t: bar.advance(1, len(t)))
                    if not piece:
                        break
                    bar.describe(f"indexing (suffix array of piece {k})")
                    idx = build_piece(piece, pdir, key)
                    fault_point("scan:piece-before-sidecar")
                    write_json(pieces_dir / f"piece-{k:05d}.json", {"key": key, "first_doc": n_docs, "n_docs": len(piece)})
                    bar.describe("indexing")
                pieces.append((rel, idx))
                n_docs += idx.n_docs
                k += 1
        if not pieces:
            raise ValueError(f"the corpus holds no documents ({', '.join(map(str, corpus))})")
        for stale in sorted(pieces_dir.glob("piece-*")):  # pieces past the end of a shorter corpus
            if stale.name.removesuffix(".json") >= f"piece-{k:05d}":
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        return write_scan_index(out_dir, pieces, key)

    @staticmethod
    def _finished_piece(pdir: Path, key: dict[str, Any], first_doc: int) -> dict[str, Any] | None:
        side = pdir.with_name(pdir.name + ".json")
        if not pdir.is_dir() or not side.is_file():
            return None
        try:
            info = json.loads(side.read_text(encoding="utf-8"))
            if info.get("key") != key or info.get("first_doc") != first_doc:
                return None
            idx = NgramIndex.open(pdir, verify=True)  # every part's SHA-256 against its manifest
            if idx.n_docs != info.get("n_docs"):
                return None
        except (ValueError, OSError, KeyError):
            return None
        return info

    # ------------------------------------------------------------------ the streaming pass
    def run_pass(self, corpus: Paths, field: str, skip_bad_lines: bool, new_pass: Callable[[], PassState], *,
                 key: dict[str, Any], progress: bool = True) -> tuple[PassState, list[str]]:
        cpass = new_pass()
        ck = self._checkpoint("pass", {"corpus": [str(c) for c in corpus], "field": field,
                                       "skip_bad_lines": skip_bad_lines, "key": key})
        if ck is not None and (got := ck.load()) is not None:
            cpass.load(got)
        base = cpass.n_docs
        skipped: list[str] = []
        blocks = iter_text_blocks(list(corpus), field=field, skip_bad_lines=skip_bad_lines, skipped=skipped,
                                  block_docs=self.block_docs)
        with ProgressBar(progress, "scanning", self.total_docs) as bar:
            for block in _skip(blocks, base, bar):
                cpass.fold(block, base)
                base += len(block)
                bar.advance(len(block), block.n_bytes)
                if ck is not None:
                    ck.maybe_save(base, cpass.state)
        if ck is not None:
            ck.remove()
        return cpass, skipped

def _skip(blocks: Iterator[TextBlock], n: int, bar: ProgressBar) -> Iterator[TextBlock]:
    """``blocks`` without the first ``n`` documents (those a checkpoint already covers)."""
    done = 0
    for block in blocks:
        if done + len(block) <= n:
            done += len(block)
            bar.advance(len(block), block.n_bytes)
            continue
        if done < n:
            rest = block.slice(n - done, len(block))
            bar.advance(n - done, block.n_bytes - rest.n_bytes)
            done, block = n, rest
        yield block
    if done < n:
        raise ValueError(f"a checkpoint covers {n} corpus documents but the corpus has {done}; "
                         "it changed since (use --overwrite)")


class _Checkpoint:
    """A pass's running state in one .npz (written atomically, with its key and SHA-256 beside it)."""

    def __init__(self, directory: Path, kind: str, key: dict[str, Any], every: float) -> None:
        blob = json.dumps(key, sort_keys=True).encode()
        self.key = hashlib.sha256(blob).hexdigest()
        self.path = directory / f"{kind}-{self.key[:16]}.npz"
        self.meta = self.path.with_suffix(".json")
        self.every = every
        self.last = time.monotonic()

    def load(self) -> dict[str, Any] | None:
        try:
            meta = json.loads(self.meta.read_text(encoding="utf-8"))
            raw = self.path.read_bytes()
            if meta.get("key") != self.key or hashlib.sha256(raw).hexdigest() != meta.get("sha256"):
                return None
            with np.load(io.BytesIO(raw)) as z:
                out: dict[str, Any] = {name: z[name] for name in z.files}
            out["done"] = int(meta["done"])
            return out
        except (OSError, ValueError, KeyError):
            return None

    def maybe_save(self, done: int, state: Callable[[], dict[str, np.ndarray]]) -> None:
        """Save ``state()`` when ``every`` seconds have passed since the last save (the state is
        only built then: it serialises the kept documents)."""
        if time.monotonic() - self.last < self.every:
            return
        buf = io.BytesIO()
        np.savez(buf, **state())
        raw = buf.getvalue()
        with atomic_write(self.path, "wb") as fh:
            fh.write(raw)
        write_json(self.meta, {"key": self.key, "done": done, "sha256": hashlib.sha256(raw).hexdigest()})
        self.last = time.monotonic()

    def remove(self) -> None:
        for p in (self.meta, self.path):
            p.unlink(missing_ok=True)
