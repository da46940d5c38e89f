"""Fuzzing harness: one atheris target per public entry point and per ``_core`` function.

    python -m tests.fuzz list
    python -m tests.fuzz TARGET --runs N [--seed S]
    python -m tests.fuzz all --runs N            # every target, each in its own process

The contract every target checks: the call under test either returns, or raises
ValueError/TypeError with a non-empty message (other types only where the entry point documents
them, passed to :func:`call` as ``allowed``: FileNotFoundError for a str that is a path). Anything else -- another exception type, a warning, a crash, a hang past
the per-input timeout, or a violated property (shape/dtype of results, 1 vs 2 threads,
agreement with ``seenit.reference``) -- is a finding. Inputs that hit an issue already
being fixed are steered around through :mod:`tests.fuzz.known`.

Layout: ``decode.py`` turns fuzzer bytes into arrays, ragged pairs, texts and index
directories; ``targets_<area>.py`` hold the targets; ``runner.py`` runs them (in process
for the pytest smoke test, under atheris/libFuzzer from ``__main__``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .known import KNOWN, known

ALLOWED: tuple[type[BaseException], ...] = (ValueError, TypeError)


class Rejected(Exception):
    """The call under test raised an allowed exception: a valid outcome, the input ends here."""


class Skip(Exception):
    """The input was steered around (a known issue, or the decoder ran out of bytes)."""


class Finding(AssertionError):
    """A violated property (the call returned, but with a wrong result)."""


@dataclass
class Target:
    name: str
    fn: Callable[[Any], None]
    area: str
    covers: tuple[str, ...]
    doc: str = ""
    module: str = ""


TARGETS: dict[str, Target] = {}


def target(name: str, *, covers: tuple[str, ...] | list[str], area: str) -> Callable[[Callable[[Any], None]], Callable[[Any], None]]:
    """Register a target. ``covers``: the entry points it exercises (``seenit.X``,
    ``seenit.Class.method``, ``_core.f``, ``_core.Class.method``). Exception types beyond
    ValueError/TypeError that an entry point documents are passed to :func:`call` as ``allowed``."""

    def deco(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        if name in TARGETS:
            raise RuntimeError(f"fuzz target {name!r} registered twice")
        doc = " ".join((fn.__doc__ or "").split())
        TARGETS[name] = Target(name, fn, area, tuple(covers), doc, fn.__module__)
        return fn

    return deco


def call(fn: Callable[..., Any], *args: Any, allowed: tuple[type[BaseException], ...] = (), **kwargs: Any) -> Any:
    """Call the entry point under test: its result, or ``Rejected`` when it raises an
    allowed exception (ValueError/TypeError, plus ``allowed``) with a message."""
    try:
        return fn(*args, **kwargs)
    except ALLOWED + tuple(allowed) as e:
        if not str(e).strip():
            raise Finding(f"{getattr(fn, '__qualname__', fn)} raised {type(e).__name__} without a message") from e
        raise Rejected(f"{type(e).__name__}: {e}") from None


def check(cond: Any, what: str) -> None:
    """A property of a returned result; a Finding when it does not hold."""
    if not cond:
        raise Finding(what)


def skip() -> None:
    raise Skip


def load_targets() -> dict[str, Target]:
    """Import every target module (registration happens at import)."""
    from . import (  # noqa: F401
        targets_core, targets_logprob, targets_misc, targets_ngram, targets_probe, targets_search, targets_select,
        targets_sketch,
    )

    return TARGETS




def with_threads(n: int, fn: Callable[[], Any]) -> Any:
    """``fn()`` run with ``n`` worker threads (the previous setting restored after)."""
    import seenit

    before = seenit.get_num_threads()
    seenit.set_num_threads(n)
    try:
        return fn()
    finally:
        seenit.set_num_threads(before)


def same(a: Any, b: Any) -> bool:
    """Bit-for-bit equal results (NaN equal to NaN; tuples, lists, dicts and dataclasses elementwise)."""
    import dataclasses

    import numpy as np

    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        return same(dataclasses.asdict(a), dataclasses.asdict(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return bool(a == b)


def thread_invariant(fn: Callable[[], Any]) -> Any:
    """``fn()`` with 1 and with 2 threads: a Finding unless both raise an allowed exception or
    both return identical results (DESIGN: results never depend on the thread count)."""
    outs = []
    for n in (1, 2):
        try:
            outs.append(("ok", with_threads(n, fn)))
        except Rejected as e:
            outs.append(("err", str(e).split(":")[0]))
        except ALLOWED as e:
            outs.append(("err", type(e).__name__))
    (k1, r1), (k2, r2) = outs
    check(k1 == k2, f"1 thread gave {k1} {r1 if k1 == 'err' else ''}, 2 threads gave {k2} {r2 if k2 == 'err' else ''}")
    if k1 == "err":
        raise Rejected(r1)
    check(same(r1, r2), "results differ between 1 and 2 threads")
    return r1


__all__ = ["ALLOWED", "KNOWN", "Finding", "Rejected", "Skip", "TARGETS", "Target", "call", "check", "known", "same",
           "thread_invariant", "with_threads",
           "load_targets", "skip", "target"]
