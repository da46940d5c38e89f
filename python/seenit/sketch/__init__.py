"""sketch: MinHash signatures, LSH banding and near-duplicate clustering.

minhash.py (signatures, shingle hashes, Jaccard), lsh.py (the :class:`LSH` index and band
parameters), dedup.py (:func:`near_duplicates`: signatures -> candidates -> verification ->
clusters), ooc.py (the out-of-core mode: memory plan, work directory, stages), bloom.py
(LSH-Bloom), files.py (file-to-file dedup: ``seenit dedup minhash``), outputs.py (the documented
output files and :func:`read_clusters`), rethreshold.py (re-clustering from stored edges),
_cuda.py (the GPU signatures). Native core: cpp/src/sketch/, binding cpp/bindings/bind_sketch.cpp,
reference: seenit.reference.sketch, tests: tests/sketch/, bench: bench/sketch.py and
bench/dedup_scale.py, docs: docs/sketch.md and docs/dedup_files.md. The public names are re-exported by :mod:`seenit`.
"""
