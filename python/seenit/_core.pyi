"""
seenit native core (C++): kernels release the GIL and use all cores.
"""
from __future__ import annotations
import numpy
import numpy.typing
import typing
__all__: list[str] = ['cpu_features', 'get_num_threads', 'lcp_array', 'set_num_threads', 'suffix_array']
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
