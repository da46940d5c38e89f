"""hf_logprobs(prefixes=...) and sequence_logprob_fn on a real (tiny, randomly initialised) torch
causal LM, against log-softmax computed directly with torch. Skipped without torch/transformers."""

from __future__ import annotations

import numpy as np
import pytest


class CharTokenizer:
    """One id per ASCII character (offset by 3), BOS = 1 with special tokens, PAD = 0, EOS = 2."""

    pad_token_id, eos_token_id = 0, 2
    model_max_length = 10**30

    def __call__(self, text: str, add_special_tokens: bool = True, truncation: bool = False,
                 max_length: int | None = None, **_: object) -> dict:
        ids = ([1] if add_special_tokens else []) + [3 + ord(c) % 120 for c in text]
        return {"input_ids": ids[:max_length] if truncation and max_length else ids}


@pytest.fixture(scope="module")
def tiny_lm():
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=128, n_positions=48, n_embd=32, n_layer=2, n_head=2, bos_token_id=1,
                                  eos_token_id=2, pad_token_id=0)
    return transformers.GPT2LMHeadModel(cfg).eval(), CharTokenizer()


def _direct(model, ids: list[int], start: int) -> np.ndarray:
    """log p(ids[t] | ids[:t]) for t >= start, by torch.log_softmax."""
    import torch

    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double()
    lsm = torch.log_softmax(logits, -1)
    return np.array([lsm[t - 1, ids[t]].item() for t in range(start, len(ids))])


def test_prefix_conditional_logprobs_equal_torch(tiny_lm):
    from seenit.logprob.models import hf_logprobs

    model, tok = tiny_lm
    # the last text and the prefix exceed the context (48): hf_logprobs caps max_length at it and cuts the prefix
    texts, prefix = ["hello there", "abc", "a longer text to score"], "some known non-member text. "
    got = hf_logprobs(model, tok, texts, prefixes=prefix, batch_size=2, progress=False)
    for i, t in enumerate(texts):
        p_ids, t_ids = tok(prefix)["input_ids"], tok(t, add_special_tokens=False)["input_ids"]
        p_ids = p_ids[-(48 - len(t_ids)):]
        want = _direct(model, p_ids + t_ids, len(p_ids))
        assert got.doc(i).size == len(t_ids)  # every token of the text, the first included
        np.testing.assert_allclose(got.doc(i), want, rtol=1e-5, atol=1e-5)
    # the prefix is cut on the left when prefix + text exceed max_length
    cut = hf_logprobs(model, tok, ["abcdef"], prefixes="0123456789", max_length=9, progress=False)
    want = _direct(model, tok("0123456789")["input_ids"][-3:] + tok("abcdef", add_special_tokens=False)["input_ids"], 3)
    np.testing.assert_allclose(cut.doc(0), want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="prefixes has 1 entries but texts has 3"):
        hf_logprobs(model, tok, texts, prefixes=["one"], progress=False)
    with pytest.raises(ValueError, match="not both"):
        hf_logprobs(model, tok, texts, prefixes="p", prompts=["q"] * 3, progress=False)
    # a short prefix is the same context as a prompt: the two give the same log-probs
    as_prompt = hf_logprobs(model, tok, texts[:2], prompts=["ctx: "] * 2, progress=False)
    as_prefix = hf_logprobs(model, tok, texts[:2], prefixes="ctx: ", progress=False)
    np.testing.assert_allclose(as_prompt.logprobs, as_prefix.logprobs, rtol=1e-6)


def test_recall_scores_from_a_real_model(tiny_lm):
    import seenit
    from seenit.logprob.models import hf_logprobs

    model, tok = tiny_lm
    texts = ["the cat sat on the mat", "a dog ran far away"]
    plain = hf_logprobs(model, tok, texts, progress=False)
    cond = hf_logprobs(model, tok, texts, prefixes="zzz qqq xxx. ", progress=False, stats=("logprob",))
    s = seenit.mia_scores(plain.logprobs, plain.offsets, nonmember_prefix_logprobs=cond.logprobs,
                          nonmember_prefix_offsets=cond.offsets)
    assert s["recall"].shape == (2,) and np.isfinite(s["recall"]).all()


def test_sequence_logprob_fn_sums_the_joined_orderings(tiny_lm):
    import seenit
    from seenit.logprob.models import sequence_logprob_fn

    model, tok = tiny_lm
    fn = sequence_logprob_fn(model, tok, sep="|", batch_size=2)
    seqs = [["ab", "cd", "ef"], ["cd", "ab", "ef"], ["ef", "cd", "ab"]]
    got = fn(seqs)
    for s, g in zip(seqs, got):
        assert g == pytest.approx(_direct(model, tok("|".join(s))["input_ids"], 1).sum(), rel=1e-5)
    with pytest.raises(ValueError, match="longer than the model's context \\(48\\)"):
        fn([["x" * 30, "y" * 30]])
    items = [f"q{i}" for i in range(12)]
    r = seenit.sharded_likelihood_test(fn, items, n_shards=3, n_permutations=4)
    assert 0 <= r.pvalue <= 1 and r.n_items == 12
