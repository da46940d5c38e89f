"""On-disk format of an n-gram index directory (format version 1).

::

    INDEX/
      manifest.json       written last; its presence marks a complete index
      vocab.json          (whitespace tokenizer only) the word list, id = position + 1
      tokens.bin          little-endian token ids, width 1, 2 or 4 bytes: doc0 SEP doc1 SEP ...
      sa.bin              suffix array of tokens.bin, int32 (< 2^31 tokens) or int64
      docs.bin            int64 start offset of every document in tokens.bin, plus the total
    or, for a sharded index, shard-00000/, shard-00001/, ... each holding the three parts.

``manifest.json`` holds the format name and version, the tokenizer spec, the
normalisation, token width, separator, vocabulary size, document and token counts,
and for every shard its pointer width, first global document id, and the size and
SHA-256 of each part.

Builds write into a hidden temporary directory beside the target
(``.NAME.building-PID-*``) and rename it into place, so an interrupted build leaves
nothing that :func:`read_manifest` accepts; an existing index stays in place until the
new one replaces it (see :func:`building`), and the next build (or opening a missing
index) repairs and removes what interrupted builds left (:func:`recover`).
Opening checks that every part exists and has the recorded size (a truncated or
missing file is named in the error) and, by default, that every part's SHA-256 matches
the manifest -- once per state of the file: a verified part is remembered by its
identity (relative name, size, mtime_ns, ctime_ns, inode, device), in this process and in
``verified.json`` beside the manifest, so reopening an unchanged index reads nothing.

``verified.json`` (format ``seenit-verified``) is a cache, never an authority: it is
written to a temporary name and renamed into place, carries the SHA-256 of the manifest it
vouches for and a SHA-256 of its own content, and is ignored (the parts are hashed again)
when it is missing, unreadable, damaged, for another manifest, or when any identity field
of a part differs. Any write to a part changes its mtime/ctime (and ``cp``/``rsync`` make
a new inode), so a modified part is hashed again; ctime cannot be set back by ``touch``.
What a stat-keyed cache cannot see is a change below the file system (bit rot on disk
after verification), or a write within the same timestamp tick as the verification on a
file system with coarse timestamps: ``verify=True`` hashes every part again whatever the
cache says. A read-only index directory keeps the cache in this process only.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_NAME = "seenit-ngram-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VERIFIED = "verified.json"
VERIFIED_FORMAT = "seenit-verified"
PARTS = ("tokens.bin", "sa.bin", "docs.bin")
_CHUNK = 1 << 24


class IndexFormatError(ValueError):
    """An index directory that is missing a part, truncated, corrupted or too new."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def write_array(path: Path, arr: np.ndarray) -> dict[str, Any]:
    """Write ``arr`` (little-endian) to ``path``; returns its size and SHA-256."""
    a = np.ascontiguousarray(arr)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and not np.little_endian):
        a = a.astype(a.dtype.newbyteorder("<"))
    raw = memoryview(a.reshape(-1).view(np.uint8))
    h = hashlib.sha256()
    with open(path, "wb") as fh:
        for i in range(0, len(raw), _CHUNK):
            piece = raw[i : i + _CHUNK]
            h.update(piece)
            fh.write(piece)
        fh.flush()
        os.fsync(fh.fileno())
    return {"size": int(a.nbytes), "sha256": h.hexdigest()}


def describe_file(path: Path) -> dict[str, Any]:
    return {"size": path.stat().st_size, "sha256": sha256_file(path)}


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _is_complete(d: Path) -> bool:
    try:
        check_parts(d, read_manifest(d), verify=False)
    except (ValueError, OSError):
        return False
    return True


def _leftovers(target: Path) -> list[tuple[str, Path]]:
    """(kind, path) of the ``.NAME.building-PID-*`` and ``.NAME.old-PID`` directories that
    builds of ``target`` by processes no longer running left beside it."""
    prefix = f".{target.name}."
    found = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        m = re.fullmatch(r"(building|old)-(\d+)(?:-.*)?", entry.name[len(prefix):])
        if m and entry.is_dir() and not entry.is_symlink() and not _pid_alive(int(m.group(2))):
            found.append((m.group(1), entry))
    return sorted(found, key=lambda kp: (kp[0] != "old", kp[1].name))


