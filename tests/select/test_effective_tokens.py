"""Repetition-discounted effective tokens (Muennighoff et al. 2023)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import seenit
from seenit.reference import select as ref
from seenit.select.tokens import R_STAR_DATA


def test_default_r_star_is_the_papers_data_constant():
    assert R_STAR_DATA == 15.4


def test_effective_tokens_by_hand():
    r = seenit.effective_tokens([100, 50, 10], [1, 2, 1000])
    want = [100.0, 50 * (1 + 15.4 * (1 - math.exp(-1 / 15.4))), 10 * (1 + 15.4 * (1 - math.exp(-999 / 15.4)))]
    np.testing.assert_allclose(r.per_doc, want, rtol=1e-14)
    assert r.unique == 160 and r.seen == 100 + 100 + 10_000
    assert r.per_doc[2] <= 10 * (1 + 15.4)  # saturates at U (1 + R*)
    assert r.to_dict()["effective_tokens"] == pytest.approx(sum(want))


@given(u=st.integers(1, 10**6), repeats=st.integers(0, 200), r_star=st.floats(0.1, 100))
def test_matches_the_corpus_formula(u, repeats, r_star):
    # U unique tokens repeated R more times: U + U R* (1 - exp(-R / R*)), the paper's D'
    r = seenit.effective_tokens([u], [repeats + 1], r_star=r_star)
    assert r.total == pytest.approx(u + u * r_star * (1 - math.exp(-repeats / r_star)), rel=1e-12)


@given(data=st.integers(0, 30).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, n, elements=st.floats(0, 1e9)), hnp.arrays(np.int64, n, elements=st.integers(1, 10**6)))),
    r_star=st.floats(0.01, 1000))
def test_effective_tokens_match_reference(data, r_star):
    t, k = data
    got = seenit.effective_tokens(t, k, r_star=r_star)
    np.testing.assert_allclose(got.per_doc, ref.effective_tokens(t, k, r_star), rtol=1e-12)
    assert (got.per_doc >= t).all() and (got.per_doc <= t * k + 1e-6 * t).all()  # never below once, above all copies


@pytest.mark.parametrize("args, kw, exc, match", [
    (([1, 2], [1]), {}, ValueError, "tokens_per_doc and copies_per_doc must have the same length"),
    (([1, 2], [1, 0]), {}, ValueError, "copies_per_doc must be >= 1: copies_per_doc\\[1\\] is 0"),
    (([1, -2], [1, 1]), {}, ValueError, "tokens_per_doc must be >= 0"),
    (([1, np.nan], [1, 1]), {}, ValueError, "tokens_per_doc must be finite"),
    (([1, 2], [1.5, 1]), {}, TypeError, "copies_per_doc must hold integers"),
    (([1, 2], [1, 1]), {"r_star": 0.0}, ValueError, "r_star"),
    (([1, 2], [1, 1]), {"r_star": float("inf")}, ValueError, "r_star must be finite"),
    (([[1, 2]], [1, 1]), {}, ValueError, "tokens_per_doc must be 1-dimensional"),
])
def test_effective_tokens_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        seenit.effective_tokens(*args, **kw)


def test_dedup_minhash_prices_the_removed_copies(tmp_path):
    import json

    from typer.testing import CliRunner

    from seenit.cli import app
    from seenit.sketch.files import dedup_files

    docs = [" ".join(f"w{i}x{j}" for j in range(8)) for i in range(10)]
    src = tmp_path / "c.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs + [docs[0]] * 3))
    res = dedup_files([src], tmp_path / "k.jsonl")
    assert res.kept_words.tolist() == [8] * 10 and res.kept_copies.tolist() == [4] + [1] * 9
    want = 8 * (1 + 15.4 * (1 - math.exp(-3 / 15.4))) + 72
    out = CliRunner().invoke(app, ["dedup", "minhash", str(src), "--out", str(tmp_path / "k2.jsonl")])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("effective tokens"))
    assert "80 words kept" in line and "~104 words" in line and f"worth {want:,.0f} unique words" in line, line
