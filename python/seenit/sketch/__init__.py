"""sketch: MinHash signatures, LSH banding and near-duplicate clustering.

minhash.py (signatures, shingle hashes, Jaccard), lsh.py (the :class:`LSH` index and band
parameters), dedup.py (:func:`near_duplicates`: signatures -> candidates -> verification ->
clusters), _cuda.py (the GPU signatures). Native core: cpp/src/sketch/, binding
cpp/bindings/bind_sketch.cpp, reference: seenit.reference.sketch, tests: tests/sketch/,
bench: bench/sketch.py, docs: docs/sketch.md. The public names are re-exported by :mod:`seenit`.
"""
