"""Exact-substring deduplication (Lee et al. 2021, "Deduplicating Training Data Makes
Language Models Better", the ExactSubstr method) through a suffix array and its LCP array.

A span is a duplicate when every token of it lies in some window of ``min_length``
tokens that occurs at least twice in the corpus (in the same or another document);
overlapping and touching windows merge into maximal spans, reported per document.
Lee et al. used 50 tokens (GPT-2 BPE); on the default ``bytes`` tokenizer
``min_length`` counts UTF-8 bytes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import INT64_MAX, check_int
from .index import NgramIndex, _texts
from ..tokenize import BytesTokenizer, Tokenizer, get_tokenizer


@dataclass(frozen=True)
class ExactDuplicates:
    """Duplicate spans ``[start[i], end[i])`` (token offsets; bytes for the ``bytes``
    tokenizer) in document ``doc[i]``, sorted by document then start. With
    ``remove=True``, ``documents`` holds every document with its spans cut out."""

    doc: npt.NDArray[np.int64]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    n_docs: int
    n_tokens: int
    min_length: int
    documents: list[str] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.doc.size)

    @property
    def duplicate_tokens(self) -> int:
        return int((self.end - self.start).sum())

    def to_dict(self) -> dict[str, Any]:
        return {"min_length": self.min_length, "n_docs": self.n_docs, "n_tokens": self.n_tokens,
                "duplicate_tokens": self.duplicate_tokens,
                "spans": [[int(d), int(s), int(e)] for d, s, e in zip(self.doc, self.start, self.end)]}


def _widen_to_utf8(doc_bytes: np.ndarray, s: int, e: int) -> tuple[int, int]:
    """Grow [s, e) outwards so it does not cut a UTF-8 character."""
    while s > 0 and (int(doc_bytes[s]) & 0xC0) == 0x80:
        s -= 1
    while e < doc_bytes.size and (int(doc_bytes[e]) & 0xC0) == 0x80:
        e += 1
    return s, e


def _remove(tok: Tokenizer, doc_tokens: list[np.ndarray], res_doc: np.ndarray, res_s: np.ndarray, res_e: np.ndarray) -> list[str]:
    out: list[str] = []
    bounds = np.searchsorted(res_doc, np.arange(len(doc_tokens) + 1), side="left")
    is_bytes = isinstance(tok, BytesTokenizer)
    for i, toks in enumerate(doc_tokens):
        a, b = int(bounds[i]), int(bounds[i + 1])
        if a == b:
            out.append(tok.decode(toks))
            continue
        keep = np.ones(toks.size, dtype=bool)
        for s, e in zip(res_s[a:b], res_e[a:b]):
            s, e = int(s), int(e)
            if is_bytes:
                s, e = _widen_to_utf8(toks, s, e)
            keep[s:e] = False
        out.append(tok.decode(toks[keep]))
    return out


def exact_duplicates(
    docs_or_index: Union[NgramIndex, Sequence[str], str, "os.PathLike[str]"],
    min_length: int = 50,
    *,
    tokenizer: str = "bytes",
    field: str = "text",
    remove: bool = False,
) -> ExactDuplicates:
    """Every span of >= ``min_length`` tokens that occurs at least twice.

    ``docs_or_index``: a list of str documents, files (as for :meth:`NgramIndex.build`,
    tokenized with ``tokenizer``), or an opened single-shard :class:`NgramIndex`
    (its suffix array is reused; only the LCP array is computed, 4 or 8 bytes per
    token). ``remove=True`` also returns the cleaned documents (for ``bytes`` spans are
    widened to whole UTF-8 characters before cutting).

    >>> r = exact_duplicates(["x" * 3 + "hello world", "hello world" + "y"], min_length=5)
    >>> list(zip(r.doc.tolist(), r.start.tolist(), r.end.tolist()))
    [(0, 3, 14), (1, 0, 11)]
    """
    from .suffix import lcp_array, suffix_array

    min_length = check_int(min_length, "min_length", lo=1, hi=INT64_MAX)
    if isinstance(docs_or_index, NgramIndex):
        index = docs_or_index
        if len(index.shards) != 1:
            raise ValueError(
                f"exact_duplicates needs a single-shard index (duplicates across shards are not found); "
                f"{index.path} has {len(index.shards)} shards: rebuild without shard_tokens or pass the documents"
            )
        tok = index.tokenizer
        shard = index.shards[0]
        tokens, sa, starts = shard.tokens, shard.sa, np.asarray(shard.docs)
        sep = index.separator
    else:
        tok = get_tokenizer(tokenizer)
        docs = list(_texts(docs_or_index, field))
        if not docs:
            raise ValueError("docs_or_index holds no documents")
        tokens = tok.encode_docs(docs)
        sa = suffix_array(np.ascontiguousarray(tokens))
        seps = np.flatnonzero(tokens == tok.separator)
        starts = np.concatenate(([0], seps + 1)).astype(np.int64)
        sep = tok.separator
    lcp = lcp_array(np.asarray(tokens), np.asarray(sa))
    gs, ge = _core.exact_duplicate_spans(tokens, sa, lcp, sep, min_length)
    d = np.searchsorted(starts, gs, side="right") - 1
    res = ExactDuplicates(doc=d.astype(np.int64), start=gs - starts[d], end=ge - starts[d], n_docs=int(starts.size - 1),
                          n_tokens=int(tokens.size), min_length=min_length)
    if not remove:
        return res
    doc_tokens = [np.asarray(tokens[int(starts[i]) : int(starts[i + 1]) - 1]) for i in range(starts.size - 1)]
    cleaned = _remove(tok, doc_tokens, res.doc, res.start, res.end)
    return ExactDuplicates(res.doc, res.start, res.end, res.n_docs, res.n_tokens, min_length, cleaned)
