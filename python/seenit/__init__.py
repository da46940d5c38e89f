"""seenit: has this been seen? Contamination, dedup, nearest-example search and
membership inference for LLM training data, with a C++/CUDA core.

The public API is re-exported here; see README.md for a tour.
"""

from __future__ import annotations

from . import _core
from ._runtime import cpu_features, get_num_threads, set_num_threads
from .ngram.suffix import lcp_array, suffix_array
from .logprob.stats import TokenStats, segment_quantiles, segment_reduce, token_stats
from .sketch.minhash import jaccard, jaccard_exact, jaccard_exact_pairs, minhash, minhash_from_hashes, shingle_hashes
from .ngram.contamination import ContaminationItem, ContaminationReport, contamination
from .ngram.exact_dedup import ExactDuplicates, exact_duplicates
from .ngram.index import LongestMatch, NgramIndex, Overlap
from .ngram.lm_eval_export import export_lm_eval_ngrams
from .tokenize import Normalisation
from .sketch.dedup import Duplicates, ReferenceMatches, near_duplicates
from .sketch.lsh import LSH
from .sketch.outputs import DedupClusters, read_clusters
from .logprob.metrics import Interval, auroc, bootstrap, roc_curve, tpr_at_fpr
from .logprob.mia import (
    SurprisalProbes,
    dcpdd,
    mia_scores,
    mink,
    minkpp,
    perplexity,
    perplexity_filter,
    surprisal_probes,
    truth_ratio,
    truth_ratio_summary,
    zlib_ratio,
)
from .logprob.cartography import Cartography, cartography
from .search.topk import KMeans, NearestTraining, kmeans, nearest_training, range_pairs, topk
from .search.semdedup import SemDedupResult, semdedup
from .search.familiarity import FamiliarityResult, familiarity
from .scan import ScanReport, compare_scans, merge_scan_shards, scan, scan_shard
from .select import (
    D4Result,
    EffectiveTokens,
    KMQSelection,
    PerplexityCorrelations,
    cluster_weights,
    d4,
    effective_tokens,
    kmq_select,
    learning_percentage,
    perplexity_correlations,
    resample,
    select_stratified,
)
from .probe import (
    BlindBaseline,
    DatasetInference,
    GapCorrelation,
    HoldoutTests,
    Inflation,
    LikelihoodGap,
    ShardedLikelihood,
    blind_baseline,
    dataset_inference,
    gap_correlation,
    holdout_tests,
    inflation,
    likelihood_gap,
    sharded_likelihood_test,
)

# The extension is built with the package's version (CMakeLists.txt), so importlib.metadata
# (tens of milliseconds of import) is needed only for a core built some other way.
__version__: str = getattr(_core, "__version__", "")
if not __version__:  # pragma: no cover
    from importlib.metadata import PackageNotFoundError, version as _pkg_version

    try:
        __version__ = _pkg_version("seenit")
    except PackageNotFoundError:
        __version__ = "0+unknown"

__all__ = [
    "__version__",
    "DedupClusters",
    "read_clusters",
    "ContaminationItem",
    "ContaminationReport",
    "ExactDuplicates",
    "LongestMatch",
    "NgramIndex",
    "Normalisation",
    "Overlap",
    "contamination",
    "export_lm_eval_ngrams",
    "exact_duplicates",
    "Duplicates",
    "LSH",
    "ReferenceMatches",
    "cpu_features",
    "jaccard",
    "jaccard_exact",
    "minhash",
    "minhash_from_hashes",
    "shingle_hashes",
    "jaccard_exact_pairs",
    "get_num_threads",
    "lcp_array",
    "near_duplicates",
    "set_num_threads",
    "suffix_array",
    "TokenStats",
    "token_stats",
    "segment_reduce",
    "segment_quantiles",
    "topk",
    "Interval",
    "auroc",
    "bootstrap",
    "roc_curve",
    "tpr_at_fpr",
    "SurprisalProbes",
    "dcpdd",
    "mia_scores",
    "mink",
    "minkpp",
    "perplexity",
    "perplexity_filter",
    "surprisal_probes",
    "truth_ratio",
    "truth_ratio_summary",
    "zlib_ratio",
    "Cartography",
    "cartography",
    "range_pairs",
    "kmeans",
    "KMeans",
    "semdedup",
    "SemDedupResult",
    "familiarity",
    "FamiliarityResult",
    "nearest_training",
    "NearestTraining",
    "scan",
    "scan_shard",
    "merge_scan_shards",
    "compare_scans",
    "ScanReport",
    "learning_percentage",
    "select_stratified",
    "kmq_select",
    "KMQSelection",
    "cluster_weights",
    "resample",
    "d4",
    "D4Result",
    "effective_tokens",
    "EffectiveTokens",
    "perplexity_correlations",
    "PerplexityCorrelations",
    "ShardedLikelihood",
    "sharded_likelihood_test",
    "DatasetInference",
    "dataset_inference",
    "BlindBaseline",
    "blind_baseline",
    "HoldoutTests",
    "holdout_tests",
    "Inflation",
    "inflation",
    "LikelihoodGap",
    "likelihood_gap",
    "GapCorrelation",
    "gap_correlation",
]
