"""LSH-Bloom near-duplicate detection: one Bloom filter per LSH band (Khan et al. 2024).

One pass in input order; a document is a duplicate when one of its band keys is already in
that band's filter (it shares a band with an earlier document, or the filter answers a false
positive); the first document of each group is kept. Nothing is verified and no cluster is
known: memory is the filters only (``bits_per_band * bands / 8`` bytes, sized from the expected
document count and ``fp_rate``). The filters live in the core (cpp/src/sketch/lsh_bloom.cpp).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .. import _core
from .._validate import check_float, check_int
from .lsh import check_signatures

#: Default false-positive rate of each band's filter.
DEFAULT_FP_RATE = 1e-6


class BloomDedup:
    """Streaming LSH-Bloom: :meth:`process` blocks of signatures in input order.

    Args:
        bands, rows: the banding (as :class:`seenit.LSH`).
        expected: documents the filters are sized for (more make false positives likelier).
        fp_rate: each filter's false-positive rate at ``expected`` documents, in (0, 1).
    """

    def __init__(self, bands: int, rows: int, expected: int, fp_rate: float = DEFAULT_FP_RATE) -> None:
        check_int(bands, "bands", 1)
        check_int(rows, "rows", 1)
        check_int(expected, "expected", 1)
        check_float(fp_rate, "fp_rate", 0.0, 1.0, lo_open=True, hi_open=True)
        self._f = _core.LSHBloom(bands, rows, expected, fp_rate)

    @property
    def memory_bytes(self) -> int:
        """Bytes the filters hold."""
        return int(self._f.bits_per_band) // 8 * int(self._f.bands)

    @property
    def probes(self) -> int:
        return int(self._f.probes)

    def process(self, signatures: npt.NDArray[np.unsignedinteger]) -> npt.NDArray[np.bool_]:
        """Per row, in order: True for a duplicate of an earlier row (of any block processed so far)."""
        sig = check_signatures(signatures, "signatures")
        return self._f.process(sig)


def bloom_duplicates(signatures: npt.NDArray[np.unsignedinteger], bands: int, rows: int,
                     fp_rate: float = DEFAULT_FP_RATE) -> npt.NDArray[np.bool_]:
    """LSH-Bloom over a signature matrix in one call: True per duplicate row."""
    sig = check_signatures(signatures, "signatures")
    return BloomDedup(bands, rows, max(1, sig.shape[0]), fp_rate).process(sig)
