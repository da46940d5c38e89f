"""Targets: runtime (threads, CPU features) in the public API and in _core."""

from __future__ import annotations

from typing import Any

import seenit
from seenit import _core

from . import call, check, known, skip, target
from .decode import Decoder

MAX_SAFE_THREADS = 4  # known issue set-num-threads-huge: larger counts stay out while it is open


def _threads(d: Decoder) -> object:
    n = d.maybe_weird(d.small_int(0, MAX_SAFE_THREADS, wild=20), 5)
    return n


@target("set_num_threads", area="runtime", covers=["seenit.set_num_threads", "seenit.get_num_threads"])
def fuzz_set_num_threads(d: Decoder) -> None:
    """set_num_threads then get_num_threads: the count set (0: the default), and a kernel still runs."""
    before = seenit.get_num_threads()
    n = _threads(d)
    try:
        call(seenit.set_num_threads, n)
        got = seenit.get_num_threads()
        check(got == n or (n == 0 and got >= 1), f"set_num_threads({n}) then get_num_threads() = {got}")
        seenit.segment_reduce([1.0, 2.0, 3.0], [0, 1, 3], "sum")
    finally:
        seenit.set_num_threads(before)


@target("cpu_features", area="runtime", covers=["seenit.cpu_features", "_core.cpu_features"])
def fuzz_cpu_features(d: Decoder) -> None:
    """cpu_features: a dict of bools, the same from the public API and from _core."""
    f = call(seenit.cpu_features)
    check(isinstance(f, dict) and all(isinstance(v, bool) for v in f.values()), f"cpu_features {f}")
    check(f == dict(_core.cpu_features()), "public and _core cpu_features differ")


@target("core.set_num_threads", area="runtime", covers=["_core.set_num_threads", "_core.get_num_threads"])
def fuzz_core_set_num_threads(d: Decoder) -> None:
    """_core.set_num_threads with raw values (negative, wrong types) and _core.get_num_threads."""
    before = _core.get_num_threads()
    n = _threads(d)
    try:
        call(_core.set_num_threads, n)
        check(_core.get_num_threads() >= 1, "get_num_threads < 1")
    finally:
        _core.set_num_threads(before)


@target("core._parallel_selftest", area="runtime", covers=["_core._parallel_selftest"])
def fuzz_core_parallel_selftest(d: Decoder) -> None:
    """_core._parallel_selftest: parallel_for over n items, an exception thrown at any index is rethrown."""
    n = d.small_int(0, 5000, wild=5)
    if n > 10**7:
        skip()  # work proportional to n by design
    throw_at = d.small_int(-1, max(n, 0), wild=5)
    dynamic = d.bool()
    r = call(_core._parallel_selftest, n, throw_at, dynamic, allowed=(RuntimeError,))
    check(isinstance(r, int), f"_parallel_selftest returned {r!r}")


@target("Normalisation.encode_block", area="runtime", covers=["seenit.Normalisation.encode_block"])
def fuzz_normalisation_encode_block(d: Decoder) -> None:
    """Normalisation.encode_block(texts) is b"".join(norm(t).encode()) with its offsets, for any
    texts (surrogates included: an error exactly where the per-document encode fails), on 1 and 2 threads."""
    import numpy as np

    from . import thread_invariant

    n = seenit.Normalisation(lowercase=d.bool(), strip_punctuation=d.bool(), collapse_whitespace=d.bool())
    docs = d.docs()
    got = thread_invariant(lambda: call(n.encode_block, docs))
    blob, offsets = got
    check(blob.dtype == np.uint8 and offsets.dtype == np.int64, f"dtypes {blob.dtype} {offsets.dtype}")
    parts = [n(t).encode("utf-8") for t in docs]  # encode_block returned: so must the reference
    check(blob.tobytes() == b"".join(parts), "encode_block != per-document Normalisation")
    check(offsets.tolist() == np.cumsum([0, *map(len, parts)]).tolist(), "encode_block offsets wrong")


@target("core.normalise_utf8", area="runtime", covers=["_core.normalise_utf8"])
def fuzz_core_normalise_utf8(d: Decoder) -> None:
    """_core.normalise_utf8 with raw (bytes, offsets) that may be bad UTF-8, bad offsets, bad dtypes,
    a bad table or per-document flags of the wrong length: a result or ValueError/TypeError."""
    import numpy as np

    from seenit.tokenize import _char_table

    from . import thread_invariant

    docs = [d.utf8() for _ in range(d.size(6))]
    text = np.frombuffer(b"".join(docs), dtype=np.uint8)
    offsets = np.cumsum([0, *map(len, docs)]).astype(np.int64)
    if d.chance(20):
        offsets = d.offsets(text.size, len(docs))
    if d.chance(10):
        text = d.mangle(text)
    table = _char_table()[0]
    if d.chance(10):
        table = table.copy()
        table[d.int(0, 200)] = d.int(0, 2**32 - 1)
    if d.chance(5):
        table = table[: d.int(0, 10)]
    lowercase = np.frombuffer(bytes(d.int(0, 1) for _ in range(len(docs))), dtype=np.uint8)
    if d.chance(5):
        lowercase = lowercase[:-1]
    strip, collapse, skip = d.bool(), d.bool(), d.bool()
    out = thread_invariant(lambda: call(_core.normalise_utf8, text, offsets, table, lowercase, strip, collapse, skip))
    blob, offs, deferred = out
    check(blob.dtype == np.uint8 and offs.dtype == np.int64 and offs[0] == 0 and offs[-1] == blob.size,
          "normalise_utf8 returned a bad (bytes, offsets) pair")
    check(skip or deferred.size == 0, "documents deferred without skip_deferred")
    check(deferred.tolist() == sorted(set(deferred.tolist())) and all(offs[j] == offs[j + 1] for j in deferred.tolist()),
          "deferred documents must be ascending, distinct and left empty")


