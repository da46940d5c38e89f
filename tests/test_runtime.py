import os
import subprocess
import sys

import pytest

import seenit
from seenit import _core


def test_version_is_exposed():
    assert seenit.__version__ == _core.__version__


def test_set_num_threads_roundtrip():
    before = seenit.get_num_threads()
    try:
        seenit.set_num_threads(3)
        assert seenit.get_num_threads() == 3
        seenit.set_num_threads(0)
        assert seenit.get_num_threads() >= 1
    finally:
        seenit.set_num_threads(0 if "SEENIT_NUM_THREADS" not in os.environ else before)


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_set_num_threads_rejects_bad_input(bad):
    with pytest.raises((TypeError, ValueError)):
        seenit.set_num_threads(bad)


def test_env_var_sets_default_threads():
    code = "import seenit; print(seenit.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SEENIT_NUM_THREADS": "5"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "5"


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("threads", [1, 2, 4, 7])
def test_parallel_for_covers_range_once(threads, dynamic):
    seenit.set_num_threads(threads)
    try:
        for n in (0, 1, 2, 3, 10, 1001):
            assert _core._parallel_selftest(n, -1, dynamic) == n * (n - 1) // 2
    finally:
        seenit.set_num_threads(0)


@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("throw_at", [0, 500, 999])
def test_parallel_for_rethrows_worker_exception(throw_at, dynamic):
    seenit.set_num_threads(4)
    try:
        with pytest.raises(ValueError, match=f"selftest failure at {throw_at}"):
            _core._parallel_selftest(1000, throw_at, dynamic)
    finally:
        seenit.set_num_threads(0)


def test_cpu_features_are_booleans():
    feats = seenit.cpu_features()
    assert set(feats) >= {"avx2", "avx512f"}
    assert all(isinstance(v, bool) for v in feats.values())


def test_disable_simd_env_reports_no_features():
    code = "import seenit; print(any(seenit.cpu_features().values()))"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "SEENIT_DISABLE_SIMD": "1"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_version():
    out = subprocess.run([sys.executable, "-m", "seenit.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"seenit {seenit.__version__}"
