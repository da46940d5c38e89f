"""ngram: suffix arrays over bytes or token ids and what is built on them.

suffix.py (:func:`suffix_array`, :func:`lcp_array`), index.py (:class:`NgramIndex`: build, open,
count, locate, longest_match, overlap), index_format.py (the on-disk format and its checks),
contamination.py (benchmark items against an index), exact_dedup.py (:func:`exact_duplicates`),
stream.py (:class:`StreamMatcher`: benchmark items indexed, the corpus streamed past; the scan's default).
Native core: cpp/src/ngram/, binding cpp/bindings/bind_ngram.cpp, reference:
seenit.reference.ngram, tests: tests/ngram/, bench: bench/ngram.py and bench/ngram_suffix.py,
docs: docs/ngram.md. The public names are re-exported by :mod:`seenit`.
"""
