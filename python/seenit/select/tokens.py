"""Repetition-discounted effective tokens (Muennighoff, Rush, Barak, Le Scao, Piktus, Tazi,
Pyysalo, Wolf & Raffel 2023, "Scaling Data-Constrained Language Models", NeurIPS 2023).

The paper fits how much repeated data is worth: U unique tokens seen R more times are worth
D' = U + U * R* * (1 - exp(-R / R*)) unique tokens, so value decays with every repetition and
saturates at U * (1 + R*). R*_D, the data constant, was fitted at about 15.4 (the paper's other
constant, R*_N of about 5.3, discounts excess parameters and is not used here). Applied per
document: one with k copies (k - 1 repetitions) counts as tokens * (1 + R* (1 - exp(-(k - 1) / R*))).
Copies come from dedup clusters (``seenit.exact_duplicates``, ``seenit.near_duplicates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import check_float
from ._checks import finite_floats, int_labels

#: The paper's fitted data-repetition constant R*_D (Muennighoff et al. 2023 report about 15.4).
R_STAR_DATA = 15.4


@dataclass(frozen=True)
class EffectiveTokens:
    """Result of :func:`effective_tokens`."""

    per_doc: npt.NDArray[np.float64]  # effective tokens of each distinct document (all its copies)
    total: float  # their sum
    unique: float  # sum of tokens (each document once)
    seen: float  # sum of tokens * copies (what training on every copy reads)
    r_star: float

    def to_dict(self) -> dict[str, Any]:
        return {"effective_tokens": self.total, "unique_tokens": self.unique, "seen_tokens": self.seen,
                "r_star": self.r_star}


def effective_tokens(tokens_per_doc: npt.ArrayLike, copies_per_doc: npt.ArrayLike,
                     r_star: float = R_STAR_DATA) -> EffectiveTokens:
    """Effective tokens of documents repeated ``copies_per_doc`` times (Muennighoff et al. 2023).

    Args:
        tokens_per_doc: (n,) tokens of each distinct document (>= 0, finite).
        copies_per_doc: (n,) integer copies of it in the corpus (>= 1): k copies are k - 1
            repetitions.
        r_star: the decay constant R* (> 0); default the paper's fitted R*_D of about 15.4.

    Returns:
        :class:`EffectiveTokens`: per document tokens * (1 + R* (1 - exp(-(k - 1) / R*))),
        their total, the unique and the seen (with repetitions) token counts.
    """
    t = finite_floats(tokens_per_doc, "tokens_per_doc", nonnegative=True, min_size=0)
    k = int_labels(copies_per_doc, "copies_per_doc")
    if k.size != t.size:
        raise ValueError(f"tokens_per_doc and copies_per_doc must have the same length, got {t.size} and {k.size}")
    if k.size and (k < 1).any():
        i = int(np.argmax(k < 1))
        raise ValueError(f"copies_per_doc must be >= 1: copies_per_doc[{i}] is {int(k[i])}")
    r_star = check_float(r_star, "r_star", 0.0, None, lo_open=True)
    with np.errstate(over="ignore"):
        per_doc = t * (1.0 + r_star * -np.expm1(-(k - 1) / r_star))  # -expm1(-x) = 1 - exp(-x), exact for small x
        total, seen = per_doc.sum(), (t * k).sum()
    if not (np.isfinite(total) and np.isfinite(seen)):
        raise ValueError("tokens_per_doc * copies_per_doc overflows float64: token counts this large are not counts")
    return EffectiveTokens(per_doc, float(total), float(t.sum()), float(seen), r_star)


__all__ = ["effective_tokens", "EffectiveTokens", "R_STAR_DATA"]
