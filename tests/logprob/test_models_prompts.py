"""hf_logprobs(prompts=...): only the response tokens are scored, against a direct torch computation."""

from __future__ import annotations


import numpy as np
import pytest
from tests.conftest import need_smollm2

torch = pytest.importorskip("torch")


class CharTokenizer:
    """Characters as token ids (a BOS of 1 with special tokens), enough for hf_logprobs."""

    pad_token_id = 0
    eos_token_id = 2

    def __call__(self, text, truncation=False, max_length=None, add_special_tokens=True):
        ids = ([1] if add_special_tokens else []) + [3 + (ord(c) % 60) for c in text]
        return {"input_ids": ids[:max_length] if truncation and max_length else ids}


class TinyLM(torch.nn.Module):
    """A causal toy: logits from the current and the previous token's embeddings."""

    def __init__(self, vocab=64, dim=8):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.emb = torch.nn.Parameter(torch.randn(vocab, dim, generator=g))
        self.out = torch.nn.Parameter(torch.randn(dim, vocab, generator=g))

    def forward(self, input_ids, attention_mask=None):
        e = self.emb[input_ids]
        prev = torch.cat([torch.zeros_like(e[:, :1]), e[:, :-1]], dim=1)

        class Out:
            pass

        o = Out()
        o.logits = (e + 0.5 * prev) @ self.out
        return o


def _want(model, ids: list[int], start: int) -> np.ndarray:
    with torch.no_grad():
        lsm = torch.log_softmax(model(input_ids=torch.tensor([ids])).logits[0].double(), -1)
    t = torch.tensor(ids)
    return lsm[start - 1 : len(ids) - 1].gather(-1, t[start:, None])[:, 0].numpy()


def test_prompt_tokens_are_read_but_not_scored():
    from seenit.logprob.models import hf_logprobs

    tok, model = CharTokenizer(), TinyLM()
    prompts = ["Question: two plus two?", "", "Q"]
    texts = [" Four.", "An answer without a prompt.", ""]
    got = hf_logprobs(model, tok, texts, prompts=prompts, batch_size=2, progress=False)
    for i, (p, t) in enumerate(zip(prompts, texts)):
        pi, ri = tok(p)["input_ids"], tok(t, add_special_tokens=False)["input_ids"]
        assert got.offsets[i + 1] - got.offsets[i] == len(ri)  # exactly the response tokens
        if ri:
            np.testing.assert_allclose(got.doc(i), _want(model, pi + ri, len(pi)), rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(got.token_ids[got.offsets[i] : got.offsets[i + 1]], ri)
    # without prompts: every token after the first, as before
    plain = hf_logprobs(model, tok, texts[:1], progress=False)
    ids = tok(texts[0])["input_ids"]
    np.testing.assert_allclose(plain.doc(0), _want(model, ids, 1), rtol=1e-5, atol=1e-6)


def test_prompts_truncation_and_bad_input():
    from seenit.logprob.models import hf_logprobs

    tok, model = CharTokenizer(), TinyLM()
    got = hf_logprobs(model, tok, ["abcdefgh"], prompts=["xyz"], max_length=6, progress=False)
    assert got.n_docs == 1 and got.offsets[1] == 2  # 1 BOS + 3 prompt + 2 of the 8 response tokens fit
    with pytest.raises(ValueError, match="prompts must have one prompt per text"):
        hf_logprobs(model, tok, ["a", "b"], prompts=["p"], progress=False)
    with pytest.raises(TypeError, match="prompts"):
        hf_logprobs(model, tok, ["a"], prompts="p", progress=False)


@pytest.mark.slow
def test_response_perplexity_with_a_real_model():
    need_smollm2()
    from seenit.cli.logprob import load_hf_model
    from seenit.logprob.models import hf_logprobs

    model, tok = load_hf_model("smollm2")
    prompt, answer = "What is the capital of France?", " The capital of France is Paris."
    got = hf_logprobs(model, tok, [answer], prompts=[prompt], progress=False)
    pi, ri = tok(prompt)["input_ids"], tok(answer, add_special_tokens=False)["input_ids"]
    np.testing.assert_allclose(got.doc(0), _want(model, pi + ri, len(pi)), rtol=1e-4, atol=1e-5)
