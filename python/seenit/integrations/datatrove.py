"""datatrove pipeline steps (``pip install datatrove``): decontamination against benchmark items
(:class:`SeenitDecontaminate`) and MinHash near-duplicate removal (:class:`SeenitMinhashDedup`).

::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from seenit.integrations.datatrove import SeenitDecontaminate

    LocalPipelineExecutor([JsonlReader("corpus/"),
                           SeenitDecontaminate({"gsm8k": ("gsm8k/test.jsonl", "question,answer")}, mode="purify"),
                           JsonlWriter("clean/")], tasks=4).run()

Every document is matched against the n-grams (``n`` words, 13 by default: the GPT-3 / lm-eval
convention) of every benchmark item, with the scan's normalisation (lowercase, punctuation
stripped, whitespace collapsed); an item shorter than ``n`` words counts where it occurs whole.
``mode``: ``"drop"`` removes a document holding any (datatrove's exclusion writer receives it);
``"purify"`` cuts the spans with a margin as ``seenit scan --purify`` does (a document left too short
or too split is dropped); ``"annotate"`` keeps every document and adds ``metadata["seenit"]`` (the
items it holds and their spans). Unlike ``seenit scan --purify``, which cuts only the items a whole
scan flagged, a step sees one document at a time: it cuts every item's n-grams. The benchmarks are
read when the step is made (bad input fails then); the items' n-gram index is built once per worker.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..scan.config import bench_specs
from ..scan.methods import load_benchmark
from ..scan.writeback import MARGIN, MAX_PIECES, MIN_CHARS, ItemSpans, purify_text
from ..tokenize import Normalisation
from .._validate import check_int

try:
    from datatrove.data import Document, DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError as e:  # the module is only imported by those who use the step
    raise ImportError("seenit.integrations.datatrove needs datatrove: pip install datatrove") from e

MODES = ("drop", "purify", "annotate")


class SeenitDecontaminate(BaseFilter):  # type: ignore[misc]
    """Drop, purify or annotate the documents that hold benchmark items' n-grams (module docstring).
    ``benchmarks``: as :func:`seenit.scan` takes them (``{"gsm8k": ("test.jsonl", "question,answer")}``,
    ``["gsm8k=test.jsonl:question"]``, tables, URLs); every field of every item counts."""

    name = "🧽 seenit decontaminate"

    def __init__(self, benchmarks: Mapping[str, Any] | Sequence[str], *, mode: str = "drop", n: int = 13,
                 margin: int = MARGIN, min_chars: int = MIN_CHARS, max_pieces: int = MAX_PIECES,
                 batch_size: int = 256, exclusion_writer: Any = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        super().__init__(exclusion_writer, check_int(batch_size, "batch_size", 1))
        self.mode = mode
        self.n = check_int(n, "n", 1)
        self.margin = check_int(margin, "margin", 0)
        self.min_chars = check_int(min_chars, "min_chars", 0)
        self.max_pieces = check_int(max_pieces, "max_pieces", 1)
        self.items: list[tuple[str, int, str | None, str]] = []  # (benchmark, item, field or None, text)
        for spec in bench_specs(benchmarks):
            for b in load_benchmark(spec):
                self.items += [(spec.name, i, b.field if b.group else None, t) for i, t in enumerate(b.texts)]
        self._finder: ItemSpans | None = None
        self._workdir: Any = None

    def __getstate__(self) -> dict[str, Any]:  # workers get the items, not this process' index
        state = dict(self.__dict__)
        state["_finder"] = state["_workdir"] = None
        return state

    def _spans(self, texts: list[str]) -> list[dict[int, list[list[int]]]]:
        if self._finder is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="seenit-datatrove-")
            self._finder = ItemSpans([t for *_, t in self.items], self.n,
                                     Normalisation(lowercase=True, strip_punctuation=True, collapse_whitespace=True),
                                     Path(self._workdir.name) / "items")
        return self._finder.find(texts)

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        out: list[bool | tuple[bool, str]] = []
        for doc, hits in zip(batch, self._spans([d.text for d in batch])):
            if not hits:
                out.append(True)
            elif self.mode == "annotate":
                doc.metadata["seenit"] = {"matches": [
                    {"benchmark": self.items[k][0], "item": self.items[k][1],
                     **({"field": self.items[k][2]} if self.items[k][2] else {}), "spans": spans}
                    for k, spans in hits.items()]}
                out.append(True)
            elif self.mode == "drop":
                out.append((False, "contaminated"))
            else:
                text, how = purify_text(doc.text, [s for ss in hits.values() for s in ss], self.margin,
                                        self.min_chars, self.max_pieces)
                if text is None:
                    out.append((False, how))
                else:
                    self.stat_update("purified")
                    doc.text = text
                    out.append(True)
        return out

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        try:
            yield from super().run(data, rank, world_size)
        finally:
            if self._workdir is not None:
                self._workdir.cleanup()
                self._finder = self._workdir = None


class SeenitMinhashDedup(PipelineStep):  # type: ignore[misc]
    """Near-duplicate removal with seenit's MinHash + LSH (:func:`seenit.near_duplicates`, the same
    settings): the first document of each cluster is kept, in input order. The documents a task
    reads are deduplicated together, held in memory until its input ends: run with ``tasks=1``
    for one global dedup; beyond one machine's memory use ``seenit dedup minhash`` (out of core)
    or datatrove's own multi-stage MinHash steps."""

    name = "🫂 seenit MinHash dedup"
    type = "🫂 - DEDUP"

    def __init__(self, threshold: float = 0.8, *, num_perm: int = 128, ngram: int = 5, unit: str = "word",
                 seed: int = 1, lowercase: bool = True) -> None:
        super().__init__()
        from ..sketch.lsh import check_threshold

        check_threshold(threshold)
        self.kwargs = dict(threshold=threshold, num_perm=check_int(num_perm, "num_perm", 1),
                           ngram=check_int(ngram, "ngram", 1), unit=unit, seed=check_int(seed, "seed", 0),
                           lowercase=bool(lowercase))
        if unit not in ("word", "char"):
            raise ValueError(f"unit must be 'word' or 'char', got {unit!r}")

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from ..sketch.dedup import near_duplicates

        docs = list(data)
        if not docs:
            return
        with self.track_time():
            keep = near_duplicates([d.text for d in docs], **self.kwargs).keep
        for doc, k in zip(docs, keep.tolist()):
            self.stat_update("total")
            if k:
                self.stat_update("forwarded")
                yield doc
            else:
                self.stat_update("dropped")
