"""scan: `seenit scan`, one contamination audit of a corpus against many benchmarks.

config.py (benchmark specs, settings), engine.py (the corpus-sized steps' interface),
local.py (LocalEngine), state.py (run directory, resume, checksums), methods.py (evidence
per method), result.py (ScanReport), runner.py (:func:`scan`).
Tests: tests/scan/, docs: docs/scan.md. Note that ``seenit.scan`` (the attribute) is the
function; import this package's modules by their full name (``from seenit.scan.state import ...``).
"""

from .result import ScanReport
from .runner import scan

__all__ = ["ScanReport", "scan"]
