"""Connecting to Ray: an existing cluster (``RAY_ADDRESS``) or a local instance.

Ray is an optional dependency (``pip install 'seenit[ray]'``); nothing here imports it
at module import time, so ``import seenit`` never needs it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from .._validate import check_int

RAY_EXTRA_HINT = "pip install 'seenit[ray]'"
_LOGGERS = ("ray", "ray.data", "ray._private", "ray.util")


def require_ray() -> Any:
    """The ``ray`` module, or ImportError telling how to install it (with Ray Data)."""
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data: reading, map_batches and the band shuffle)
    except ImportError as e:
        raise ImportError(f"the Ray engine needs Ray with Ray Data (and pandas, pyarrow): {RAY_EXTRA_HINT} ({e})") from None
    return ray


def check_num_cpus(num_cpus: Any) -> int | None:
    if num_cpus is None:
        return None
    return check_int(num_cpus, "num_cpus (None for all cores)", 1)


def init(address: str | None = None, *, num_cpus: int | None = None, progress: bool = False) -> Any:
    """Make sure Ray is running in this process and return the ``ray`` module.

    Connects to ``address`` or ``$RAY_ADDRESS`` when either is set (a running cluster;
    ``num_cpus`` is then ignored), otherwise starts a local Ray with ``num_cpus`` CPUs
    (default: all cores), without the dashboard; Ray's own log messages are silenced (errors
    reach the caller as exceptions).
    A Ray that is already initialised in this process is used as it is.
    """
    num_cpus = check_num_cpus(num_cpus)
    ray = require_ray()
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        kw: dict[str, Any] = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
                                  configure_logging=True)
        if address:
            ray.init(address=address, **kw)
        else:
            ray.init(num_cpus=num_cpus, **kw)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = bool(progress)
    ctx.print_on_execution_start = False
    ctx.execution_options.preserve_order = True
    # The band shuffle is a sort-based task shuffle: no aggregator actors to start for
    # each run (they cost seconds on a small local Ray). Results do not depend on it.
    ctx.shuffle_strategy = ray.data.context.ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
    for name in _LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return ray


_USER_ERRORS = (ValueError, TypeError, FileNotFoundError, ImportError)


_ROOT_ERROR = re.compile(r"^(?:[\w.]+\.)?(ValueError|TypeError|FileNotFoundError|ImportError|IndexFormatError): (.+)$",
                         re.MULTILINE)


@contextlib.contextmanager
def task_errors() -> Iterator[None]:
    """Re-raise the error a task raised (a bad record, a missing field: a ValueError naming
    the file and line) as that error, not wrapped in Ray's task and Ray Data's user-code
    errors. Ray sends the worker's traceback as text, so the root error is read from it."""
    try:
        yield
    except Exception as e:
        cur: BaseException | None = e
        while cur is not None:  # an error raised in this process keeps its type
            if isinstance(cur, _USER_ERRORS) and type(cur).__module__.split(".")[0] in ("builtins", "seenit"):
                raise cur
            cur = cur.__cause__
        m = _ROOT_ERROR.search(str(e))
        if m is None:
            raise
        kind = {"ValueError": ValueError, "TypeError": TypeError, "FileNotFoundError": FileNotFoundError,
                "ImportError": ImportError, "IndexFormatError": ValueError}[m.group(1)]
        raise kind(m.group(2)) from None


def cluster_cpus() -> int:
    """CPUs of the connected Ray cluster (1 when unknown)."""
    ray = require_ray()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
