"""search: exact similarity search over embeddings and what is built on it.

topk.py (:func:`topk`, :func:`range_pairs`, :func:`kmeans`, :func:`nearest_training`),
semdedup.py (SemDeDup), familiarity.py (label-shift Familiarity), embed.py (text -> vectors),
_cuda.py (the GPU top-k). Native core: cpp/src/search/, binding cpp/bindings/bind_search.cpp,
reference: seenit.reference.search, tests: tests/search/, bench: bench/search.py and
bench/search_semdedup.py, docs: docs/search.md. The public names are re-exported by :mod:`seenit`.
"""
