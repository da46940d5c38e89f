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
    "topk-int8-extreme": "topk first_pass='int8'/'auto' (and kmeans metric='l2', which uses it) crash or "
                         "misbehave when the database holds tiny (subnormal) or huge finite values",
    "ngram-corrupt-sa": "a corrupted sa.bin (same size, bytes flipped) crashes ngram_ranges, "
                        "ngram_matching_statistics, ngram_prefix_lengths and exact_duplicate_spans",
    "set-num-threads-huge": "set_num_threads with huge counts (and concurrent calls) is unsafe; the "
                            "targets only use 0..4",
    "minhash-str-lifetime": "minhash of a list of str: str objects that are not exact str (subclasses) or "
                            "are created on the fly can be freed while the core still reads them",
    "lsh-index-overflow": "_core.LSHIndex(bands, rows) with bands * rows overflowing (e.g. 65536 x 65536)",
    "lsh-error-integrals-nan": "_core.lsh_error_integrals(nan, ...) (and non-finite thresholds) hangs",
    "familiarity-huge-k": "familiarity with a huge k, and hashed_embedder with huge dims, allocate "
                          "without bound",
    "token-stats-tiny-temperature": "token_stats with a tiny positive temperature returns NaN "
                                    "instead of raising or saturating",
    # --- found by this harness (see docs/reliability.md, "Findings") ----------------------------
    "topk-l2-overflow": "topk/nearest_training metric='l2' with huge finite query values (squared distances "
                        "overflow float32) against an int8 database return uninitialised ids (e.g. 140683954658048) "
                        "and denormal garbage scores; queries are not checked for norm overflow as databases are",
    "lsh-error-integrals-unchecked": "_core.lsh_error_integrals does not validate its arguments: bands < 0 "
                                     "hangs (the adaptive integrator recurses to depth 40 on an infinite "
                                     "integrand), bands/rows <= 0 or a threshold outside [0, 1] return "
                                     "meaningless values (e.g. a negative false-positive integral)",
    "causal-max-l2-one-row": "_core.causal_max(x, 'l2') of a single row gives -inf for row 0; the docstring "
                             "(and the reference, and any x with >= 2 rows) give +inf for l2",
    "cosine-above-one": "cosine scores of (near-)identical rows can exceed 1 by an ulp (1.0000001), so "
                        "nearest_training's histogram over [-1, 1] drops those test items",
    "complex-arrays-cast": "complex arrays are cast to real with a ComplexWarning (imaginary part dropped) "
                           "instead of a TypeError where an integer array is expected (_validate.as_contig: offsets, "
                           "ids) and in the metrics (auroc/roc_curve/tpr_at_fpr scores)",
    "core-topk-nonfinite": "_core.topk_search segfaults on NaN/inf in the queries (any metric, first_pass "
                           "'float32' included); seenit.topk checks queries first, the _core entry point does not",
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
    "nearest-training-huge-bins": "nearest_training(bins=...) has no upper bound: bins=2**63 raises IndexError "
                                  "from inside np.histogram, 2**40 MemoryError (8 TiB), 2**62 a numpy ValueError",
    "ngram-manifest-totals-unchecked": "NgramIndex.open (verify=True included) does not check the manifest's "
                                       "n_docs / n_tokens against its shards, nor that it has a shard: an "
                                       "edited n_docs, or shards = [], makes document(i) raise IndexError",
    "range-pairs-threshold-float32": "range_pairs compares float32 scores with the threshold rounded to float32: "
                                     "threshold=1e-310 returns pairs scoring 0.0, which is not >= threshold",
    "lsh-band-keys-alloc-first": "_core.lsh_band_keys allocates its (n, bands) output before checking "
                                 "bands * rows against the signature width: bands=2**31-1, rows=1 on 4-slot "
                                 "signatures raises MemoryError (96 GiB) instead of the ValueError it gives "
                                 "for smaller bands",
    "familiarity-huge-count": "familiarity({label: count}) with a count >= 2**63 passes check_int and then "
                              "raises OverflowError converting the counts to int64",
    "dcpdd-nan-freq": "dcpdd accepts NaN in freq (its check (freq < 0).any() misses NaN) and returns NaN "
                      "scores; a signalling NaN also raises numpy's RuntimeWarning 'invalid value'",
    "minhash-token-pair-list": "minhash / shingle_hashes with unit='token' read a (values, offsets) pair whose "
                               "values are a Python list as two documents (the list and the offsets): "
                               "minhash(([1, 2, 3, 4], [0, 1, 2, 3, 4]), unit='token') has 2 rows, not 4",
    "near-duplicates-tuple-docs": "near_duplicates given a tuple of two str documents takes it for a ragged "
                                  "(values, offsets) token pair and raises IndexError in _num_docs",
    "perplexity-filter-inf": "perplexity_filter(keep=q) with infinite perplexities emits numpy's RuntimeWarning "
                             "'invalid value' from np.quantile (inf - inf) and cuts at NaN",
    "token-stats-huge-temperature": "token_stats with a temperature beyond float32's range (1e300) and a -inf "
                                    "logit: the SIMD path returns NaN log p, the portable path -inf",
}


def known(issue: str) -> bool:
    """True while ``issue`` is listed in KNOWN (the input should be steered around). The environment
    variable SEENIT_FUZZ_UNSTEER (comma-separated ids, or "all") turns guards off without editing this
    file, e.g. to check a fix before deleting its entry."""
    off = os.environ.get("SEENIT_FUZZ_UNSTEER", "")
    if off and (off == "all" or issue in off.split(",")):
        return False
    return issue in KNOWN
