"""A corpus' n-grams in the directory format lm-eval-harness' decontamination reads
(``lm_eval --decontamination_ngrams_path DIR``, lm_eval/decontamination/decontaminate.py).

The format (lm-eval's scripts/clean_training_data): ``DIR/info.json`` = ``{"ngram_size": n}`` and
files ``ngrams_{bucket}.bkt.txt.sorted.zst``, zstd-compressed text with one ``"<n-gram> <document
id>"`` line per occurrence, sorted so that equal n-grams are adjacent. An n-gram is ``n``
whitespace-separated words of the text after lm-eval's janitor normalisation: ASCII letters
lowercased and ASCII punctuation (``string.punctuation``) deleted, nothing else changed. Written
here without lm-eval (tests read it back with lm-eval's own code).

``only``: benchmark texts; then only the corpus n-grams that also occur in them are written
(lm-eval looks for nothing else, so its verdicts are the same) and the export stays small.
Without it every n-gram of the corpus is written: about ``n`` times the corpus, sorted in
``buckets`` pieces (each piece sorted in memory).
"""

from __future__ import annotations

import json
import os
import shutil
import string
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..io import fsync_dir, iter_records
from .._validate import check_int

#: lm-eval's janitor normalisation: ASCII A-Z lowercased, ASCII punctuation deleted.
_JANITOR = str.maketrans(string.ascii_uppercase, string.ascii_lowercase, string.punctuation)


def janitor_ngrams(text: str, n: int) -> list[str]:
    """The word n-grams of ``text`` as lm-eval's janitor forms them (none when it has fewer than n words)."""
    words = text.translate(_JANITOR).split()
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def export_lm_eval_ngrams(corpus: Any, out: str | os.PathLike[str], *, n: int = 13, field: str = "text",
                          only: Iterable[str] | None = None, buckets: int = 1,
                          overwrite: bool = False) -> dict[str, Any]:
    """Write the n-grams of ``corpus`` (any input :func:`seenit.io.iter_records` reads; document ids
    count from 0 in that order) to the directory ``out`` in lm-eval's decontamination format (see
    the module docstring). The directory is built beside ``out`` and renamed into place; an existing
    ``out`` is refused unless ``overwrite``. Returns ``{"documents", "ngrams", "files"}``."""
    n = check_int(n, "n", 1)
    buckets = check_int(buckets, "buckets", 1, 4096)
    if not isinstance(field, str) or not field:
        raise ValueError("field must be a non-empty str")
    target = Path(out)
    if target.exists() and not overwrite:
        raise ValueError(f"out {str(target)!r} already exists (pass overwrite=True to replace it)")
    if target.exists() and not target.is_dir():
        raise ValueError(f"out {str(target)!r} is a file; give a directory")
    keep: set[str] | None = None
    if only is not None:
        if isinstance(only, (str, bytes)):
            raise TypeError("only must be a list of benchmark texts, not a single str")
        keep = set()
        for i, t in enumerate(only):
            if not isinstance(t, str):
                raise TypeError(f"only[{i}] must be str, got {type(t).__name__}")
            keep.update(janitor_ngrams(t, n))
    try:
        import zstandard
    except ImportError:
        raise ImportError("writing lm-eval n-gram files needs zstandard: pip install 'seenit[io]'") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        lines: list[list[str]] = [[] for _ in range(buckets)]
        n_docs = n_grams = 0
        for doc, r in enumerate(iter_records(corpus, field=field)):
            n_docs += 1
            for g in janitor_ngrams(r.text, n):
                if keep is None or g in keep:
                    lines[zlib.crc32(g.encode()) % buckets if buckets > 1 else 0].append(f"{g} {doc}")
                    n_grams += 1
        files = []
        for b, bucket in enumerate(lines):
            bucket.sort()
            name = f"ngrams_{b}.bkt.txt.sorted.zst"
            with open(tmp / name, "wb") as fh:
                fh.write(zstandard.ZstdCompressor().compress(("".join(x + "\n" for x in bucket)).encode("utf-8")))
                fh.flush()
                os.fsync(fh.fileno())
            files.append(name)
        (tmp / "info.json").write_text(json.dumps({"ngram_size": n}) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {"documents": n_docs, "ngrams": n_grams, "files": files}
