"""One rule for argument checks everywhere (seenit._validate): a wrong type is a TypeError, a bad
value a ValueError, and the message names the argument and what was given."""

from __future__ import annotations

import math

import numpy as np
import pytest

import seenit
from seenit._validate import check_float, check_int
from seenit.scan.config import EmbedSettings, MinHashSettings


def test_check_int_and_check_float() -> None:
    assert check_int(np.int64(3), "n", 1) == 3
    with pytest.raises(TypeError, match="n must be an int, got bool"):
        check_int(True, "n")
    with pytest.raises(ValueError, match=r"n must be in 1..4, got 5"):
        check_int(5, "n", 1, 4)
    assert check_float(np.float32(0.5), "t", 0.0, 1.0, lo_open=True) == 0.5
    with pytest.raises(TypeError, match="t must be a number, got str"):
        check_float("0.5", "t")
    with pytest.raises(ValueError, match="t must be finite"):
        check_float(math.nan, "t")
    with pytest.raises(ValueError, match=r"t must be a number in \(0, 1\], got 0.0"):
        check_float(0.0, "t", 0.0, 1.0, lo_open=True)
    assert check_float(1.0, "t", 0.0, 1.0, lo_open=True) == 1.0


def test_wrong_types_are_type_errors_across_areas() -> None:
    # these raised ValueError in the scan settings and TypeError in the kernels' API before
    with pytest.raises(TypeError, match="embed k must be an int"):
        EmbedSettings(k="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="k must be an int"):
        seenit.topk(np.ones((1, 2), np.float32), np.ones((3, 2), np.float32), "5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="minhash threshold must be a number"):
        MinHashSettings(threshold="0.5")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_perm must be in 1..8192"):
        MinHashSettings(num_perm=0)


def test_complex_arrays_are_type_errors_not_silent_casts() -> None:
    # they were cast to real with numpy's ComplexWarning, the imaginary part dropped
    with pytest.raises(TypeError, match="scores must be a real array, got complex64"):
        seenit.auroc(np.array([0.1, 0.9], np.complex64), [0, 1])
    with pytest.raises(TypeError, match="offsets must be a real array"):
        seenit.segment_reduce(np.array([1.0]), np.array([0, 1], np.complex64), "sum")
