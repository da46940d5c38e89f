"""ReCaLL and Con-ReCall columns of mia_scores against their plain definitions, and their input checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import seenit
from seenit.reference import logprob as ref


def _ragged(rng: np.random.Generator, lens: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return -rng.exponential(1.0, sum(lens)) - 0.01, np.concatenate(([0], np.cumsum(lens))).astype(np.int64)


@given(st.integers(0, 2**32), st.lists(st.integers(1, 8), min_size=1, max_size=10), st.floats(0, 2))
def test_recall_and_con_recall_match_reference(seed, lens, gamma):
    rng = np.random.default_rng(seed)
    lp, o = _ragged(rng, lens)
    nl, no = _ragged(rng, lens)
    ml, mo = _ragged(rng, [x + 1 for x in lens])  # the conditional runs may tokenize differently
    s = seenit.mia_scores(lp, o, ks=(0.5,), nonmember_prefix_logprobs=nl, nonmember_prefix_offsets=no,
                          member_prefix_logprobs=ml, member_prefix_offsets=mo, con_recall_gamma=gamma)
    np.testing.assert_allclose(s["recall"], ref.recall(lp, o, nl, no), rtol=1e-12)
    np.testing.assert_allclose(s["con_recall"], ref.con_recall(lp, o, nl, no, ml, mo, gamma), rtol=1e-9, atol=1e-12)


def test_orientation_member_drops_more():
    """A member whose likelihood falls more under a non-member prefix scores higher (Xie et al.)."""
    lp = np.array([-1.0, -1.0, -2.0, -2.0])
    o = np.array([0, 2, 4])
    cond = np.array([-2.0, -2.0, -2.2, -2.2])  # doc 0 (member) drops from -1 to -2, doc 1 from -2 to -2.2
    s = seenit.mia_scores(lp, o, nonmember_prefix_logprobs=cond, nonmember_prefix_offsets=o)
    assert s["recall"][0] > s["recall"][1]
    assert "con_recall" not in s


@pytest.mark.parametrize("kwargs, match", [
    (dict(nonmember_prefix_logprobs=np.array([-1.0])), "pass both nonmember_prefix_logprobs"),
    (dict(member_prefix_logprobs=np.array([-1.0, -1.0]), member_prefix_offsets=np.array([0, 1, 2])),
     "Con-ReCall needs nonmember_prefix_logprobs"),
    (dict(nonmember_prefix_logprobs=np.array([-1.0]), nonmember_prefix_offsets=np.array([0, 1])),
     "nonmember_prefix_offsets describe 1 documents but offsets describe 2"),
    (dict(nonmember_prefix_logprobs=np.array([-1.0, np.nan]), nonmember_prefix_offsets=np.array([0, 1, 2])),
     "nonmember_prefix_logprobs contains NaN"),
    (dict(nonmember_prefix_logprobs=np.array([-1.0, -1.0]), nonmember_prefix_offsets=np.array([0, 1, 2]),
          con_recall_gamma=float("nan")), "con_recall_gamma must be finite"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        seenit.mia_scores(np.array([-1.0, -2.0]), np.array([0, 1, 2]), **kwargs)


def test_cli_mia_prints_the_blind_baseline_and_warns(tmp_path, monkeypatch):
    """A date-shifted evaluation set: the blind baseline separates it, the random attack scores do not."""
    import json

    from typer.testing import CliRunner

    from seenit.cli import app

    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    rows = []
    for i in range(40):
        member = i % 2
        year = 1995 + i % 7 if member else 2021 + i % 3
        rows.append({"logprobs": (-rng.exponential(1.0, 8)).tolist(), "label": member,
                     "text": f"report number {i} written in {year} about the river"})
    Path("lp.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = CliRunner().invoke(app, ["mia", "--logprobs", "lp.jsonl", "--out", "s.jsonl", "--bootstrap", "50"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "blind baseline (no model)" in out and "distribution-shifted" in out
    res = CliRunner().invoke(app, ["mia", "--logprobs", "lp.jsonl", "--out", "s2.jsonl", "--no-blind", "--bootstrap", "20"])
    assert res.exit_code == 0 and "blind baseline" not in res.output


def test_cli_mia_recall_prefix_needs_model(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from seenit.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lp.jsonl").write_text('{"logprobs": [-1.0]}\n')
    res = CliRunner().invoke(app, ["mia", "--logprobs", "lp.jsonl", "--out", "s.jsonl", "--nonmember-prefix", "lp.jsonl"])
    assert res.exit_code == 1 and "need --model" in res.output


class _CharTokenizer:
    """A stand-in Hugging Face tokenizer: one id per character, BOS = 1 with special tokens."""

    model_max_length = 10**30  # what HF tokenizers report when they know no bound

    def __call__(self, text: str, add_special_tokens: bool = True, **_: object) -> dict:
        return {"input_ids": ([1] if add_special_tokens else []) + [ord(c) for c in text]}


def test_prefix_is_cut_on_the_left_and_text_scored_whole():
    from seenit.logprob.models import _with_prefixes

    enc, starts = _with_prefixes(_CharTokenizer(), ["abc", "de"], ["XYZ", "Q"], max_length=6, first=0)
    # prefix "XYZ" with BOS is 4 tokens; the text keeps 3, so the prefix keeps its last 3: X Y Z
    assert enc[0] == [ord("X"), ord("Y"), ord("Z"), ord("a"), ord("b"), ord("c")] and starts[0] == 3
    assert enc[1] == [1, ord("Q"), ord("d"), ord("e")] and starts[1] == 2
    with pytest.raises(ValueError, match=r"texts\[7\] is 6 tokens: no room for a prefix"):
        _with_prefixes(_CharTokenizer(), ["abcdef"], ["p"], max_length=6, first=7)


def test_sequence_logprob_fn_refuses_orderings_longer_than_the_context():
    from seenit.logprob.models import context_length, sequence_logprob_fn

    class Model:
        class config:  # noqa: N801 - the attribute path HF models have
            max_position_embeddings = 8

    assert context_length(Model(), _CharTokenizer()) == 8
    assert context_length(object(), _CharTokenizer()) == 2048  # no bound known: the default
    fn = sequence_logprob_fn(Model(), _CharTokenizer(), sep="|")
    with pytest.raises(ValueError, match="ordering 1 is 9 tokens, longer than the model's context \\(8\\)"):
        fn([["ab", "c"], ["abcd", "efg"]])
    with pytest.raises(TypeError, match=r"sequences\[0\]\[1\] must be str|sequences\[0\]"):
        fn([["ab", 3]])
    with pytest.raises(TypeError, match="sep must be a str"):
        sequence_logprob_fn(Model(), _CharTokenizer(), sep=None)
