"""Data selection: which training examples to keep, from the papers seenit is built on.

Each method is a few passes over arrays seenit already computes at native speed (k-means,
SemDeDup, per-sample perplexities); no kernel of its own.

- :mod:`.learning`: learning percentage (Mekala, Nguyen & Shang 2024) and per-cluster selection
  (``learning_percentage``, ``select_stratified``).
- :mod:`.kmq`: Diversify-and-Conquer's kMQ (Yu et al. 2024) and its iterative step
  (``kmq_select``, ``cluster_weights``, ``resample``).
- :mod:`.d4`: D4 (Tirumala et al. 2023): SemDeDup, then drop the most prototypical (``d4``).
- :mod:`.tokens`: repetition-discounted effective tokens (Muennighoff et al. 2023)
  (``effective_tokens``).
- :mod:`.correlations`: perplexity correlations (Thrush, Potts & Hashimoto 2024)
  (``perplexity_correlations``).

docs/select.md describes each method, its inputs and its citation.
"""

from __future__ import annotations

from .correlations import PerplexityCorrelations, perplexity_correlations
from .d4 import D4Result, d4
from .kmq import KMQSelection, cluster_budgets, cluster_weights, kmq_from_clusters, kmq_select, resample
from .learning import learning_percentage, select_stratified
from .tokens import EffectiveTokens, effective_tokens

__all__ = [
    "learning_percentage", "select_stratified", "kmq_select", "kmq_from_clusters", "cluster_budgets", "KMQSelection",
    "cluster_weights", "resample", "d4", "D4Result", "effective_tokens", "EffectiveTokens", "perplexity_correlations",
    "PerplexityCorrelations",
]
