"""Input decoders: fuzzer bytes -> arrays, ragged pairs, texts, scalars and index directories.

Every decoder draws from one :class:`atheris.FuzzedDataProvider` and bounds its sizes, so an
input runs in a few milliseconds at most. Decoders favour the inputs that break kernels:
NaN/inf/subnormal/huge values, ties and constant rows, empty and single-element inputs,
non-contiguous, Fortran-ordered, byte-swapped, read-only and wrong-dtype arrays, offsets that
are not monotone or out of range, lone surrogates and invalid UTF-8, and index directories
whose files are flipped, truncated, extended or removed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

import atheris
import numpy as np


F32_TINY = 1e-42  # float32 subnormal
SPECIAL_FLOATS: tuple[float, ...] = (
    0.0, -0.0, 1.0, -1.0, 0.5, 2.0, math.nan, math.inf, -math.inf, 5e-324, 1e-310, 1e-45, F32_TINY,
    1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 1e38, 1e30, 1e300, -1e300,
    65504.0, 1e-8, float(2**24 + 1),
)
SPECIAL_INTS: tuple[int, ...] = (
    -(2**63), -(2**31), -2, -1, 0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 255, 256, 65535, 65536,
    2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**70,
)
WEIRD_VALUES: tuple[Any, ...] = (None, "x", b"x", [], (), {}, 1.5, -1, 0, True, math.nan, 2**70, object(),
                                 np.float32(math.nan), np.int64(-1), np.array([1, 2]))
WORDS = ("the", "cat", "sat", "on", "a", "mat", "The", "CAT", "dog", "ran", "x", "y", "42", "é", "Σ", "ß",
         "İ", "日本", "\u00a0", "don't", "-", "...", "\t", "\n")
SPECIAL_CHARS = ("Σ", "σ", "ς", "İ", "ı", "ß", "ﬁ", "\u0000", "\ud800", "\udfff", "\u0301", "\u200b", "\u2028",
                 "\ufeff", "\uffff", "\U0001f600", "\U0010ffff", " ", "\t", "\n", "\r", "\x0b", "\x1c", "\u3000")
FLOAT_DTYPES = (np.float32, np.float64, np.float16)
WRONG_DTYPES = (np.float64, np.float16, np.float32, np.int32, np.int64, np.uint8, np.uint32, np.uint64, np.bool_,
                np.complex64, np.int8, np.uint16, object)


class Decoder:
    """Typed draws from fuzzer bytes (a thin layer over ``atheris.FuzzedDataProvider``)."""

    def __init__(self, data: bytes, workdir: Path | None = None) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)
        self._workdir = workdir

    # ------------------------------------------------------------------ scalars
    def remaining(self) -> int:
        return self.fdp.remaining_bytes()

    def bool(self) -> bool:
        return self.fdp.ConsumeBool()

    def int(self, lo: int, hi: int) -> int:
        return self.fdp.ConsumeIntInRange(lo, hi) if hi > lo else lo

    def chance(self, percent: int) -> bool:
        """True with about ``percent``% probability (for uniformly random bytes)."""
        return self.fdp.ConsumeIntInRange(0, 99) < percent

    def pick(self, seq: Sequence[Any]) -> Any:
        return self.fdp.PickValueInList(list(seq))

    def bytes(self, n: int) -> bytes:
        return self.fdp.ConsumeBytes(n)

    def size(self, hi: int, lo: int = 0) -> int:
        """A small size in [lo, hi], skewed towards the edges (lo, lo+1, hi)."""
        m = self.int(0, 7)
        if m == 0:
            return lo
        if m == 1:
            return min(lo + 1, hi)
        if m == 2:
            return hi
        return self.int(lo, hi)

    def small_int(self, lo: int, hi: int, *, wild: int = 10) -> int:
        """An int usually in [lo, hi]; ``wild``% of the time an edge value anywhere (negative, 2**63, ...)."""
        if self.chance(wild):
            return self.pick(SPECIAL_INTS + (lo - 1, hi + 1))
        return self.int(lo, hi)

    def float(self, lo: float = -4.0, hi: float = 4.0, *, wild: int = 15) -> float:
        """A float usually in [lo, hi]; ``wild``% of the time a special value (NaN, inf, subnormal, huge)."""
        if self.chance(wild):
            return self.pick(SPECIAL_FLOATS)
        return self.fdp.ConsumeFloatInRange(lo, hi)

    def maybe_weird(self, value: Any, percent: int = 5) -> Any:
        """``value``, or ``percent``% of the time a value of the wrong type or range."""
        return self.pick(WEIRD_VALUES) if self.chance(percent) else value

    def choice(self, valid: Sequence[str], percent: int = 5) -> Any:
        """One of ``valid`` options, sometimes an invalid string or a non-string."""
        if self.chance(percent):
            return self.pick(("", "nope", valid[0].upper(), valid[0] + " ", None, 0))
        return self.pick(valid)

    # ------------------------------------------------------------------ arrays
    def floats(self, n: int) -> np.ndarray:
        """n float64 values in one of several regimes: small, with specials, tiny, huge, raw bits, constant."""
        mode = self.int(0, 7)
        raw = self.bytes(n).ljust(n, b"\0")
        base = np.frombuffer(raw, dtype=np.int8).astype(np.float64) / 16.0
        if n == 0:
            return base
        if mode == 1:  # sprinkle special values
            for _ in range(self.int(1, 3)):
                base[self.int(0, n - 1)] = self.pick(SPECIAL_FLOATS)
        elif mode == 2:  # tiny: float32 / float64 subnormal range
            base *= self.pick((F32_TINY, 1e-40, 1e-320, 1e-30))
        elif mode == 3:  # huge but finite
            base *= self.pick((1e36, 3e37, 1e300, 1e18))
        elif mode == 4:  # raw bit patterns (NaNs with payloads, infinities, anything)
            bits = self.bytes(8 * n).ljust(8 * n, b"\0")
            base = np.frombuffer(bits, dtype=np.float64).copy()
        elif mode == 5:  # constant (ties everywhere)
            base[:] = self.pick((0.0, 1.0, -1.0, 1e-3))
        elif mode == 6:  # few distinct values (ties)
            base = np.round(base)
        return base

    def ints(self, n: int, lo: int, hi: int, *, wild: int = 5) -> np.ndarray:
        """n int64 values in [lo, hi]; ``wild``% of the inputs also get an out-of-range entry."""
        if n == 0:
            return np.zeros(0, np.int64)
        span = hi - lo + 1
        width = 4 if span <= 2**32 else 8
        raw = np.frombuffer(self.bytes(width * n).ljust(width * n, b"\0"), dtype=np.uint32 if width == 4 else np.uint64)
        vals = [lo + int(r) % span if span > 0 else lo for r in raw.tolist()]
        if self.chance(wild):
            vals[self.int(0, n - 1)] = self.pick((lo - 1, hi + 1, -1, 2**31, 2**62))
        big = any(v > 2**63 - 1 for v in vals)
        if big:  # beyond int64: uint64 bit patterns (negatives wrap)
            return np.array([v % 2**64 for v in vals], dtype=np.uint64)
        return np.array(vals, dtype=np.int64)

    def shape2(self, max_rows: int, max_cols: int, min_rows: int = 0, min_cols: int = 0) -> tuple[int, int]:
        return self.size(max_rows, min_rows), self.size(max_cols, min_cols)

    def array(self, shape: tuple[int, ...], dtype: Any = np.float32, *, bad: int = 25) -> Any:
        """A float array of ``shape`` and ``dtype`` (values from :meth:`floats`); ``bad``% of the
        time mangled by :meth:`mangle` (layout, dtype, rank or type)."""
        n = int(np.prod(shape)) if shape else 1
        with np.errstate(all="ignore"):
            a = self.floats(n).astype(dtype).reshape(shape)
        return self.mangle(a) if self.chance(bad) else a

    def int_array(self, shape: tuple[int, ...], lo: int, hi: int, dtype: Any = np.int64, *, bad: int = 20,
                  wild: int = 5) -> Any:
        n = int(np.prod(shape)) if shape else 1
        v = self.ints(n, lo, hi, wild=wild)
        with np.errstate(all="ignore"):
            a = v.astype(dtype).reshape(shape)  # wild values wrap around in narrow dtypes
        return self.mangle(a) if self.chance(bad) else a

    def mangle(self, a: np.ndarray) -> Any:
        """The same values in a layout or type the callee must handle or reject."""
        m = self.int(0, 9)
        with np.errstate(all="ignore"):
            if m == 0 and a.ndim >= 1:  # non-contiguous view (every other row / element)
                big = np.repeat(a, 2, axis=-1)
                return big[..., ::2]
            if m == 1 and a.ndim == 2:
                return np.asfortranarray(a)
            if m == 2:
                dt = self.pick(WRONG_DTYPES)
                try:
                    return a.astype(dt)
                except (TypeError, ValueError, OverflowError):
                    return a
            if m == 3:  # wrong rank
                return a.reshape(-1) if a.ndim != 1 else a.reshape(1, -1)
            if m == 4:
                return a.tolist()
            if m == 5:
                b = a.copy()
                b.flags.writeable = False
                return b
            if m == 6 and a.dtype.kind in "fiu" and a.dtype.itemsize > 1:
                return a.astype(a.dtype.newbyteorder(">"))
            if m == 7:
                return a[::-1] if a.ndim >= 1 else a
            if m == 8 and a.ndim >= 1:  # an extra leading / trailing axis
                return a[None] if self.bool() else a[..., None]
            if m == 9:
                return self.pick(WEIRD_VALUES)
        return a

    # ------------------------------------------------------------------ ragged
    def offsets(self, n_values: int, n_segments: int, *, bad: int = 15) -> Any:
        """int64 offsets (length n_segments + 1, from 0 to n_values); ``bad``% corrupted:
        not monotone, out of range, not starting at 0, wrong dtype, wrong rank, or empty."""
        if n_segments <= 0:
            off = np.array([0], dtype=np.int64) if n_values == 0 or self.bool() else np.array([0, n_values], np.int64)
        else:
            cuts = np.sort(self.ints(n_segments - 1, 0, n_values, wild=0)) if n_segments > 1 else np.zeros(0, np.int64)
            off = np.concatenate(([0], cuts, [n_values])).astype(np.int64)
        if not self.chance(bad):
            return off
        m = self.int(0, 8)
        off = off.copy()
        if m == 0 and off.size >= 3:  # not monotone
            i = self.int(1, off.size - 2)
            off[i] = off[i + 1] + self.int(1, 3)
        elif m == 1:  # last past the end
            off[-1] = n_values + self.pick((1, 2, 2**31, 2**62))
        elif m == 2:  # negative / not starting at 0
            off[0] = self.pick((-1, 1, -(2**62)))
        elif m == 3:
            off[self.int(0, off.size - 1)] = self.pick((-1, 2**63 - 1, -(2**63)))
        elif m == 4:
            return off.astype(self.pick((np.int32, np.uint64, np.float64, np.uint8, np.int16)))
        elif m == 5:
            return np.zeros(0, np.int64)
        elif m == 6:
            return off.reshape(1, -1)
        elif m == 7:
            return off[:-1] if off.size > 1 else off
        elif m == 8:
            return self.mangle(off)
        return off

    def ragged_floats(self, max_segments: int = 8, max_values: int = 64, dtype: Any = np.float64) -> tuple[Any, Any]:
        n = self.size(max_values)
        values = self.array((n,), dtype, bad=10)
        return values, self.offsets(n, self.size(max_segments))

    def ragged_ints(self, lo: int, hi: int, max_segments: int = 8, max_values: int = 64, dtype: Any = np.uint64,
                    wild: int = 3) -> tuple[Any, Any]:
        n = self.size(max_values)
        if lo < 0 or hi > np.iinfo(dtype).max:
            values: Any = self.int_array((n,), lo, hi, np.int64, bad=10, wild=wild)
        else:
            values = self.int_array((n,), lo, hi, dtype, bad=10, wild=0)
        return values, self.offsets(n, self.size(max_segments))

    # ------------------------------------------------------------------ text
    def text(self, max_len: int = 48) -> str:
        """A str: words from a small vocabulary (so near-duplicates happen), raw Unicode
        (lone surrogates included), special characters (final sigma, dotted I, NUL, ...), or empty."""
        mode = self.int(0, 6)
        if mode == 0:
            return ""
        if mode in (1, 2):
            n = self.size(max_len // 3)
            return self.pick((" ", "  ", "\n", "\t")).join(self.pick(WORDS) for _ in range(n))
        if mode == 3:
            return self.fdp.ConsumeUnicode(self.size(max_len))
        if mode == 4:
            return self.fdp.ConsumeUnicodeNoSurrogates(self.size(max_len))
        if mode == 5:
            return "".join(self.pick(SPECIAL_CHARS + WORDS) for _ in range(self.size(max_len // 2)))
        return self.fdp.ConsumeBytes(self.size(max_len)).decode("ascii", "replace")

    def texts(self, max_n: int = 8, max_len: int = 48, min_n: int = 0) -> list[str]:
        out: list[str] = []
        for _ in range(self.size(max_n, min_n)):
            if out and self.chance(25):  # exact / near duplicates of an earlier text
                t = self.pick(out)
                out.append(t if self.bool() else t + self.pick(WORDS))
            else:
                out.append(self.text(max_len))
        return out

    def utf8(self, max_len: int = 48) -> bytes:
        """Bytes that are usually UTF-8 text, sometimes not (overlong, truncated, surrogates, raw)."""
        if self.chance(30):
            return self.bytes(self.size(max_len))
        b = self.text(max_len).encode("utf-8", "surrogatepass")
        if b and self.chance(20):
            b = b[: self.int(0, len(b) - 1)]
        return b

    def docs(self, max_n: int = 8, max_len: int = 48) -> Any:
        """A document collection as the public API takes it: mostly list of str; sometimes bytes,
        str subclasses, a tuple, a numpy object/str array, or the wrong thing."""
        m = self.int(0, 9)
        if m <= 5:
            return self.texts(max_n, max_len)
        if m == 6:
            return [self.utf8(max_len) for _ in range(self.size(max_n))]
        if m == 7:
            return tuple(self.texts(max_n, max_len))
        if m == 8:
            t = self.texts(max_n, max_len)
            try:
                return np.array(t, dtype=object if self.bool() else str)
            except UnicodeEncodeError:
                return t
        return self.maybe_weird(self.texts(max_n, max_len), 60)

    # ------------------------------------------------------------------ index directories
    def workdir(self) -> Path:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="seenit-fuzz-", dir=_tmp_root()))
        return self._workdir

    def index_dir(self, *, corrupt: int = 50, tokenizers: Sequence[str] = ("bytes", "whitespace")) -> tuple[Path, str]:
        """A small NgramIndex directory (built from decoded texts, or a cached pristine one copied),
        then ``corrupt``% of the time damaged. Returns (path, what was done to it)."""
        from seenit import NgramIndex

        tok = self.pick(tokenizers)
        root = self.workdir()
        dest = root / f"idx-{self.int(0, 1 << 30)}"
        if dest.exists():
            shutil.rmtree(dest)
        if self.chance(25):
            docs = [t for t in self.texts(6, 32, min_n=1)]
            shard = self.pick((None, None, 4, 16))
            norm = dict(lowercase=self.bool(), strip_punctuation=self.chance(20), collapse_whitespace=self.chance(20))
            try:
                NgramIndex.build(docs, dest, tokenizer=tok, shard_tokens=shard, progress=False, **norm)
            except ValueError:  # texts an index cannot hold (lone surrogates): use a prepared one
                shutil.rmtree(dest, ignore_errors=True)
                shutil.copytree(_pristine(tok, 0), dest)
        else:
            src = _pristine(tok, self.int(0, len(_CORPORA) - 1))
            shutil.copytree(src, dest)
        what = self.damage(dest) if self.chance(corrupt) else "intact"
        return dest, what

    def damage(self, path: Path) -> str:
        """Flip, truncate, extend, empty or remove one file of an index directory, or edit its manifest."""
        files = sorted(p for p in path.rglob("*") if p.is_file())
        if not files:
            return "intact"
        f = self.pick(files)
        rel = str(f.relative_to(path))
        m = self.int(0, 6)
        data = bytearray(f.read_bytes())
        if m <= 1 and data:  # flip bytes, same size
            for _ in range(self.int(1, 4)):
                i = self.int(0, len(data) - 1)
                data[i] ^= self.int(1, 255)
            f.write_bytes(bytes(data))
            return f"flip:{rel}"
        if m == 2 and data:
            f.write_bytes(bytes(data[: self.int(0, len(data) - 1)]))
            return f"truncate:{rel}"
        if m == 3:
            f.write_bytes(bytes(data) + self.bytes(self.int(1, 16)).ljust(1, b"\0"))
            return f"extend:{rel}"
        if m == 4:
            f.unlink()
            return f"remove:{rel}"
        if m == 5:
            f.write_bytes(b"")
            return f"empty:{rel}"
        man = path / "manifest.json"
        try:
            doc = json.loads(man.read_text())
        except (OSError, ValueError):
            return "intact"
        key = self.pick(("format_version", "token_width", "separator", "vocab_size", "n_docs", "n_tokens",
                         "tokenizer", "shards", "normalisation", "format"))
        doc[key] = self.pick((0, -1, 1, 2, 3, 4, 8, 2**40, None, "bytes", "x", [], {}, 1.5))
        man.write_text(json.dumps(doc))
        return f"manifest:{key}"


# ---------------------------------------------------------------------- cached pristine indexes
_CORPORA: tuple[tuple[str, ...], ...] = (
    ("the cat sat on the mat", "the dog sat on the log", "a cat and a dog"),
    ("x", "", "xx xx xx", "Σίσυφος ΣΣ σς", "日本語のテキスト"),
    ("abababababab", "ab ab ab ab", "b a b a", "the the the the the the"),
)
_PRISTINE: dict[tuple[str, int], Path] = {}


def _tmp_root() -> str | None:
    """Where work directories go: SEENIT_FUZZ_TMP (set by ``all``, which removes it afterwards, so a
    target that crashes leaves nothing behind), else /dev/shm when writable, else the default."""
    env = os.environ.get("SEENIT_FUZZ_TMP")
    if env and os.path.isdir(env):
        return env
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _pristine(tokenizer: str, i: int) -> Path:
    key = (tokenizer, i)
    if key not in _PRISTINE:
        from seenit import NgramIndex

        d = Path(tempfile.mkdtemp(prefix="seenit-fuzz-pristine-", dir=_tmp_root())) / "idx"
        NgramIndex.build(list(_CORPORA[i]), d, tokenizer=tokenizer, progress=False)
        _PRISTINE[key] = d
    return _PRISTINE[key]


def cleanup() -> None:
    for p in _PRISTINE.values():
        shutil.rmtree(p.parent, ignore_errors=True)
    _PRISTINE.clear()
