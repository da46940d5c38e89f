"""Dataset Cartography (Swayamdipta et al. 2020, "Dataset Cartography: Mapping and Diagnosing
Datasets with Training Dynamics"): per-example confidence, variability and correctness over
training epochs, and the easy-to-learn / ambiguous / hard-to-learn regions of the data map.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .._validate import as_contig

REGIONS = ("easy", "ambiguous", "hard")


@dataclass(frozen=True)
class Cartography:
    """``confidence``: mean over epochs of p(gold label); ``variability``: their standard deviation
    (population, ddof = 0, as in the paper's code); ``correctness``: fraction of epochs predicted
    correctly; ``region``: 0 easy-to-learn, 1 ambiguous, 2 hard-to-learn (names in ``REGIONS``)."""

    confidence: npt.NDArray[np.float64]
    variability: npt.NDArray[np.float64]
    correctness: npt.NDArray[np.float64]
    region: npt.NDArray[np.int8]

    def region_names(self) -> list[str]:
        return [REGIONS[r] for r in self.region]


def cartography(probs_per_epoch: Any, correct: Any = None, *, ambiguous_fraction: float = 1 / 3) -> Cartography:
    """Training-dynamics statistics from ``probs_per_epoch`` (epochs x examples: the model's
    probability of each example's gold label after each epoch).

    ``correct`` (same shape, bool) marks epochs where the prediction was right; without it an
    epoch counts as correct when p(gold) > 0.5 (exact for binary tasks, a sufficient condition
    otherwise). Regions: the ``ambiguous_fraction`` of examples with the highest variability are
    *ambiguous*; of the rest, confidence >= 0.5 is *easy-to-learn*, below is *hard-to-learn*.
    """
    p = as_contig(probs_per_epoch, np.float64, 2, "probs_per_epoch")
    if p.shape[0] < 1 or p.shape[1] < 1:
        raise ValueError(f"probs_per_epoch must be (epochs, examples) with both >= 1, got shape {p.shape}")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError("probs_per_epoch must hold probabilities in [0, 1] (no NaN)")
    if correct is None:
        c = p > 0.5
    else:
        c = np.asarray(correct)
        if c.shape != p.shape:
            raise ValueError(f"correct must have the shape of probs_per_epoch {p.shape}, got {c.shape}")
        if c.dtype != bool and not np.isin(c, (0, 1)).all():
            raise ValueError("correct must be boolean (or 0/1)")
        c = c.astype(bool)
    if not (0 <= ambiguous_fraction < 1):
        raise ValueError(f"ambiguous_fraction must be in [0, 1), got {ambiguous_fraction}")
    conf = p.mean(axis=0)
    var = p.std(axis=0)
    corr = c.mean(axis=0)
    region = np.where(conf >= 0.5, 0, 2).astype(np.int8)
    n_amb = int(round(ambiguous_fraction * p.shape[1]))
    if n_amb:
        top = np.argsort(-var, kind="stable")[:n_amb]
        region[top] = 1
    return Cartography(conf, var, corr, region)


def cartography_svg(result: Cartography, *, title: str = "Data map", size: int = 420, max_points: int = 20000) -> str:
    """A self-contained SVG data map: variability (x) against confidence (y), coloured by correctness."""
    pad = 44
    w = size - 2 * pad
    n = result.confidence.size
    idx = np.arange(n) if n <= max_points else np.random.default_rng(0).choice(n, max_points, replace=False)
    vmax = max(float(result.variability.max()), 1e-12)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" font-family="sans-serif" font-size="11">',
        f'<text x="{pad}" y="18" font-size="13">{title}</text>',
        f'<rect x="{pad}" y="{pad}" width="{w}" height="{w}" fill="none" stroke="#444"/>',
        f'<text x="{pad + w / 2 - 30}" y="{size - 10}">variability (0..{vmax:.2f})</text>',
        f'<text x="4" y="{pad - 6}">confidence</text>',
        f'<text x="{pad + 4}" y="{pad + 14}" fill="#555">easy-to-learn</text>',
        f'<text x="{pad + 4}" y="{pad + w - 6}" fill="#555">hard-to-learn</text>',
        f'<text x="{pad + w - 70}" y="{pad + w / 2}" fill="#555">ambiguous</text>',
    ]
    for i in idx:
        x = pad + result.variability[i] / vmax * w
        y = pad + (1 - result.confidence[i]) * w
        c = result.correctness[i]
        color = f"rgb({int(220 * (1 - c))},{int(60 + 120 * c)},{int(200 * c)})"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{color}" fill-opacity="0.7"/>')
    parts.append("</svg>")
    return "\n".join(parts)
