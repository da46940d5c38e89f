"""Getting per-token log-probabilities out of real models, into seenit's ragged layout.

- ``hf_logprobs``: runs a Hugging Face causal LM (``pip install 'seenit[hf]'``) batch by batch and
  feeds each sequence's logits straight into the fused ``token_stats`` kernel (no log-softmax tensor).
- ``read_vllm_prompt_logprobs``: vLLM ``RequestOutput``s (or their JSON) with ``prompt_logprobs``.
- ``read_logprobs_jsonl``: JSONL with one document per line and a list of token log-probs.

All return a ``DocLogprobs``: flat per-token arrays plus ``offsets`` (n + 1), ready for
``seenit.mia_scores``. Token 0 of each text has no context and is not scored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .._progress import ProgressBar
from .._validate import check_int, check_str_sequence
from ..io import iter_json_objects


@dataclass(frozen=True)
class DocLogprobs:
    """Per-token statistics of n documents: token t of document i is at ``offsets[i] + t``.

    ``logprobs`` = log p(token | prefix); ``token_ids`` the scored tokens; ``mu``, ``sigma``,
    ``entropy``, ``rank`` as in ``seenit.TokenStats`` (None when the source lacks them);
    ``meta`` holds per-document extras a reader found (e.g. ``label``, ``text``).
    """

    logprobs: npt.NDArray[np.float64]
    offsets: npt.NDArray[np.int64]
    token_ids: npt.NDArray[np.int64] | None = None
    mu: npt.NDArray[np.float64] | None = None
    sigma: npt.NDArray[np.float64] | None = None
    entropy: npt.NDArray[np.float64] | None = None
    rank: npt.NDArray[np.int64] | None = None
    meta: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def n_docs(self) -> int:
        return int(self.offsets.size - 1)

    def doc(self, i: int) -> npt.NDArray[np.float64]:
        return self.logprobs[self.offsets[i] : self.offsets[i + 1]]

    def scores(self, **kwargs: Any) -> dict[str, npt.NDArray[np.float64]]:
        """``seenit.mia_scores`` on these log-probs (mu/sigma passed along when present)."""
        from .mia import mia_scores

        if self.mu is not None and self.sigma is not None:
            kwargs.setdefault("mu", self.mu)
            kwargs.setdefault("sigma", self.sigma)
        return mia_scores(self.logprobs, self.offsets, **kwargs)


def _concat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def hf_logprobs(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    batch_size: int = 8,
    max_length: int = 1024,
    progress: bool = True,
    stats: Sequence[str] = ("logprob", "entropy", "mu", "sigma", "rank"),
    prompts: Sequence[str] | None = None,
    prefixes: str | Sequence[str] | None = None,
) -> DocLogprobs:
    """Per-token log-probs (and Min-K%++ statistics) of ``texts`` under a Hugging Face causal LM.

    Texts are tokenized with truncation to ``max_length`` tokens (at most the model's
    ``config.max_position_embeddings``) and run ``batch_size`` at a time
    under ``torch.no_grad()``; each sequence's logits are handed to ``seenit.token_stats`` as a view
    (CPU tensors in place, CUDA tensors through DLPack when CuPy is installed), so no
    ``(batch, length, vocab)`` log-softmax is ever built.

    ``prompts`` (one per text) masks the prompt: the model reads prompt + text but only the text's
    tokens are scored, as per-sample perplexities over response tokens need (instruction data,
    ``seenit.learning_percentage``). Prompt (with special tokens) and text (without) are tokenized
    separately and joined, so the boundary is exact; ``max_length`` cuts the joined sequence.
    ``prefixes`` (one string for every text, or one per text): the conditional log-probs of
    ReCaLL / Con-ReCall, log p(x_t | prefix, x_<t). The prefix is tokenized with the special
    tokens, the text without them, and only the text's tokens are scored (all of them: the first
    has the prefix as context). A prefix too long for ``max_length`` with its text keeps its last
    tokens (it is truncated on the left, as ReCaLL does); a text that alone leaves no room for
    one prefix token raises ValueError naming it.
    ``prompts`` and ``prefixes`` differ only in what gives way to ``max_length``: the end of the
    text, or the start of the prefix. Give one of them, not both.
    """
    import torch

    texts = check_str_sequence(texts, "texts")
    if prompts is not None:
        prompts = check_str_sequence(prompts, "prompts")
        if len(prompts) != len(texts):
            raise ValueError(f"prompts must have one prompt per text ({len(texts)}), got {len(prompts)}")
    batch_size = check_int(batch_size, "batch_size", 1)
    max_length = check_int(max_length, "max_length", 2)
    ctx = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    if isinstance(ctx, int) and 1 < ctx < max_length:  # positions past the context would index out of range
        max_length = ctx
    pre = _prefixes(prefixes, len(texts))
    if pre is not None and prompts is not None:
        raise ValueError("give prompts (the text gives way to max_length) or prefixes (the prefix does), not both")
    from .stats import token_stats

    stats = tuple(stats)
    if "logprob" not in stats:
        stats = ("logprob", *stats)
    want = {s: [] for s in stats}
    ids_parts: list[np.ndarray] = []
    lengths: list[int] = []
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    device = next(model.parameters()).device
    on_cuda = device.type == "cuda"
    if on_cuda:
        from .. import gpu

        on_cuda = gpu.available()
    batches = range(0, len(texts), batch_size)
    with ProgressBar(progress, "scoring", total=len(texts)) as bar:
        for b0 in batches:
            chunk = list(texts[b0 : b0 + batch_size])
            if pre is not None:
                enc, starts = _with_prefixes(tokenizer, chunk, pre[b0 : b0 + batch_size], max_length, b0)
            elif prompts is None:
                enc = [tokenizer(t, truncation=True, max_length=max_length, add_special_tokens=True)["input_ids"]
                       for t in chunk]
                starts = [1] * len(enc)  # token 0 has no context
            else:
                enc, starts = [], []
                for p, t in zip(prompts[b0 : b0 + batch_size], chunk):
                    pi = list(tokenizer(p, add_special_tokens=True)["input_ids"])
                    ri = list(tokenizer(t, add_special_tokens=False)["input_ids"])
                    enc.append((pi + ri)[:max_length])
                    starts.append(max(1, len(pi)))  # the first response token
            L = max(1, max(len(e) for e in enc))
            ids = torch.full((len(enc), L), int(pad_id if pad_id is not None else 0), dtype=torch.long)
            mask = torch.zeros((len(enc), L), dtype=torch.long)
            for r, e in enumerate(enc):
                ids[r, : len(e)] = torch.tensor(e, dtype=torch.long)
                mask[r, : len(e)] = 1
            with torch.no_grad():
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            if logits.dtype not in (torch.float32, torch.float16, torch.bfloat16):
                logits = logits.float()
            if logits.device.type != "cpu" and not on_cuda:
                logits = logits.cpu()
            for r, e in enumerate(enc):
                first, n = starts[r], len(e) - 1  # score tokens first..n
                lengths.append(max(n - first + 1, 0))
                if n - first + 1 <= 0:
                    continue
                row_logits = logits[r, first - 1 : n]  # contiguous view: positions first-1..n-1 predict first..n
                targets = ids[r, first : n + 1]
                if on_cuda:
                    s = token_stats(row_logits, targets.to(logits.device), stats=stats, device="cuda")
                    vals = {k: getattr(s, k).get() for k in stats}
                else:
                    s = token_stats(row_logits, targets.numpy(), stats=stats)
                    vals = {k: getattr(s, k) for k in stats}
                for k in stats:
                    want[k].append(vals[k])
                ids_parts.append(np.asarray(e[first:], dtype=np.int64))
            bar.advance(len(chunk))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    get = lambda k, dt: _concat(want[k], dt) if k in want else None  # noqa: E731
    return DocLogprobs(
        logprobs=get("logprob", np.float64),
        offsets=offsets,
        token_ids=_concat(ids_parts, np.int64),
        mu=get("mu", np.float64),
        sigma=get("sigma", np.float64),
        entropy=get("entropy", np.float64),
        rank=get("rank", np.int64),
    )


def _prefixes(prefixes: str | Sequence[str] | None, n: int) -> list[str] | None:
    if prefixes is None:
        return None
    if isinstance(prefixes, str):
        return [prefixes] * n
    pre = list(check_str_sequence(prefixes, "prefixes"))
    if len(pre) != n:
        raise ValueError(f"prefixes has {len(pre)} entries but texts has {n} (give one prefix, or one per text)")
    return pre


def _with_prefixes(tokenizer: Any, texts: list[str], prefixes: list[str], max_length: int,
                   first: int) -> tuple[list[list[int]], list[int]]:
    """Token ids of prefix + text (the prefix cut on the left to fit) and where the text starts."""
    enc, starts = [], []
    for i, (t, p) in enumerate(zip(texts, prefixes)):
        p_ids = list(tokenizer(p, add_special_tokens=True)["input_ids"])
        t_ids = list(tokenizer(t, add_special_tokens=False)["input_ids"])
        room = max_length - len(t_ids)
        if room < 1:
            raise ValueError(f"texts[{first + i}] is {len(t_ids)} tokens: no room for a prefix within max_length="
                             f"{max_length} (shorten the text or raise max_length)")
        p_ids = p_ids[-room:] if p_ids else []
        if not p_ids:
            raise ValueError(f"prefixes[{first + i}] is empty after tokenizing: a conditional score needs a prefix")
        enc.append(p_ids + t_ids)
        starts.append(len(p_ids))
    return enc, starts


def context_length(model: Any, tokenizer: Any, default: int = 2048) -> int:
    """The model's context in tokens: ``config.max_position_embeddings``, else the tokenizer's
    ``model_max_length`` when it is a real bound, else ``default``."""
    n = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    if isinstance(n, int) and n > 1:
        return n
    m = getattr(tokenizer, "model_max_length", None)
    return m if isinstance(m, int) and 1 < m < 10**7 else default


def sequence_logprob_fn(
    model: Any,
    tokenizer: Any,
    *,
    sep: str = "\n\n",
    batch_size: int = 4,
    max_length: int | None = None,
) -> Callable[[list[list[str]]], npt.NDArray[np.float64]]:
    """A ``logprob_fn`` for ``seenit.sharded_likelihood_test``: joins each ordering of items with
    ``sep`` and returns its total log-probability under a Hugging Face causal LM (every token after
    the first, via :func:`hf_logprobs`). An ordering longer than ``max_length`` tokens (default:
    the model's context) raises ValueError before the model runs: use more, smaller shards."""
    if not isinstance(sep, str):
        raise TypeError(f"sep must be a str, got {type(sep).__name__}")
    batch_size = check_int(batch_size, "batch_size", 1)
    limit = context_length(model, tokenizer) if max_length is None else check_int(max_length, "max_length", 2)
    from .stats import segment_reduce

    def fn(sequences: list[list[str]]) -> npt.NDArray[np.float64]:
        texts = [sep.join(check_str_sequence(s, f"sequences[{i}]")) for i, s in enumerate(sequences)]
        for i, t in enumerate(texts):
            n = len(tokenizer(t, add_special_tokens=True)["input_ids"])
            if n > limit:
                raise ValueError(f"ordering {i} is {n} tokens, longer than the model's context ({limit}): "
                                 "use more shards (fewer items per shard)")
        docs = hf_logprobs(model, tokenizer, texts, batch_size=batch_size, max_length=limit, progress=False,
                           stats=("logprob",))
        return segment_reduce(docs.logprobs, docs.offsets, "sum")

    return fn


def _logprob_entry(entry: Any, token: int, where: str) -> tuple[float, int | None]:
    """(logprob, 0-based rank or None) of ``token`` in one vLLM prompt_logprobs position."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a dict of token id -> logprob, got {type(entry).__name__}")
    item = entry.get(token, entry.get(str(token)))
    if item is None:
        raise ValueError(f"{where}: the prompt token {token} is missing from prompt_logprobs")
    if isinstance(item, (int, float)):
        return float(item), None
    lp = item.get("logprob") if isinstance(item, dict) else getattr(item, "logprob", None)
    rk = item.get("rank") if isinstance(item, dict) else getattr(item, "rank", None)
    if lp is None:
        raise ValueError(f"{where}: no logprob for token {token}")
    return float(lp), (int(rk) - 1 if rk is not None else None)  # vLLM ranks are 1-based


def read_vllm_prompt_logprobs(outputs: Iterable[Any]) -> DocLogprobs:
    """Log-probs of the prompt tokens from vLLM generation outputs with ``prompt_logprobs`` set.

    Accepts ``vllm.RequestOutput`` objects or their JSON form (dicts with ``prompt_token_ids`` and
    ``prompt_logprobs``; the first entry is None since token 0 has no context). Ranks become
    0-based (vLLM's are 1-based); vLLM breaks ties its own way, unlike ``token_stats``.
    """
    lps: list[float] = []
    ranks: list[int] = []
    have_rank = True
    lengths: list[int] = []
    toks: list[int] = []
    for i, out in enumerate(outputs):
        get = out.get if isinstance(out, dict) else lambda k, o=out: getattr(o, k, None)
        ids = get("prompt_token_ids")
        plp = get("prompt_logprobs")
        if ids is None or plp is None:
            raise ValueError(f"output {i}: needs prompt_token_ids and prompt_logprobs (run vLLM with "
                             "SamplingParams(prompt_logprobs=0) or more)")
        if len(plp) != len(ids):
            raise ValueError(f"output {i}: {len(plp)} prompt_logprobs entries for {len(ids)} prompt tokens")
        n = 0
        for t in range(1, len(ids)):
            lp, rk = _logprob_entry(plp[t], int(ids[t]), f"output {i}, position {t}")
            lps.append(lp)
            toks.append(int(ids[t]))
            if rk is None:
                have_rank = False
            else:
                ranks.append(rk)
            n += 1
        lengths.append(n)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return DocLogprobs(np.asarray(lps, dtype=np.float64), offsets, np.asarray(toks, dtype=np.int64),
                       rank=np.asarray(ranks, dtype=np.int64) if have_rank and lps else None)


def read_logprobs_jsonl(
    path: str | os.PathLike[str],
    *,
    field: str = "logprobs",
    extra: Sequence[str] = ("label", "text", "id"),
) -> DocLogprobs:
    """Read one document per JSON line: ``{"logprobs": [...], "mu": [...]?, "sigma": [...]?,
    "token_ids": [...]?, "label": 0/1?, "text": ...?}``. vLLM-style lines (``prompt_token_ids`` +
    ``prompt_logprobs``) are accepted too. Fields named in ``extra`` go to ``meta``. Errors name
    the file and line."""
    parts: dict[str, list[np.ndarray]] = {"logprobs": [], "mu": [], "sigma": [], "token_ids": []}
    lengths: list[int] = []
    meta: dict[str, list[Any]] = {k: [] for k in extra}
    vllm_lines: list[Any] = []
    for where, obj in iter_json_objects(path):
        if field not in obj and "prompt_logprobs" in obj:
            vllm_lines.append(obj)
            lp = read_vllm_prompt_logprobs([obj]).logprobs
        elif field in obj:
            lp = np.asarray(obj[field], dtype=np.float64)
        else:
            raise ValueError(f"{where}: no {field!r} field (or vLLM prompt_logprobs)")
        if lp.ndim != 1 or np.isnan(lp).any() or (lp > 1e-4).any():
            raise ValueError(f"{where}: {field!r} must be a flat list of log-probabilities (<= 0, no NaN)")
        parts["logprobs"].append(lp)
        for k in ("mu", "sigma", "token_ids"):
            if k in obj:
                a = np.asarray(obj[k], dtype=np.int64 if k == "token_ids" else np.float64)
                if a.shape != lp.shape:
                    raise ValueError(f"{where}: {k!r} has {a.size} entries but {field!r} has {lp.size}")
                parts[k].append(a)
        lengths.append(lp.size)
        for k in extra:
            meta[k].append(obj.get(k))
    n = len(lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    full = lambda k, dt: _concat(parts[k], dt) if len(parts[k]) == n and n else None  # noqa: E731
    meta = {k: v for k, v in meta.items() if any(x is not None for x in v)}
    return DocLogprobs(_concat(parts["logprobs"], np.float64), offsets, full("token_ids", np.int64),
                       full("mu", np.float64), full("sigma", np.float64), meta=meta)


def write_logprobs_jsonl(path: str | os.PathLike[str], docs: DocLogprobs, **columns: Sequence[Any]) -> int:
    """Write ``docs`` as JSONL (the format ``read_logprobs_jsonl`` reads), atomically."""
    from ..io import write_jsonl

    def rows() -> Iterable[dict[str, Any]]:
        for i in range(docs.n_docs):
            a, b = int(docs.offsets[i]), int(docs.offsets[i + 1])
            row: dict[str, Any] = {"logprobs": [float(x) if math.isfinite(x) else -1e30 for x in docs.logprobs[a:b]]}
            for k in ("mu", "sigma"):
                v = getattr(docs, k)
                if v is not None:
                    row[k] = v[a:b].tolist()
            if docs.token_ids is not None:
                row["token_ids"] = docs.token_ids[a:b].tolist()
            for k, col in columns.items():
                row[k] = col[i]
            yield row

    return write_jsonl(path, rows())
