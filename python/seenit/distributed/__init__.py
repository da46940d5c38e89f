"""seenit on Ray: the same kernels in Ray tasks over Ray Data, for corpora beyond one machine.

Needs ``pip install 'seenit[ray]'`` (Ray with Ray Data). Connects to ``$RAY_ADDRESS``
when set, otherwise starts a local Ray (:func:`init`). Every entry point returns what
the local engine returns for the same input:

- :func:`near_duplicates` - MinHash dedup of corpus files (== ``seenit.near_duplicates``).
- :class:`RayEngine` - the ``seenit scan`` engine: n-gram index shards built in tasks,
  MinHash matching of benchmark items, nearest documents by embedding.
- :func:`overlap_many` - n-gram contamination queries fanned out over index shards.
"""

from __future__ import annotations

from ._ray import init, require_ray
from .dedup import near_duplicates, near_duplicates_with_sources
from .engine import RayEngine, overlap_many

__all__ = ["RayEngine", "init", "near_duplicates", "near_duplicates_with_sources", "overlap_many", "require_ray"]
