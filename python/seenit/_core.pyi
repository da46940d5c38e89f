"""
seenit native core (C++): kernels release the GIL and use all cores.
"""
from __future__ import annotations
import typing
__all__: list[str] = ['cpu_features', 'get_num_threads', 'set_num_threads']
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
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Set the number of worker threads (0 restores SEENIT_NUM_THREADS / all cores).
    """
__version__: str = '0.1.0'
