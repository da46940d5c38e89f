"""Tokenizers and text normalisation for n-gram indexes and contamination scans.

A tokenizer turns text into the integer tokens an index stores, and names the
*separator* token placed between documents so that no match crosses a boundary:

- ``"bytes"``: UTF-8 bytes (uint8). Separator 0xFF, which never occurs in UTF-8.
- ``"whitespace"``: ``str.split()`` words mapped to ids by a vocabulary that grows
  while an index is built and is stored with it (``vocab.json``); uint32 ids,
  separator 0, words from 1. A word not in the vocabulary matches nothing.
- ``"tiktoken:<encoding>"`` (e.g. ``tiktoken:cl100k_base``; ``pip install tiktoken``)
  and ``"hf:<path to tokenizer.json>"`` (``pip install tokenizers``): the ids of that
  tokenizer, uint16 when they fit, else uint32; the separator is the first id past
  the vocabulary. Subword tokenizers segment a fragment differently from the same
  text inside a document, so their n-gram matches are approximate at the edges.

``Normalisation`` (lowercase, strip punctuation, collapse whitespace) is applied to
the text before tokenizing; an index records the one it was built with and every
``str`` query and benchmark item gets the same.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

_PUNCT = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Normalisation:
    """Text normalisation applied identically to a corpus and to what is looked up in it.

    ``strip_punctuation`` removes every character that is neither a word character
    nor whitespace; ``collapse_whitespace`` replaces each run of whitespace by one
    space (nothing is trimmed, so a fragment stays a fragment). Order: lowercase,
    strip punctuation, collapse whitespace.
    """

    lowercase: bool = False
    strip_punctuation: bool = False
    collapse_whitespace: bool = False

    def __call__(self, text: str) -> str:
        if self.lowercase:
            text = text.lower()
        if self.strip_punctuation:
            text = _PUNCT.sub("", text)
        if self.collapse_whitespace:
            text = _SPACE.sub(" ", text)
        return text

    def encode_block(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Normalise many documents at once, in C++: ``(blob, offsets)`` with ``blob``
        (uint8) exactly ``b"".join(self(t).encode("utf-8") for t in texts)`` and ``offsets``
        (int64, ``len(texts) + 1``, from 0) where each document starts and ends in it.

        The kernel reads each document's UTF-8 and looks every code point up in a table
        built once per process from this interpreter's ``str.lower`` and the same
        regexes ``__call__`` uses, so the result is identical for any text. Documents
        whose lowercase needs context or more than one character (U+0130, U+03A3) are
        lowercased here in Python first. A lone surrogate that normalisation keeps is a
        ValueError naming the document (it has no UTF-8 encoding, as ``encode`` says).
        """
        from ._validate import check_str_sequence

        texts = check_str_sequence(texts, "texts")
        _, defer = _char_table()
        lower = self.lowercase
        parts: list[bytes] = []
        flags = bytearray(len(texts))
        for i, t in enumerate(texts):
            if lower:
                if not t.isascii() and any(c in t for c in defer):
                    t = t.lower()  # context-dependent or one-to-many lowercase: the reference's own
                else:
                    flags[i] = 1
            parts.append(t.encode("utf-8", "surrogatepass"))
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        offsets = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.frombuffer(b"".join(parts), dtype=np.uint8)
        del parts
        out, out_offsets, _ = self._normalise(blob, offsets, np.frombuffer(flags, dtype=np.uint8), "texts")
        return out, out_offsets

    def encode_utf8(self, values: np.ndarray, offsets: np.ndarray, name: str = "texts") -> tuple[np.ndarray, np.ndarray]:
        """:meth:`encode_block` of documents already UTF-8 encoded (``values`` uint8, CSR
        ``offsets`` int64 from 0; lone surrogates as ``surrogatepass`` writes them):
        the same result as ``encode_block`` of their decoded texts, without decoding them.
        Documents holding a character whose lowercase needs context (U+0130, U+03A3) are
        lowercased in Python, as there: the kernel lists them while normalising the rest."""
        blob, offs, deferred, sub, sub_offs = self.encode_utf8_parts(values, offsets, name)
        if not deferred.size:
            return blob, offs
        return _spliced(blob, offs, deferred, sub, sub_offs)

    def encode_utf8_parts(self, values: np.ndarray, offsets: np.ndarray, name: str = "texts"
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`encode_utf8` in two parts, for callers that can take them apart (splicing
        copies the whole block): ``(blob, offsets, deferred, sub, sub_offsets)`` where the
        documents ``deferred`` (ascending) are empty in ``(blob, offsets)`` and are, in order,
        the documents of ``(sub, sub_offsets)``."""
        from ._validate import ragged

        values, offsets = ragged(values, offsets, np.uint8, "values")
        flags = np.full(offsets.size - 1, 1 if self.lowercase else 0, np.uint8)
        blob, offs, deferred = self._normalise(values, offsets, flags, name, skip_deferred=True)
        if not deferred.size:
            return blob, offs, deferred, np.zeros(0, np.uint8), np.zeros(1, np.int64)
        low = [values[offsets[j] : offsets[j + 1]].tobytes().decode("utf-8", "surrogatepass").lower()
               .encode("utf-8", "surrogatepass") for j in deferred.tolist()]
        low_offsets = np.zeros(len(low) + 1, np.int64)
        np.cumsum(np.fromiter(map(len, low), np.int64, count=len(low)), out=low_offsets[1:])
        sub, sub_offs, _ = self._normalise(np.frombuffer(b"".join(low), np.uint8), low_offsets,
                                           np.zeros(len(low), np.uint8), name, index=deferred)
        return blob, offs, deferred, sub, sub_offs

    def _normalise(self, blob: np.ndarray, offsets: np.ndarray, flags: np.ndarray, name: str, *,
                   skip_deferred: bool = False, index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kernel's (bytes, offsets, deferred); errors name ``name[i]`` (``index[i]`` when given)."""
        from ._core import normalise_utf8

        table, _ = _char_table()
        try:
            return normalise_utf8(blob, offsets, table, flags, self.strip_punctuation, self.collapse_whitespace,
                                  skip_deferred)
        except ValueError as e:
            m = re.match(r"document (\d+) \(byte \d+\) holds a lone surrogate", str(e))
            if m:
                i = int(m.group(1)) if index is None else int(index[int(m.group(1))])
                raise ValueError(f"{name}[{i}] {str(e).split(') ', 1)[1]}") from None
            raise

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Normalisation:
        d = d or {}
        unknown = set(d) - {"lowercase", "strip_punctuation", "collapse_whitespace"}
        if unknown:
            raise ValueError(f"unknown normalisation options: {sorted(unknown)}")
        return cls(**{k: bool(v) for k, v in d.items()})


def _spliced(blob: np.ndarray, offsets: np.ndarray, docs: np.ndarray, sub: np.ndarray,
             sub_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(blob, offsets)`` with the empty documents ``docs`` (ascending) replaced by the
    documents of ``(sub, sub_offsets)``, in order."""
    pieces, prev = [], 0
    for k, j in enumerate(docs.tolist()):
        pieces += [blob[offsets[prev] : offsets[j]], sub[sub_offsets[k] : sub_offsets[k + 1]]]
        prev = j + 1
    pieces.append(blob[offsets[prev] :])
    lengths = np.diff(offsets)
    lengths[docs] = np.diff(sub_offsets)
    out_offsets = np.zeros_like(offsets)
    np.cumsum(lengths, out=out_offsets[1:])
    return np.concatenate(pieces), out_offsets


@functools.cache
def _char_table() -> tuple[np.ndarray, tuple[str, ...]]:
    """The per-code-point table of the normalise kernel (cpp/include/seenit/normalise.hpp)
    and the characters it cannot lowercase alone, built from this interpreter's own
    ``str.lower``, ``_SPACE`` and ``_PUNCT``: bits 0..20 the lowercase, bit 21 ``\\s``,
    bit 22 ``[^\\w\\s]``, bit 23 "lowercase not one context-free code point"."""
    n = 0x110000
    cps = np.arange(n, dtype=np.uint32)
    every = cps.tobytes().decode("utf-32-le", "surrogatepass")  # every code point, surrogates too
    table = cps.copy()
    deferred = []
    block = 4096
    for b in range(0, n, block):
        chunk = every[b : b + block]
        low = chunk.lower()
        if low == chunk:
            continue
        if len(low) == len(chunk):
            changed = np.flatnonzero(np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != cps[b : b + block])
        else:
            changed = np.arange(len(chunk))
        for j in changed.tolist():  # each changed character lowered on its own: no context
            one = chunk[j].lower()
            if len(one) == 1:
                table[b + j] = ord(one)
            else:
                deferred.append(b + j)
    # str.lower maps U+03A3 (capital sigma) to final or non-final sigma by its neighbours
    # (CPython's handle_capital_sigma): the only context rule in str.lower
    deferred.append(0x3A3)
    table[deferred] |= np.uint32(1 << 23)
    for m in _SPACE.finditer(every):
        table[m.start() : m.end()] |= np.uint32(1 << 21)
    for m in re.finditer(f"(?:{_PUNCT.pattern})+", every):
        table[m.start() : m.end()] |= np.uint32(1 << 22)
    table.flags.writeable = False
    return table, tuple(chr(c) for c in sorted(set(deferred)))


class Tokenizer:
    """Base class: ``encode`` text to a 1-D token array, ``decode`` back."""

    spec: str = ""
    dtype: np.dtype = np.dtype(np.uint8)
    separator: int = 0
    #: Token ids valid in a query are < vocab_size.
    vocab_size: int = 0
    #: True when the vocabulary grows during a build and is stored with the index.
    stateful: bool = False

    def encode(self, text: str, *, grow: bool = False) -> np.ndarray:
        raise NotImplementedError

    def encode_docs(self, texts: Iterable[str]) -> np.ndarray:
        """Documents joined as ``doc0 SEP doc1 SEP ... docN-1 SEP`` (growing the vocabulary)."""
        parts: list[np.ndarray] = []
        sep = np.array([self.separator], dtype=self.dtype)
        for t in texts:
            parts.append(self.encode(t, grow=True))
            parts.append(sep)
        return np.concatenate(parts) if parts else np.empty(0, dtype=self.dtype)

    def decode(self, tokens: np.ndarray) -> str:
        raise NotImplementedError

    def save_state(self, directory: Path) -> list[str]:
        """Write vocabulary files into ``directory``; returns their names."""
        return []


class BytesTokenizer(Tokenizer):
    spec = "bytes"
    dtype = np.dtype(np.uint8)
    separator = 0xFF
    vocab_size = 256

    def encode(self, text: str, *, grow: bool = False) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).copy()

    def encode_docs(self, texts: Iterable[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty(0, dtype=np.uint8)
        try:
            blob = b"\xff".join(t.encode("utf-8") for t in texts)
        except UnicodeEncodeError:
            from .io import check_no_surrogates

            check_no_surrogates(texts, "docs")
            raise
        return np.frombuffer(blob + b"\xff", dtype=np.uint8)

    def decode(self, tokens: np.ndarray) -> str:
        return np.asarray(tokens, dtype=np.uint8).tobytes().decode("utf-8", errors="replace")


class WhitespaceTokenizer(Tokenizer):
    spec = "whitespace"
    dtype = np.dtype(np.uint32)
    separator = 0
    stateful = True
    UNKNOWN = 2**32 - 1  # an id that never occurs in an index

    def __init__(self, words: list[str] | None = None) -> None:
        self.words: list[str] = ["<sep>"] + list(words or [])
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words) if i}

    @property
    def vocab_size(self) -> int:  # type: ignore[override]
        return len(self.words)

    def encode(self, text: str, *, grow: bool = False) -> np.ndarray:
        out = np.empty(0, dtype=np.uint32)
        ws = text.split()
        if grow:
            ids = self.ids
            for w in ws:
                if w not in ids:
                    ids[w] = len(self.words)
                    self.words.append(w)
            out = np.fromiter((ids[w] for w in ws), dtype=np.uint32, count=len(ws))
        else:
            out = np.fromiter((self.ids.get(w, self.UNKNOWN) for w in ws), dtype=np.uint32, count=len(ws))
        return out

    def decode(self, tokens: np.ndarray) -> str:
        return " ".join(self.words[int(t)] if 0 < int(t) < len(self.words) else "<unk>" for t in tokens)

    def save_state(self, directory: Path) -> list[str]:
        (directory / "vocab.json").write_text(json.dumps(self.words[1:], ensure_ascii=False), encoding="utf-8")
        return ["vocab.json"]

    @classmethod
    def load(cls, directory: Path) -> WhitespaceTokenizer:
        words = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError(f"{directory / 'vocab.json'}: not a JSON list of words")
        return cls(words)


class _IdTokenizer(Tokenizer):
    """Common part of tiktoken / Hugging Face tokenizers: fixed vocabulary of n ids."""

    def _setup(self, n: int) -> None:
        self.vocab_size = n
        self.separator = n
        self.dtype = np.dtype(np.uint16) if n < 2**16 else np.dtype(np.uint32)

    def _ids(self, text: str) -> list[int]:
        raise NotImplementedError

    def encode(self, text: str, *, grow: bool = False) -> np.ndarray:
        return np.asarray(self._ids(text), dtype=self.dtype)


class TiktokenTokenizer(_IdTokenizer):
    def __init__(self, encoding: str) -> None:
        try:
            import tiktoken
        except ImportError:
            raise ImportError(
                f"tokenizer 'tiktoken:{encoding}' needs the tiktoken package: pip install 'seenit[tiktoken]' (or pip install tiktoken)"
            ) from None
        self.spec = f"tiktoken:{encoding}"
        self._enc = tiktoken.get_encoding(encoding)
        self._setup(int(self._enc.n_vocab))

    def _ids(self, text: str) -> list[int]:
        return self._enc.encode(text, disallowed_special=())

    def decode(self, tokens: np.ndarray) -> str:
        return self._enc.decode([int(t) for t in tokens if int(t) < self.vocab_size])


class HFTokenizer(_IdTokenizer):
    def __init__(self, path: str) -> None:
        try:
            from tokenizers import Tokenizer as _HF
        except ImportError:
            raise ImportError(
                f"tokenizer 'hf:{path}' needs the Hugging Face tokenizers package: pip install 'seenit[hf]' (or pip install tokenizers)"
            ) from None
        if not Path(path).is_file():
            raise FileNotFoundError(f"tokenizer: hf tokenizer file not found: {path!r}")
        self.spec = f"hf:{path}"
        self._tok = _HF.from_file(str(path))
        self._setup(int(self._tok.get_vocab_size(with_added_tokens=True)))

    def _ids(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def decode(self, tokens: np.ndarray) -> str:
        return self._tok.decode([int(t) for t in tokens if int(t) < self.vocab_size], skip_special_tokens=False)


def get_tokenizer(spec: str, *, state_dir: Path | None = None) -> Tokenizer:
    """The tokenizer named by ``spec`` (see the module docstring); ``state_dir``
    holds a stored vocabulary (whitespace) when reopening an index."""
    if not isinstance(spec, str):
        raise TypeError(f"tokenizer must be a str such as 'bytes', got {type(spec).__name__}")
    if spec == "bytes":
        return BytesTokenizer()
    if spec == "whitespace":
        return WhitespaceTokenizer.load(state_dir) if state_dir is not None else WhitespaceTokenizer()
    if spec.startswith("tiktoken:") and len(spec) > len("tiktoken:"):
        return TiktokenTokenizer(spec.split(":", 1)[1])
    if spec.startswith("hf:") and len(spec) > len("hf:"):
        return HFTokenizer(spec.split(":", 1)[1])
    raise ValueError(
        f"tokenizer must be 'bytes', 'whitespace', 'tiktoken:<encoding>' or 'hf:<tokenizer.json path>', got {spec!r}"
    )
