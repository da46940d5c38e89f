"""Shared by tests/select: real GSM8K questions and their embeddings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def gsm8k_questions(shared_data: Path, split: str = "train") -> list[str]:
    with open(shared_data / "gsm8k" / f"{split}.jsonl") as f:
        return [json.loads(line)["question"] for line in f]


def embed(texts: list[str]) -> np.ndarray:
    """seenit's model-free hashed bag-of-words embedder, as the other real-data embedding tests use:
    MiniLM on all 7,473 questions takes minutes on a 2-core machine (docs/select.md runs it)."""
    from seenit.search.embed import embed_texts

    return np.asarray(embed_texts(texts, "hashed:256", batch_size=2048), dtype=np.float32)
