"""Regression tests for the native-core hardening issue: inputs that used to crash the
process (segfault, abort, hang) or give a wrong answer. A case that crashed runs in a
subprocess, so a regression fails one test instead of killing the suite; it must end with
a clean exit (and, where the input is bad, a ValueError/TypeError naming the argument)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import seenit
from seenit import _core


def run_py(code: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; returns the finished process (never raises on failure)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=e)


def assert_clean(proc: subprocess.CompletedProcess[str], expect: str = "OK") -> None:
    """The child exited normally (no signal, no abort) and printed ``expect``."""
    assert proc.returncode == 0, f"child died with rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    assert expect in proc.stdout, proc.stdout + proc.stderr[-3000:]


# ---------------------------------------------------------------- 1. int8 first pass: tiny / huge rows

SIMD_MODES = [pytest.param({}, id="simd"), pytest.param({"SEENIT_DISABLE_SIMD": "1"}, id="portable")]


@pytest.mark.parametrize("env", SIMD_MODES)
def test_int8_first_pass_subnormal_query_does_not_crash(env):
    # max |value| 1e-40: the quantisation scale was subnormal, 1/scale overflowed, codes went
    # out of range and the search read past a short heap (segfault)
    proc = run_py("""
        import numpy as np, seenit
        q = np.array([[1e-40, 0.0]], np.float32)
        for m in ("l2", "ip", "cosine"):
            a = seenit.topk(q, np.zeros((1, 2), np.float32), 1, metric=m, first_pass="int8")
            b = seenit.topk(q, np.zeros((1, 2), np.float32), 1, metric=m, first_pass="float32")
            assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), (m, a, b)
        print("OK")
    """, env=env)
    assert_clean(proc)


# Before the fix the AVX-512 quantiser (VNNI/AMX panels, and the queries on any AVX-512 BW
# CPU) turned a subnormal scale into NaN error terms: no candidate passed, the heaps stayed
# short and the result was read past their end (segfault). The AVX2 quantiser clamped the
# NaN codes to INT_MIN and stayed exact by luck. Every case runs in a child process.
@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_int8_first_pass_tiny_rows_exact(metric):
    # queries and database rows with a subnormal or barely normal scale, mixed with ordinary
    # rows: the int8 pass must give exactly the float32 answer (same ids, same bits)
    proc = run_py(f"""
        import numpy as np, seenit
        for scale in (1e-39, 1e-41, 3e-38, 1e-37, 1.0):
            rng = np.random.default_rng(7)
            db = (rng.standard_normal((300, 24)) * scale).astype(np.float32)
            db[::7] = rng.standard_normal((db[::7].shape[0], 24)).astype(np.float32)
            for q in ((rng.standard_normal((40, 24)) * scale).astype(np.float32),
                      (rng.standard_normal((3, 5)) * scale).astype(np.float32)):
                d = db[:, : q.shape[1]].copy()
                a = seenit.topk(q, d, 5, metric={metric!r}, first_pass="int8")
                b = seenit.topk(q, d, 5, metric={metric!r}, first_pass="float32")
                assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0]), (scale, a, b)
        # bfloat16 bits 0x0001..0x007f are subnormal floats: every row has a subnormal scale
        db = rng.integers(1, 0x80, size=(200, 16), dtype=np.uint16)
        q = rng.standard_normal((35, 16)).astype(np.float32)
        a = seenit.topk(q, db, 4, metric={metric!r}, first_pass="int8")
        b = seenit.topk(q, db, 4, metric={metric!r}, first_pass="float32")
        assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0])
        print("OK")
    """)
    assert_clean(proc)


def test_query_whose_squared_norm_overflows_is_rejected():
    # |x| ~ 3e19: x.x overflows float32; the database side rejected it, the query side did
    # not (l2 keys and the int8 bound became inf/NaN; cosine normalised the row to zero)
    proc = run_py("""
        import numpy as np, seenit
        from seenit import _core
        q = np.array([[3e19, 0.0]], np.float32)
        db = np.ones((3, 2), np.float32)
        for metric in ("l2", "ip", "cosine"):
            for fp in ("int8", "float32"):
                for f in (lambda: seenit.topk(q, db, 1, metric=metric, first_pass=fp),
                          lambda: _core.topk_search(q, db, 1, metric, fp)):
                    try:
                        f()
                    except ValueError as e:
                        assert "queries row 0" in str(e), e
                    else:
                        raise AssertionError((metric, fp))
            try:
                seenit.range_pairs(np.array([[1.0, 0.0], [3e19, 0.0]], np.float32), 0.5, metric=metric)
            except ValueError as e:
                assert "row 1" in str(e), e
            else:
                raise AssertionError(metric)
        print("OK")
    """)
    assert_clean(proc)


def test_core_topk_rejects_nan_queries():
    # _core is treated as public: NaN queries reached the quantiser without the Python check
    # (segfault before the fix)
    proc = run_py("""
        import numpy as np
        from seenit import _core
        q = np.array([[np.nan, 1.0]], np.float32)
        for metric in ("l2", "ip", "cosine"):
            for fp in ("int8", "float32"):
                try:
                    _core.topk_search(q, np.ones((3, 2), np.float32), 1, metric, fp)
                except ValueError as e:
                    assert "queries row 0" in str(e), e
                else:
                    raise AssertionError((metric, fp))
        print("OK")
    """)
    assert_clean(proc)


@pytest.mark.parametrize("env", SIMD_MODES)
def test_kmeans_tiny_rows_does_not_crash(env):
    proc = run_py("""
        import numpy as np, seenit
        x = np.array([[1e-40, 0.0], [0.0, 1e-40], [1.0, 1.0], [1.0, 0.9]], np.float32)
        for m in ("l2", "cosine"):
            r = seenit.kmeans(x, 2, metric=m, seed=0)
            assert r.labels.min() >= 0 and r.labels.max() < 2, r
        try:
            seenit.kmeans(np.array([[3e19, 0.0], [1.0, 1.0]], np.float32), 1, metric="cosine")
        except ValueError as e:
            assert "row 0" in str(e), e
        else:
            raise AssertionError("no ValueError for a row whose squared norm overflows")
        print("OK")
    """, env=env)
    assert_clean(proc)
