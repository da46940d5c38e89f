"""scan: `seenit scan`, one contamination audit of a corpus against many benchmarks.

config.py (benchmark specs, settings), engine.py (the corpus-sized steps' interface),
local.py (LocalEngine), corpus_pass.py (the streaming pass: every method's per-item state),
corpus_index.py (the index path), shards.py (``--shard I/N`` and merging), calibrate.py
(``--calibrate``), state.py (run directory, resume, checksums), methods.py (evidence per
method), documents.py (cited documents), result.py (ScanReport), runner.py (:func:`scan`),
writeback.py (``--annotate`` / ``--purify``), compare.py (``seenit scan compare``).
Tests: tests/scan/, docs: docs/scan.md. Note that ``seenit.scan`` (the attribute) is the
function; import this package's modules by their full name (``from seenit.scan.state import ...``).
"""

from .compare import compare_scans
from .result import ScanReport
from .runner import merge_scan_shards, scan, scan_shard

__all__ = ["ScanReport", "compare_scans", "merge_scan_shards", "scan", "scan_shard"]
