"""logprob: per-token statistics of model outputs and the tests built on them.

stats.py (:func:`token_stats`, segment reductions), mia.py (membership-inference scores:
Min-K%, Min-K%++, zlib and reference ratios, ...), metrics.py (AUROC, TPR at FPR, bootstrap),
cartography.py (dataset cartography), models.py (log-probs from Hugging Face and vLLM models,
JSONL files of them), _cuda.py (the GPU statistics). Native core: cpp/src/logprob/, binding
cpp/bindings/bind_logprob.cpp, reference: seenit.reference.logprob, tests: tests/logprob/,
bench: bench/logprob.py, docs: docs/logprob.md. The public names are re-exported by :mod:`seenit`.
"""