def recover(target: str | os.PathLike[str]) -> None:
    """Repair what an interrupted build of ``target`` left: if ``target`` is missing and a
    complete ``.NAME.old-PID`` index is beside it (a replaced index moved away, the new one
    not yet in), move it back; remove other leftovers of dead builds."""
    target = Path(target)
    for kind, d in _leftovers(target):
        if kind == "old" and not os.path.lexists(target) and _is_complete(d):
            os.replace(d, target)
        else:
            shutil.rmtree(d, ignore_errors=True)


def _fault(step: str) -> None:
    from ..io import fault_point

    fault_point(step)


@contextlib.contextmanager
def building(target: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary directory beside ``target`` that becomes ``target`` on success.

    An existing index at ``target`` stays in place until the new one replaces it: the two
    are swapped atomically where the system can (Linux), else the old one is renamed to
    ``.NAME.old-PID``, the new one renamed in, and the old one removed; a build killed in
    between is repaired by :func:`recover` (run by the next build and by opening).
    """
    target = Path(target)
    with contextlib.suppress(OSError):
        recover(target)
    if os.path.lexists(target):
        if not overwrite:
            raise FileExistsError(f"path {str(target)!r} already exists (pass overwrite=True to replace it)")
        if not target.is_dir():
            raise ValueError(f"path {str(target)!r} is not a directory; an index is a directory")
        if any(target.iterdir()) and not (target / MANIFEST).is_file():
            raise ValueError(f"path {str(target)!r} is a non-empty directory that is not a seenit index; "
                             "refusing to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-{os.getpid()}-", dir=target.parent))
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        _fault("index:built")
        if os.path.lexists(target):
            if _rename_exchange(tmp, target):
                _fault("index:swapped")
            else:
                old = target.with_name(f".{target.name}.old-{os.getpid()}")
                os.replace(target, old)
                _fault("index:old-moved")
                os.replace(tmp, target)
                _fault("index:new-in")
                tmp = old
            _fsync_dir(target.parent)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, target)
            _fsync_dir(target.parent)
    except BaseException:
        if tmp.exists() and tmp != target:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_manifest(directory: Path, manifest: dict[str, Any]) -> None:
    path = directory / MANIFEST
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def _need(d: dict[str, Any], key: str, typ: type | tuple[type, ...], where: Path) -> Any:
    if key not in d or not isinstance(d[key], typ) or isinstance(d[key], bool) and typ is int:
        raise IndexFormatError(f"{where}: field {key!r} is missing or has the wrong type")
    return d[key]


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load and check ``path/manifest.json``: format name, version, required fields."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"index directory not found: {str(root)!r}")
    mpath = root / MANIFEST
    if not mpath.is_file():
        raise IndexFormatError(f"{mpath}: missing; {root} is not a complete seenit index (an interrupted build?)")
    try:
        m = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexFormatError(f"{mpath}: not valid JSON ({e})") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT_NAME:
        raise IndexFormatError(f"{mpath}: not a seenit n-gram index manifest (format != {FORMAT_NAME!r})")
    version = _need(m, "format_version", int, mpath)
    if version > FORMAT_VERSION:
        raise IndexFormatError(
            f"{mpath}: format version {version} is newer than this seenit supports ({FORMAT_VERSION}); upgrade seenit"
        )
    if version < 1:
        raise IndexFormatError(f"{mpath}: invalid format version {version}")
    for key, typ in (("tokenizer", str), ("token_width", int), ("separator", int), ("vocab_size", int),
                     ("n_docs", int), ("n_tokens", int), ("shards", list), ("normalisation", dict), ("parts", dict)):
        _need(m, key, typ, mpath)
    if m["token_width"] not in (1, 2, 4):
        raise IndexFormatError(f"{mpath}: token_width must be 1, 2 or 4, got {m['token_width']}")
    for s in m["shards"]:
        if not isinstance(s, dict):
            raise IndexFormatError(f"{mpath}: shard entries must be objects")
        for key, typ in (("dir", str), ("n_docs", int), ("n_tokens", int), ("doc_offset", int), ("pointer_width", int), ("parts", dict)):
            _need(s, key, typ, mpath)
        if s["pointer_width"] not in (4, 8):
            raise IndexFormatError(f"{mpath}: pointer_width must be 4 or 8, got {s['pointer_width']}")
        if Path(s["dir"]).is_absolute() or ".." in Path(s["dir"]).parts:
            raise IndexFormatError(f"{mpath}: shard dir {s['dir']!r} must be relative and inside the index")
    _check_totals(m, mpath)
    return m


def _check_totals(m: dict[str, Any], mpath: Path) -> None:
    """The manifest agrees with itself: each shard listed once, its documents numbered on from the
    previous shard's, and the totals the sums of the shards' (a duplicated entry would double every
    count, a wrong offset shift document ids: both silently, without this)."""
    dirs = [str(Path(s["dir"])) for s in m["shards"]]
    if len(set(dirs)) != len(dirs):
        raise IndexFormatError(f"{mpath}: a shard is listed twice ({sorted(d for d in set(dirs) if dirs.count(d) > 1)})")
    docs = 0
    for s in m["shards"]:
        if s["n_docs"] < 0 or s["n_tokens"] < 0:
            raise IndexFormatError(f"{mpath}: shard {s['dir']!r} has negative counts")
        if s["doc_offset"] != docs:
            raise IndexFormatError(f"{mpath}: shard {s['dir']!r} starts at document {s['doc_offset']}, but the shards "
                                   f"before it hold {docs} documents")
        docs += s["n_docs"]
    tokens = sum(s["n_tokens"] for s in m["shards"])
    if m["n_docs"] != docs or m["n_tokens"] != tokens:
        raise IndexFormatError(f"{mpath}: the manifest says {m['n_docs']} documents and {m['n_tokens']} tokens, its "
                               f"shards hold {docs} and {tokens}")


def _check_part(file: Path, entry: Any, expected_size: int | None) -> os.stat_result:
    if not isinstance(entry, dict) or not isinstance(entry.get("size"), int) or not isinstance(entry.get("sha256"), str):
        raise IndexFormatError(f"{file}: manifest entry is malformed")
    if not file.is_file():
        raise IndexFormatError(f"{file}: missing part of the index")
    st = file.stat()
    if st.st_size != entry["size"]:
        raise IndexFormatError(f"{file}: size {st.st_size} bytes, manifest says {entry['size']} (truncated or replaced?)")
    if expected_size is not None and st.st_size != expected_size:
        raise IndexFormatError(f"{file}: size {st.st_size} bytes does not match the counts in the manifest ({expected_size})")
    return st


def _parts(root: Path, manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any], int | None]]:
    """(name relative to root, manifest entry, size implied by the counts) of every part."""
    out: list[tuple[str, dict[str, Any], int | None]] = [(name, entry, None) for name, entry in manifest["parts"].items()]
    width = manifest["token_width"]
    for s in manifest["shards"]:
        sizes = {"tokens.bin": s["n_tokens"] * width, "sa.bin": s["n_tokens"] * s["pointer_width"], "docs.bin": (s["n_docs"] + 1) * 8}
        for part in PARTS:
            if part not in s["parts"]:
                raise IndexFormatError(f"{root / MANIFEST}: shard {s['dir']!r} lists no {part}")
            out.append(((Path(s["dir"]) / part).as_posix(), s["parts"][part], sizes[part]))
    return out


def _identity(st: os.stat_result) -> list[int]:
    """What identifies one state of a file: any write changes mtime/ctime, a copy the inode."""
    return [int(st.st_size), int(st.st_mtime_ns), int(st.st_ctime_ns), int(st.st_ino), int(st.st_dev)]


# (resolved path of a part, identity) -> SHA-256 verified in this process (keyed by the file,
# not by the index, so a piece verified alone counts inside an index that lists it)
_VERIFIED: dict[tuple[str, tuple[int, ...]], str] = {}


def _manifest_digest(root: Path) -> str:
    return hashlib.sha256((root / MANIFEST).read_bytes()).hexdigest()


def _sidecar_body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _read_sidecar(root: Path, manifest_digest: str) -> dict[str, Any]:
    """The verified parts recorded in ``verified.json`` for this manifest; {} when absent or untrustworthy."""
    try:
        doc = json.loads((root / VERIFIED).read_text(encoding="utf-8"))
        body = doc["body"]
        if (not isinstance(body, dict) or doc.get("sha256") != _sidecar_body_digest(body)
                or body.get("format") != VERIFIED_FORMAT or body.get("version") != 1
                or body.get("manifest_sha256") != manifest_digest or not isinstance(body.get("parts"), dict)):
            return {}
        return body["parts"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_sidecar(root: Path, manifest_digest: str, parts: dict[str, Any]) -> None:
    """Write ``verified.json`` atomically (temporary file, fsync, rename); silently skipped
    where the directory is not writable (the in-process cache still holds)."""
    body = {"format": VERIFIED_FORMAT, "version": 1, "manifest_sha256": manifest_digest, "parts": parts}
    data = json.dumps({"body": body, "sha256": _sidecar_body_digest(body)}, indent=1) + "\n"
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{VERIFIED}.", suffix=".tmp", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, root / VERIFIED)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def check_parts(root: Path, manifest: dict[str, Any], verify: bool | None = None) -> None:
    """Every part present with the recorded size, and its SHA-256 equal to the manifest's.

    ``verify=None`` hashes each part once per state of the file (see the module docstring:
    remembered in this process and in ``verified.json``); ``True`` hashes every part now;
    ``False`` checks sizes only. Raises :class:`IndexFormatError` naming the first bad part.
    """
    parts = _parts(root, manifest)
    stats = [_check_part(root / name, entry, expected) for name, entry, expected in parts]
    if verify is False:
        return
    digest = _manifest_digest(root)
    recorded = {} if verify else _read_sidecar(root, digest)
    fresh: dict[str, Any] = {}
    changed = bool(verify)
    for (name, entry, _), st in zip(parts, stats):
        ident = _identity(st)
        want = entry["sha256"]
        key = (str((root / name).resolve()), tuple(ident))
        cached = _VERIFIED.get(key)
        rec = recorded.get(name)
        if not verify and (cached == want or (isinstance(rec, dict) and rec.get("id") == ident and rec.get("sha256") == want)):
            fresh[name] = {"id": ident, "sha256": want}
            changed |= not (isinstance(rec, dict) and rec.get("id") == ident and rec.get("sha256") == want)
            _VERIFIED[key] = want
            continue
        if sha256_file(root / name) != want:
            raise IndexFormatError(f"{root / name}: SHA-256 checksum does not match the manifest (corrupted)")
        _VERIFIED[key] = want
        fresh[name] = {"id": ident, "sha256": want}
        changed = True
    if changed or set(recorded) != set(fresh):
        _write_sidecar(root, digest, fresh)


def record_verified(root: Path, manifest: dict[str, Any]) -> None:
    """Mark the parts of an index just written (their SHA-256 computed from the bytes as they
    were written) as verified, so the first open after a build does not read them again."""
    parts = _parts(root, manifest)
    stats = [_check_part(root / name, entry, expected) for name, entry, expected in parts]
    fresh = {}
    for (name, entry, _), st in zip(parts, stats):
        ident = _identity(st)
        _VERIFIED[(str((root / name).resolve()), tuple(ident))] = entry["sha256"]
        fresh[name] = {"id": ident, "sha256": entry["sha256"]}
    _write_sidecar(root, _manifest_digest(root), fresh)


def open_array(path: Path, dtype: np.dtype, count: int) -> np.ndarray:
    """Memory-map ``count`` items of ``dtype`` from ``path`` read-only (empty files allowed)."""
    if count == 0:
        return np.empty(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", shape=(count,))
