"""Contamination tests on a model and a benchmark, without the training corpus (docs/probe.md).

- ``sharded.py``: :func:`sharded_likelihood_test` (Oren et al. 2023, canonical order vs shuffles)
- ``inference.py``: :func:`dataset_inference` (Maini et al. 2024, aggregated MIA features)
- ``blind.py``: :func:`blind_baseline` (Das et al. 2024, a model-free check of an MIA evaluation set)
- ``holdout.py``: :func:`holdout_tests`, :func:`inflation` (Haimes et al. 2024, retro-holdouts)
- ``gap.py``: :func:`likelihood_gap`, :func:`gap_correlation` (the GSM1k analysis)
- ``_stats.py``: the distributions and the small logistic regression they share (no scipy)
"""

from __future__ import annotations

from .blind import BlindBaseline, blind_baseline
from .gap import GapCorrelation, LikelihoodGap, gap_correlation, likelihood_gap
from .holdout import ClassifierTest, DifficultyTest, EmbeddingTest, HoldoutTests, Inflation, holdout_tests, inflation
from .inference import DatasetInference, dataset_inference
from .sharded import ShardedLikelihood, sharded_likelihood_test

__all__ = [
    "BlindBaseline", "ClassifierTest", "DatasetInference", "DifficultyTest", "EmbeddingTest", "GapCorrelation",
    "HoldoutTests", "Inflation", "LikelihoodGap", "ShardedLikelihood", "blind_baseline", "dataset_inference",
    "gap_correlation", "holdout_tests", "inflation", "likelihood_gap", "sharded_likelihood_test",
]
