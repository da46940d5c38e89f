"""
seenit native core (C++): kernels release the GIL and use all cores.
"""
from __future__ import annotations
import numpy
import numpy.typing
import typing
__all__: list[str] = ['cpu_features', 'get_num_threads', 'lcp_array', 'logprob_simd_available', 'logprob_token_stats', 'segment_quantiles', 'segment_reduce', 'set_num_threads', 'suffix_array']
def _parallel_selftest(n: typing.SupportsInt | typing.SupportsIndex, throw_at: typing.SupportsInt | typing.SupportsIndex = -1, dynamic: bool = False) -> int:
    ...
def cpu_features() -> dict:
    """
    CPU features detected at run time (what the SIMD dispatch will use).
    """
def get_num_threads() -> int:
    """
    Number of worker threads the kernels use.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint8], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint8], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint16], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint16], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint32], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint32], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
def logprob_simd_available() -> bool:
    """
    Whether token_stats uses its AVX2+FMA path on this CPU.
    """
def logprob_token_stats(logits: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], targets: numpy.typing.NDArray[numpy.int64], kind: str, temperature: typing.SupportsFloat | typing.SupportsIndex = 1.0, which: typing.SupportsInt | typing.SupportsIndex = 31, use_simd: bool = True) -> tuple:
    """
    Fused per-row log p(target), entropy, mu, sigma and rank of a (rows, vocab) logits array. Returns a 5-tuple with None for the stats not requested (bit flags: 1 logprob, 2 entropy, 4 mu, 8 sigma, 16 rank).
    """
@typing.overload
def segment_quantiles(values: numpy.typing.NDArray[numpy.float64], offsets: numpy.typing.NDArray[numpy.int64], q: numpy.typing.NDArray[numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Linear-interpolated quantiles of each segment; returns float64 (n, len(q)), NaN rows for empty segments.
    """
@typing.overload
def segment_quantiles(values: numpy.typing.NDArray[numpy.float32], offsets: numpy.typing.NDArray[numpy.int64], q: numpy.typing.NDArray[numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Linear-interpolated quantiles of each segment; returns float64 (n, len(q)), NaN rows for empty segments.
    """
@typing.overload
def segment_reduce(values: numpy.typing.NDArray[numpy.float64], offsets: numpy.typing.NDArray[numpy.int64], op: str, k: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Reduce each segment values[offsets[i]:offsets[i+1]] with op; returns float64 of length n.
    """
@typing.overload
def segment_reduce(values: numpy.typing.NDArray[numpy.float32], offsets: numpy.typing.NDArray[numpy.int64], op: str, k: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Reduce each segment values[offsets[i]:offsets[i+1]] with op; returns float64 of length n.
    """
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Set the number of worker threads (0 restores SEENIT_NUM_THREADS / all cores).
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint8], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint16], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint32], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
__version__: str = '0.1.0'
