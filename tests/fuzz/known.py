"""Known issues the fuzz targets steer around, in one place.

Each entry is ``id: reason``. A target guards the inputs that hit an issue with
``if known("id") and <condition>: skip()``; ``known`` is True only while the id is
listed here, so deleting an entry once its fix has landed makes every target feed
those inputs again (and CI then checks the fix). ``tests/test_fuzz_harness.py``
checks that every id listed here is still used by some target.
"""

from __future__ import annotations

import os

KNOWN: dict[str, str] = {
    # --- being fixed on the native branch (wt-native) ---------------------------------------
    # --- found by this harness (see docs/reliability.md, "Findings") ----------------------------
    "mia-overflow-warnings": "numpy's RuntimeWarning 'overflow encountered in divide/exp' escapes from minkpp and "
                             "mia_scores(mu=, sigma=) (tiny sigma or huge log-probs; mia._z ignores only 'invalid') "
                             "and from truth_ratio (np.exp of a huge log-prob difference; 'invalid value' and a NaN "
                             "ratio when log-probs hold -inf) and from truth_ratio_summary(split='forget') (1 / r "
                             "for subnormal r); under -W error (the "
                             "project's pytest setting) that is an exception",
    "float32-cast-overflow": "topk / range_pairs / nearest_training / kmeans / semdedup given float64 values "
                             "beyond float32's range emit numpy's RuntimeWarning 'overflow encountered in cast' "
                             "(search.as_queries / as_database) before their ValueError; under -W error the "
                             "warning is the exception",
    "range-pairs-threshold-float32": "range_pairs compares float32 scores with the threshold rounded to float32: "
                                     "threshold=1e-310 returns pairs scoring 0.0, which is not >= threshold",
    "minhash-token-pair-list": "minhash / shingle_hashes with unit='token' read a (values, offsets) pair whose "
                               "values are a Python list as two documents (the list and the offsets): "
                               "minhash(([1, 2, 3, 4], [0, 1, 2, 3, 4]), unit='token') has 2 rows, not 4",
}


def known(issue: str) -> bool:
    """True while ``issue`` is listed in KNOWN (the input should be steered around). The environment
    variable SEENIT_FUZZ_UNSTEER (comma-separated ids, or "all") turns guards off without editing this
    file, e.g. to check a fix before deleting its entry."""
    off = os.environ.get("SEENIT_FUZZ_UNSTEER", "")
    if off and (off == "all" or issue in off.split(",")):
        return False
    return issue in KNOWN
