"""Calibration: what would this scan have missed? ``seenit.scan(..., calibrate=K)``.

For every benchmark, K items are drawn at random (seeded) and planted, each in five forms,
into real documents of the scanned corpus; the scan's own methods, with the same settings,
then run over the planted documents only, and the share of planted items each method
flags is the scan's measured recall for that kind of copy.

Transformations (:data:`TRANSFORMATIONS`), each planted in its own small corpus:

- ``verbatim``: the item as it is, inserted at a random word boundary of a random host;
- ``embedded``: the item as it is, inserted at the word boundary nearest the middle of a
  long host (at least :data:`LONG_HOST_CHARS` characters; when the host pool has fewer
  than K such documents, its K longest);
- ``rewrapped``: the item's words re-joined with a newline after every
  :data:`WRAP_WORDS` words (a space elsewhere);
- ``case_punct``: upper-cased or title-cased (one of the two per item, at random), and each
  ASCII punctuation character removed or replaced by another of ``,.;:!?`` (even odds);
- ``edited``: one word in :data:`EDIT_EVERY` (rounded half up, at least one; positions at
  random) replaced by a different word drawn from the benchmark's own vocabulary.

All but ``embedded`` use the same host and the same boundary for a given item, so the
transformations are compared on the same documents. Hosts are drawn without replacement
per benchmark (two benchmarks may share a host) from the first :data:`HOST_POOL_DOCS`
documents of the corpus, in corpus order (reading them is the only corpus access: two
bounded reads, not a pass over a large corpus). Every random choice comes from a
generator seeded by ``(seed, benchmark name)`` or ``(seed, benchmark name, item, use)``,
so a calibration is reproducible and a benchmark's draw does not depend on the others.

Each transformation's planted documents (all benchmarks together) are written to
``DIR/calibration/<transformation>.jsonl`` and scanned by :func:`seenit.scan` itself into
``DIR/calibration/<transformation>/`` against the whole benchmarks (the local engine, the
same methods and settings; the run is redone each time, it is O(K + benchmark) work).
Per benchmark x transformation x method (and the overall verdict):

- ``recall``: the fraction of the K planted items whose verdict is not ``clean``;
- ``contaminated``: the fraction whose verdict is ``contaminated``;
- ``false_positives``: the benchmark's *other* items (not planted) that are not ``clean``
  in that small scan; these include real occurrences in the host documents and
  near-copies of a planted item inside the benchmark, which the main scan would flag too;
- ``missed``: the benchmark indices of planted items left ``clean``.

report.json's ``calibration`` block is documented in docs/report_schema.md.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import string
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io import iter_records, write_jsonl
from .._validate import check_int
from .methods import BenchItems

TRANSFORMATIONS = ("verbatim", "embedded", "rewrapped", "case_punct", "edited")
#: ``embedded`` hosts are at least this long (characters) where the host pool has enough.
LONG_HOST_CHARS = 2_000
#: Hosts come from this many leading corpus documents (or the whole corpus if smaller).
HOST_POOL_DOCS = 100_000
#: ``rewrapped``: a newline after every WRAP_WORDS words.
WRAP_WORDS = 8
#: ``edited``: one word replaced per EDIT_EVERY words.
EDIT_EVERY = 10
#: ``case_punct``: what a changed punctuation character becomes.
PUNCT_REPLACEMENTS = ",.;:!?"
#: The name of the overall verdict's row beside the methods.
OVERALL = "overall"

_ASCII_PUNCT = frozenset(string.punctuation)
_WORD = re.compile(r"[^\W\d_]+")  # letters only: the ``edited`` replacement vocabulary
_SPACE_RUN = re.compile(r"\s+")


# ------------------------------------------------------------------ checks


def check_calibrate(calibrate: Any, seed: Any, benches: Sequence[BenchItems], files: Sequence[Path], field: str,
                    skip_bad_lines: bool) -> int | None:
    """Check ``calibrate`` (None, or a positive int no larger than any benchmark's item count
    and the corpus's document count) and ``calibrate_seed`` (an int >= 0) before any heavy
    work. Counting the corpus reads at most ``calibrate`` documents. Returns ``calibrate``."""
    check_int(seed, "calibrate_seed", 0)
    if calibrate is None:
        return None
    k = check_int(calibrate, "calibrate", 1)
    for b in benches:
        if k > len(b.texts):
            raise ValueError(f"calibrate={k} is larger than benchmark {b.spec.name!r}'s item count ({len(b.texts)}): "
                             "choose calibrate <= the smallest benchmark")
    with contextlib.closing(iter_records(list(files), field=field, skip_bad_lines=skip_bad_lines)) as recs:
        n = sum(1 for _ in itertools.islice(recs, k))
    if n < k:
        raise ValueError(f"calibrate={k} is larger than the corpus's document count ({n}): each planted item needs "
                         "its own host document")
    return k


# ------------------------------------------------------------------ transformations


def _rng(seed: int, *key: str | int) -> np.random.Generator:
    """A generator for one use: seeded by ``seed`` and ``key`` (names hashed with CRC-32)."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode()) if isinstance(k, str) else int(k) for k in key)])


def rewrap(text: str, every: int = WRAP_WORDS) -> str:
    """The words of ``text`` joined by a space, with a newline instead after every ``every`` words."""
    words = text.split()
    return "\n".join(" ".join(words[i : i + every]) for i in range(0, len(words), every))


def case_punct(text: str, rng: np.random.Generator) -> str:
    """Upper- or title-case ``text`` (even odds), then remove or replace (even odds) each
    ASCII punctuation character by a different one of :data:`PUNCT_REPLACEMENTS`."""
    text = text.upper() if rng.integers(2) == 0 else text.title()
    out = []
    for c in text:
        if c not in _ASCII_PUNCT:
            out.append(c)
        elif rng.integers(2) == 1:
            others = [p for p in PUNCT_REPLACEMENTS if p != c]
            out.append(others[int(rng.integers(len(others)))])
    return "".join(out)


def edit_words(text: str, rng: np.random.Generator, vocabulary: Sequence[str], every: int = EDIT_EVERY) -> str:
    """Replace ``max(1, round_half_up(words / every))`` words of ``text`` at random positions by
    words of ``vocabulary`` that differ from them (case-insensitively); the words are re-joined
    with single spaces. A text without words, or a vocabulary with no other word, is returned as is."""
    words = text.split()
    if not words or not vocabulary:
        return text
    n_edit = min(len(words), max(1, (len(words) + every // 2) // every))
    for pos in sorted(rng.choice(len(words), n_edit, replace=False).tolist()):
        old = words[pos].lower()
        for _ in range(32):  # a different word; the vocabulary has more than one unless tiny
            new = vocabulary[int(rng.integers(len(vocabulary)))]
            if new.lower() != old:
                words[pos] = new
                break
    return " ".join(words)


def vocabulary_of(texts: Sequence[str]) -> list[str]:
    """The distinct letter-only words of ``texts``, lowercased and sorted (``edited``'s replacements)."""
    return sorted({w.lower() for t in texts for w in _WORD.findall(t)})


def word_boundaries(text: str) -> list[int]:
    """Offsets where a word may be inserted: 0, the end of every whitespace run, ``len(text)``."""
    return sorted({0, len(text), *(m.end() for m in _SPACE_RUN.finditer(text))})


def insert_at(host: str, item: str, at: int) -> str:
    """``item`` inserted into ``host`` at offset ``at``, with a space added on a side where
    neither text has whitespace."""
    left, right = host[:at], host[at:]
    sep_l = "" if not left or left[-1].isspace() or item[:1].isspace() else " "
    sep_r = "" if not right or right[0].isspace() or item[-1:].isspace() else " "
    return f"{left}{sep_l}{item}{sep_r}{right}"


# ------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class BenchPlan:
    """What is planted for one benchmark: ``items`` (benchmark indices, ascending), their hosts
    (corpus document ids; ``long_hosts`` for ``embedded``) and, per transformation, the planted
    documents (``docs[t][j]`` holds ``items[j]``)."""

    name: str
    n_items: int
    items: list[int]
    hosts: list[int]
    long_hosts: list[int]
    docs: dict[str, list[str]]


def _choose(name: str, n_items: int, k: int, seed: int, lengths: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Items, hosts and long hosts of one benchmark (document ids index ``lengths``)."""
    rng = _rng(seed, name)
    items = sorted(rng.choice(n_items, k, replace=False).tolist())
    hosts = rng.choice(lengths.size, k, replace=False).tolist()
    long_ids = np.flatnonzero(lengths >= LONG_HOST_CHARS)
    if long_ids.size >= k:
        long_hosts = rng.choice(long_ids, k, replace=False).tolist()
    else:  # too few long documents: the k longest (ties to the smaller id), in random order
        longest = np.argsort(-lengths, kind="stable")[:k]
        long_hosts = rng.permutation(longest).tolist()
    return items, [int(h) for h in hosts], [int(h) for h in long_hosts]


def plant(name: str, item_texts: Sequence[str], items: Sequence[int], hosts: Sequence[int],
          long_hosts: Sequence[int], host_text: Mapping[int, str], vocabulary: Sequence[str],
          seed: int) -> dict[str, list[str]]:
    """The planted documents of one benchmark, per transformation (see the module docstring)."""
    docs: dict[str, list[str]] = {t: [] for t in TRANSFORMATIONS}
    for i, h, lh in zip(items, hosts, long_hosts):
        text = item_texts[i]
        host, long_host = host_text[h], host_text[lh]
        bounds = word_boundaries(host)
        at = bounds[int(_rng(seed, name, i, "boundary").integers(len(bounds)))]
        lbounds = word_boundaries(long_host)
        middle = min(lbounds, key=lambda b: (abs(2 * b - len(long_host)), b))
        docs["verbatim"].append(insert_at(host, text, at))
        docs["embedded"].append(insert_at(long_host, text, middle))
        docs["rewrapped"].append(insert_at(host, rewrap(text), at))
        docs["case_punct"].append(insert_at(host, case_punct(text, _rng(seed, name, i, "case_punct")), at))
        docs["edited"].append(insert_at(host, edit_words(text, _rng(seed, name, i, "edited"), vocabulary), at))
    return docs


def _host_lengths(files: Sequence[Path], field: str, skip_bad_lines: bool, limit: int) -> np.ndarray:
    with contextlib.closing(iter_records(list(files), field=field, skip_bad_lines=skip_bad_lines)) as recs:
        return np.fromiter((len(r.text) for r in itertools.islice(recs, limit)), dtype=np.int64)


def _host_texts(files: Sequence[Path], field: str, skip_bad_lines: bool, ids: set[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    last = max(ids)
    with contextlib.closing(iter_records(list(files), field=field, skip_bad_lines=skip_bad_lines)) as recs:
        for d, r in enumerate(itertools.islice(recs, last + 1)):
            if d in ids:
                out[d] = r.text
    return out


def make_plans(benches: Sequence[BenchItems], files: Sequence[Path], field: str, skip_bad_lines: bool, k: int,
               seed: int, pool_docs: int = HOST_POOL_DOCS) -> tuple[list[BenchPlan], dict[str, int]]:
    """Draw and plant every benchmark's K items; also returns the host pool's description
    (``n_documents`` read, ``n_long`` of at least :data:`LONG_HOST_CHARS` characters)."""
    lengths = _host_lengths(files, field, skip_bad_lines, pool_docs)
    if lengths.size < k:
        raise ValueError(f"calibrate={k} is larger than the host pool ({lengths.size} documents)")
    chosen = [(b, *_choose(b.spec.name, len(b.texts), k, seed, lengths)) for b in benches]
    texts = _host_texts(files, field, skip_bad_lines, {h for _, _, hs, ls in chosen for h in hs + ls})
    plans = []
    for b, items, hosts, long_hosts in chosen:
        docs = plant(b.spec.name, b.texts, items, hosts, long_hosts, texts, vocabulary_of(b.texts), seed)
        plans.append(BenchPlan(b.spec.name, len(b.texts), items, hosts, long_hosts, docs))
    pool = {"n_documents": int(lengths.size), "long_chars": LONG_HOST_CHARS,
            "n_long": int((lengths >= LONG_HOST_CHARS).sum())}
    return plans, pool


# ------------------------------------------------------------------ recall


def _rates(verdicts: Sequence[str], planted: Sequence[int]) -> dict[str, Any]:
    """Recall, contaminated share, false positives and misses of one method in one small scan
    (``verdicts``: every benchmark item's verdict; ``planted``: the planted indices)."""
    mask = np.zeros(len(verdicts), dtype=bool)
    mask[list(planted)] = True
    flagged = np.array([v != "clean" for v in verdicts], dtype=bool)
    contaminated = np.array([v == "contaminated" for v in verdicts], dtype=bool)
    k = int(mask.sum())
    return {"recall": float(flagged[mask].sum() / k), "contaminated": float(contaminated[mask].sum() / k),
            "false_positives": int(flagged[~mask].sum()),
            "missed": [int(i) for i in np.flatnonzero(mask & ~flagged)]}


def recall_block(plans: Sequence[BenchPlan], reports: Mapping[str, Mapping[str, Any]], methods: Sequence[str],
                 k: int, seed: int, pool: Mapping[str, int]) -> dict[str, Any]:
    """report.json's ``calibration`` block from the small scans' report dicts (one per transformation)."""
    out_benches = []
    for p in plans:
        results: dict[str, dict[str, Any]] = {}
        for t in TRANSFORMATIONS:
            items = next(b for b in reports[t]["benchmarks"] if b["name"] == p.name)["items"]
            row = {m: _rates([it["evidence"][m]["verdict"] for it in items], p.items) for m in methods}
            row[OVERALL] = _rates([it["verdict"] for it in items], p.items)
            results[t] = row
        out_benches.append({"name": p.name, "n_items": p.n_items, "n_unplanted": p.n_items - len(p.items),
                            "items": p.items, "hosts": p.hosts, "long_hosts": p.long_hosts, "results": results})
    return {"k": k, "seed": seed, "transformations": list(TRANSFORMATIONS), "methods": list(methods),
            "overall": OVERALL, "engine": "local", "host_pool": dict(pool), "benchmarks": out_benches}


# ------------------------------------------------------------------ the run


def calibrate(scan_fn: Callable[..., Any], scan_args: Mapping[str, Any], benches: Sequence[BenchItems],
              files: Sequence[Path], out_dir: Path, k: int, seed: int) -> dict[str, Any]:
    """Plant, scan the planted documents (``scan_fn`` is :func:`seenit.scan`, called with
    ``scan_args``, the outer call's arguments, for the methods and their settings) and return
    the ``calibration`` block. ``out_dir`` (``DIR/calibration``) receives the planted JSONL
    files and the small scans' run directories."""
    field, skip = scan_args["field"], bool(scan_args["skip_bad_lines"])
    plans, pool = make_plans(benches, files, field, skip, k, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    reports: dict[str, dict[str, Any]] = {}
    methods: list[str] = []
    for t in TRANSFORMATIONS:
        corpus = out_dir / f"{t}.jsonl"
        write_jsonl(corpus, ({"text": d, "benchmark": p.name, "item": i, "transformation": t}
                             for p in plans for i, d in zip(p.items, p.docs[t])))
        args = {**scan_args, "corpus": corpus, "out": out_dir / t, "field": "text", "engine": "local",
                "overwrite": True, "html": False, "progress": False, "mia_scores": None, "mia_labels": None,
                "calibrate": None, "index": None}  # the planted documents stream (a corpus index holds other ones)
        rep = scan_fn(**args).to_dict()
        reports[t] = rep
        methods = list(rep["settings"]["methods"])
    return recall_block(plans, reports, methods, k, seed, pool)