@target("Normalisation.encode_utf8", area="runtime", covers=["seenit.Normalisation.encode_utf8",
                                                             "seenit.Normalisation.encode_utf8_parts"])
def fuzz_normalisation_encode_utf8(d: Decoder) -> None:
    """Normalisation.encode_utf8(values, offsets) is encode_block of the decoded texts, for any
    texts (surrogatepass bytes included); raw bytes, bad offsets and bad dtypes are a ValueError/TypeError."""
    import numpy as np

    n = seenit.Normalisation(lowercase=d.bool(), strip_punctuation=d.bool(), collapse_whitespace=d.bool())
    docs = d.texts()
    parts = [t.encode("utf-8", "surrogatepass") for t in docs]
    if d.chance(15):  # raw bytes (maybe not UTF-8), maybe bad offsets or dtypes
        values = d.mangle(np.frombuffer(d.utf8(), np.uint8))
        call(n.encode_utf8, values, d.offsets(np.asarray(values).size if isinstance(values, np.ndarray) else 0, d.size(4)))
        return

    def outcome(fn: Any, *args: Any) -> Any:
        try:
            blob, offs = fn(*args)
            return bytes(blob), offs.tolist()
        except ValueError as e:  # a kept lone surrogate: both must refuse it
            return type(e).__name__

    got = outcome(n.encode_utf8, np.frombuffer(b"".join(parts), np.uint8), np.cumsum([0, *map(len, parts)]).astype(np.int64))
    check(got == outcome(n.encode_block, docs), "encode_utf8 != encode_block of the decoded texts")
    if isinstance(got, tuple):  # the parts: deferred documents empty in the blob, given apart in order
        values = np.frombuffer(b"".join(parts), np.uint8)
        blob, offs, deferred, sub, sub_offs = n.encode_utf8_parts(values, np.cumsum([0, *map(len, parts)]).astype(np.int64))
        want_blob, want_offs = got
        rows = [bytes(blob[offs[i] : offs[i + 1]]) for i in range(len(docs))]
        for k, j in enumerate(deferred.tolist()):
            check(rows[j] == b"", "a deferred document is not empty in the blob")
            rows[j] = bytes(sub[sub_offs[k] : sub_offs[k + 1]])
        check(rows == [want_blob[want_offs[i] : want_offs[i + 1]] for i in range(len(docs))],
              "encode_utf8_parts do not splice to encode_utf8")


@target("core.jsonl_fields", area="runtime", covers=["_core.jsonl_fields"])
def fuzz_core_jsonl_fields(d: Decoder) -> None:
    """_core.jsonl_fields on JSON lines built from known-tricky lines, raw fuzz bytes and
    mangled pieces: it takes exactly the lines jsonl_lines.strict_field defines (with their
    value), defers every other non-blank line, and keeps lines and byte ranges straight."""
    import numpy as np

    from .jsonl_lines import LINES, strict_field

    parts = []
    for _ in range(d.size(6)):
        kind = d.int(0, 3)
        if kind == 0:
            parts.append(d.pick(LINES).encode("utf-8", "surrogatepass"))
        elif kind == 1:
            parts.append(d.utf8())
        elif kind == 2:
            line = d.pick(LINES).encode("utf-8", "surrogatepass")
            cut = d.int(0, len(line))
            parts.append(line[:cut] + d.bytes(d.int(0, 3)) + line[cut:])
        else:
            parts.append(('{"text": "' + d.text() + '"}').encode("utf-8", "surrogatepass"))
        parts.append(d.pick([b"\n", b"\r", b"\r\n", b""]))
    data = b"".join(parts)
    field = d.pick(["text", "t", "", "a"])
    values, offsets, line, deferred, begin, end, n_lines = call(_core.jsonl_fields, np.frombuffer(data, np.uint8), field)
    ended = data.splitlines(keepends=True)
    check(n_lines == len(ended), f"jsonl_fields counted {n_lines} lines, splitlines {len(ended)}")
    rows = [i for i, ln in enumerate(data.splitlines()) if ln.strip(b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")]
    check(line.tolist() == rows, "jsonl_fields rows are not the non-blank lines")
    check(offsets.size == len(rows) + 1 and offsets[0] == 0 and offsets[-1] == values.size, "bad offsets")
    for r, i in enumerate(rows):
        check(data[begin[r] : end[r]] == ended[i], f"row {r}: byte range is not line {i}")
        want = strict_field(ended[i].rstrip(b"\r\n"), field)
        got = None if deferred[r] else bytes(values[offsets[r] : offsets[r + 1]])
        check((want is None) == (got is None) and (got is None or got == want.encode("utf-8")),
              f"line {ended[i]!r}: took {got!r}, the definition says {want!r}")
