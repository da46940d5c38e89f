"""The int8 first pass's kernels against each other: AMX-INT8 tiles, AVX-512 VNNI panels
and AVX2 tiles compute the same integer dots, so they must return identical results and,
where both visit rows in the same order (AMX and VNNI), re-score exactly the same pairs."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import seenit
from seenit import _core

from _search_helpers import assert_topk_matches

_SCRIPT = """
import sys, numpy as np, seenit
from seenit import _core
rng = np.random.default_rng(11)
out = {}
# (queries, rows, dimension, threads): query-split (nq >= 6 x threads) and row-split scans,
# query counts off the 32-query AMX group, rows across database blocks and off the 32-row
# panel pairs, dimensions off the 64-byte K step
cases = ((1, 50, 384, 2), (33, 1001, 37, 2), (70, 30000, 384, 2), (5, 777, 1000, 1), (40, 5000, 1, 2),
         (100, 2000, 65, 1), (7, 9000, 128, 2), (3000, 700, 48, 2), (500, 2100, 96, 2))
for metric in ("ip", "cosine", "l2"):
    for nq, n, d, threads in cases:
        c = rng.standard_normal((20, d)).astype(np.float32)
        x = c[rng.integers(0, 20, n)] + 0.5 * rng.standard_normal((n, d)).astype(np.float32)
        x[n // 2] = x[n // 3]  # a tie
        q = x[rng.integers(0, n, nq)] + 0.1 * rng.standard_normal((nq, d)).astype(np.float32)
        seenit.set_num_threads(threads)
        for k in (10, 1):  # k = 1: the AMX scan prunes whole chunks (its re-score count may differ)
            s, i, rescored = _core.topk_search(q, x, k, metric, "int8")
            f, fi, _ = _core.topk_search(q, x, k, metric, "float32")
            assert np.array_equal(s.view(np.uint32), f.view(np.uint32)) and np.array_equal(i, fi), (metric, nq, n, d, k)
            key = f"{metric}_{nq}_{n}_{d}_{k}"
            out[key + "_q"], out[key + "_x"], out[key + "_s"], out[key + "_i"] = q, x, s, i
            if k > 1:
                out[key + "_rescored"] = np.array([rescored])
np.savez(sys.argv[1], **out)
"""


def _run(tmp_path, setting: str) -> dict[str, np.ndarray]:
    f = tmp_path / f"{setting or 'native'}.npz"
    env = {k: v for k, v in os.environ.items() if k != "SEENIT_DISABLE_SIMD"}
    if setting:
        env["SEENIT_DISABLE_SIMD"] = setting
    subprocess.run([sys.executable, "-c", _SCRIPT, str(f)], env=env, check=True, capture_output=True, text=True)
    return dict(np.load(f))


def test_disabling_amx_is_reported():
    code = "import seenit; f = seenit.cpu_features(); print(f['amx_int8'], f['avx512vnni'])"
    env = {**os.environ, "SEENIT_DISABLE_SIMD": "amx"}
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout.split()
    assert out[0] == "False"
    assert out[1] == str(seenit.cpu_features()["avx512vnni"])


@pytest.mark.skipif(not _core.cpu_features().get("amx_int8", False), reason="this CPU (or OS) offers no AMX-INT8")
def test_amx_and_vnni_kernels_agree_pair_for_pair(tmp_path):
    amx = _run(tmp_path, "")
    vnni = _run(tmp_path, "amx")
    for key in amx:
        np.testing.assert_array_equal(amx[key].view(np.uint8), vnni[key].view(np.uint8), err_msg=key)
    for key in amx:  # the script checked every case against the float32 kernel; the small ones also here
        if key.endswith("_s") and amx[key[:-2] + "_q"].shape[0] * amx[key[:-2] + "_x"].shape[0] <= 200_000:
            base = key[:-2]
            k = int(base.split("_")[-1])
            assert_topk_matches(amx[key], amx[base + "_i"], amx[base + "_q"], amx[base + "_x"], k, base.split("_")[0])
    assert sum(int(v[0]) for k, v in amx.items() if k.endswith("_rescored")) > 0


@pytest.mark.skipif(not _core.cpu_features().get("avx512vnni", False), reason="this CPU has no AVX-512 VNNI")
def test_panel_kernels_and_avx2_tiles_give_the_same_results(tmp_path):
    native = _run(tmp_path, "")
    avx2 = _run(tmp_path, "avx512")
    for key in native:
        if key.endswith(("_s", "_i")):
            np.testing.assert_array_equal(native[key].view(np.uint8), avx2[key].view(np.uint8), err_msg=key)


@pytest.mark.parametrize("d", [3, 64, 384])
def test_l2_int8_pass_far_from_the_origin_equals_float32(d):
    # |q|^2 + |x|^2 dwarfs the distances: the float32 key cancels heavily, and the int8
    # bound must cover that rounding (E includes 24 u (q.q + max x.x)).
    rng = np.random.default_rng(d)
    x = (50 + rng.standard_normal((3000, d))).astype(np.float32)
    x[rng.integers(0, 3000, 50)] = x[rng.integers(0, 3000, 50)]  # ties
    q = (x[rng.integers(0, 3000, 40)] + 0.01 * rng.standard_normal((40, d))).astype(np.float32)
    for k in (1, 5):
        a = _core.topk_search(q, x, k, "l2", "float32")
        b = _core.topk_search(q, x, k, "l2", "int8")
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[0].view(np.uint32), b[0].view(np.uint32))


def test_rows_too_wide_for_int32_dots_take_the_float32_kernel():
    # all-equal rows quantise to the top level: with 127 levels the integer dots of 140,000
    # elements pass 2^31 (127 * 127 * d); the int8 pass must hand such rows to the float32 kernel
    d = 140_000
    x = np.ones((6, d), np.float32)
    x[1:] *= np.arange(2, 7, dtype=np.float32)[:, None]
    q = np.ones((2, d), np.float32)
    for k in (1, 3):
        a = _core.topk_search(q, x, k, "ip", "float32")
        b = _core.topk_search(q, x, k, "ip", "int8")
        np.testing.assert_array_equal(b[1], [[5, 4, 3][:k]] * 2)
        np.testing.assert_array_equal(a[1], b[1])
        np.testing.assert_array_equal(a[0].view(np.uint32), b[0].view(np.uint32))
