"""
seenit native core (C++): kernels release the GIL and use all cores.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['ItemMatcher', 'LSHBloom', 'LSHIndex', 'MAX_THREADS', 'causal_max', 'check_rows', 'cpu_features', 'dedup_bucket_edges', 'dedup_components', 'dedup_merge_band_runs', 'dedup_merge_edge_runs', 'dedup_write_band_run', 'exact_duplicate_spans', 'get_num_threads', 'jsonl_fields', 'kmeans', 'kmeans_seed', 'lcp_array', 'logprob_simd_available', 'logprob_token_stats', 'lsh_band_keys', 'lsh_error_integrals', 'lsh_group_pairs', 'lsh_optimal_params', 'minhash_affine32_min', 'minhash_fast_params', 'minhash_from_hashes', 'minhash_hash64', 'minhash_jaccard_exact_pairs', 'minhash_sha1_hash32', 'minhash_shingle_hashes_text', 'minhash_shingle_hashes_tokens', 'minhash_shingle_hashes_utf8', 'minhash_split_words', 'minhash_text', 'minhash_tokens', 'minhash_utf8', 'ngram_matching_statistics', 'ngram_prefix_lengths', 'ngram_ranges', 'normalise_utf8', 'range_pairs', 'segment_quantiles', 'segment_reduce', 'set_num_threads', 'signature_pair_similarity', 'suffix_array', 'topk_search', 'union_find_labels']
class LSHIndex:
    """
    Banded LSH index over MinHash signatures (see seenit.LSH).
    """
    def __init__(self, bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def buckets(self, min_size: typing.SupportsInt | typing.SupportsIndex = 2) -> tuple:
        """
        Every bucket with >= min_size members (band by band), as (values, offsets).
        """
    @typing.overload
    def insert(self, signatures: numpy.typing.NDArray[numpy.uint32]) -> None:
        """
        Add rows of signatures; they get the next consecutive internal ids.
        """
    @typing.overload
    def insert(self, signatures: numpy.typing.NDArray[numpy.uint64]) -> None:
        """
        Add rows of signatures; they get the next consecutive internal ids.
        """
    @typing.overload
    def query(self, signatures: numpy.typing.NDArray[numpy.uint32]) -> tuple:
        """
        Candidate internal ids per query row, as (values, offsets).
        """
    @typing.overload
    def query(self, signatures: numpy.typing.NDArray[numpy.uint64]) -> tuple:
        """
        Candidate internal ids per query row, as (values, offsets).
        """
    @property
    def bands(self) -> int:
        ...
    @property
    def n_empty(self) -> int:
        ...
    @property
    def rows(self) -> int:
        ...
    @property
    def size(self) -> int:
        ...
    @property
    def width(self) -> int:
        ...
class LSHBloom:
    """
    One Bloom filter per LSH band (LSH-Bloom); see seenit.sketch.bloom.
    """
    def __init__(self, bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex, expected: typing.SupportsInt | typing.SupportsIndex, fp_rate: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @typing.overload
    def process(self, signatures: numpy.typing.NDArray[numpy.uint32]) -> numpy.typing.NDArray[numpy.bool]:
        """
        Per row, in order: True when a band key was already in its band's filter (an earlier row, or a false positive); then the row's keys are added.
        """
    @typing.overload
    def process(self, signatures: numpy.typing.NDArray[numpy.uint64]) -> numpy.typing.NDArray[numpy.bool]:
        """
        Per row, in order: True when a band key was already in its band's filter (an earlier row, or a false positive); then the row's keys are added.
        """
    @property
    def bands(self) -> int:
        ...
    @property
    def bits_per_band(self) -> int:
        ...
    @property
    def probes(self) -> int:
        ...
    @property
    def rows(self) -> int:
        ...
    @property
    def seen(self) -> int:
        ...
class ItemMatcher:
    """
    Benchmark items' byte windows indexed; corpus documents folded in (see seenit.ngram.stream.StreamMatcher).
    """
    def __init__(self, items: numpy.typing.NDArray[numpy.uint8], item_offsets: numpy.typing.NDArray[numpy.int64], key_pos: numpy.typing.NDArray[numpy.int64], key_item: numpy.typing.NDArray[numpy.int64], key_window: numpy.typing.NDArray[numpy.int32], max_docs: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def fold(self, docs: numpy.typing.NDArray[numpy.uint8], doc_offsets: numpy.typing.NDArray[numpy.int64], base: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        Fold documents (ragged normalised bytes; ids base, base + 1, ...) into the state.
        """
    def merge(self, best_len: numpy.typing.NDArray[numpy.int64], first_doc: numpy.typing.NDArray[numpy.int64], first_off: numpy.typing.NDArray[numpy.int64], docs: numpy.typing.NDArray[numpy.int64]) -> None:
        """
        Merge a state over the same keys (from other documents): order-independent.
        """
    def state(self) -> tuple:
        """
        (best_len, first_doc, first_off) int64 per key and docs (n_keys, max_docs) int64, -1 padded.
        """
    @property
    def max_docs(self) -> int:
        ...
    @property
    def n_keys(self) -> int:
        ...
def _parallel_selftest(n: typing.SupportsInt | typing.SupportsIndex, throw_at: typing.SupportsInt | typing.SupportsIndex = -1, dynamic: bool = False) -> int:
    ...
def causal_max(x: numpy.typing.NDArray[numpy.float32], metric: str) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.int64]]:
    """
    For each row j: best score against an earlier row i < j, and that i.
    """
def check_rows(database: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], name: str) -> None:
    """
    Raise ValueError naming the first row with NaN/inf (or a squared norm overflowing float32); one read, all threads.
    """
def cpu_features() -> dict:
    """
    CPU features detected at run time (what the SIMD dispatch will use).
    """
def dedup_bucket_edges(runs: collections.abc.Sequence[str], signatures: str, n: typing.SupportsInt | typing.SupportsIndex, k: typing.SupportsInt | typing.SupportsIndex, signature_bytes: typing.SupportsInt | typing.SupportsIndex, threshold: typing.SupportsFloat | typing.SupportsIndex, verify: bool, max_bucket: typing.SupportsInt | typing.SupportsIndex, buffer_bytes: typing.SupportsInt | typing.SupportsIndex, edge_buffer_bytes: typing.SupportsInt | typing.SupportsIndex, edge_prefix: str) -> list[str]:
    """
    Verified edges of the buckets of the merged band runs, as sorted unique edge runs; returns their paths.
    """
def dedup_components(edges: str, min_sim: typing.SupportsFloat | typing.SupportsIndex, n: typing.SupportsInt | typing.SupportsIndex, signatures: str, k: typing.SupportsInt | typing.SupportsIndex, signature_bytes: typing.SupportsInt | typing.SupportsIndex, out: str, parent_ram_bytes: typing.SupportsInt | typing.SupportsIndex, parent_file: str, buffer_bytes: typing.SupportsInt | typing.SupportsIndex, page_cache_bytes: typing.SupportsInt | typing.SupportsIndex) -> tuple[int, list[tuple[int, int]]]:
    """
    Connected components of the edges with similarity >= min_sim: one (id, label, similarity) record per clustered document, ascending id, written to out; returns (count, [(cluster size, clusters), ...]).
    """
def dedup_merge_band_runs(runs: collections.abc.Sequence[str], out: str, buffer_bytes: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    Merge sorted band runs into one sorted run at out; returns its count.
    """
def dedup_merge_edge_runs(runs: collections.abc.Sequence[str], out: str, buffer_bytes: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    Merge sorted edge runs into one sorted unique edge file; returns its count.
    """
@typing.overload
def dedup_write_band_run(signatures: numpy.typing.NDArray[numpy.uint32], first_id: typing.SupportsInt | typing.SupportsIndex, bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex, path: str) -> int:
    """
    Write the sorted (band, key, id) entries of the non-empty rows (ids first_id, ...) to path; returns the entry count.
    """
@typing.overload
def dedup_write_band_run(signatures: numpy.typing.NDArray[numpy.uint64], first_id: typing.SupportsInt | typing.SupportsIndex, bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex, path: str) -> int:
    """
    Write the sorted (band, key, id) entries of the non-empty rows (ids first_id, ...) to path; returns the entry count.
    """
def exact_duplicate_spans(tokens: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], sa: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], lcp: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], separator: typing.SupportsInt | typing.SupportsIndex, min_length: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64]]:
    """
    Maximal spans [start, end) (global token positions) of >= min_length tokens occurring at least twice.
    """
def get_num_threads() -> int:
    """
    Number of worker threads the kernels use.
    """
def jsonl_fields(data: numpy.typing.NDArray[numpy.uint8], field: str) -> tuple[numpy.typing.NDArray[numpy.uint8], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.uint8], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], int]:
    """
    One string field of JSON lines (see seenit/jsonl.hpp): (text uint8, offsets int64, line int64, deferred uint8, line_begin int64, line_end int64, n_lines) per row, a row being a non-blank line; a deferred row's line must be read by the caller (json.loads decides it).
    """
def kmeans(x: numpy.typing.NDArray[numpy.float32], n_clusters: typing.SupportsInt | typing.SupportsIndex, iters: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, metric: str, init: str) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.float32], float, int, str]:
    """
    Seeding ('auto', 'k-means++' or 'k-means||') then Lloyd: (centroids, labels, scores, inertia, iterations, init used).
    """
def kmeans_seed(x: numpy.typing.NDArray[numpy.float32], n_clusters: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, metric: str, init: str) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.float64], str]:
    """
    The k-means seeding alone: (centre row ids, k-means|| candidate row ids, their weights, init used).
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint8], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint8], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint16], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint16], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint32], sa: numpy.typing.NDArray[numpy.int32]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    LCP array of text given its suffix array: lcp[i] = LCP(sa[i-1], sa[i]), lcp[0] = 0.
    """
@typing.overload
def lcp_array(text: numpy.typing.NDArray[numpy.uint32], sa: numpy.typing.NDArray[numpy.int64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    ...
def logprob_simd_available() -> bool:
    """
    Whether token_stats uses its AVX2+FMA path on this CPU.
    """
def logprob_token_stats(logits: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], targets: numpy.typing.NDArray[numpy.int64], kind: str, temperature: typing.SupportsFloat | typing.SupportsIndex = 1.0, which: typing.SupportsInt | typing.SupportsIndex = 31, use_simd: bool = True) -> tuple:
    """
    Fused per-row log p(target), entropy, mu, sigma and rank of a (rows, vocab) logits array. Returns a 5-tuple with None for the stats not requested (bit flags: 1 logprob, 2 entropy, 4 mu, 8 sigma, 16 rank).
    """
@typing.overload
def lsh_band_keys(signatures: numpy.typing.NDArray[numpy.uint32], bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.uint64], numpy.typing.NDArray[numpy.bool]]:
    """
    (keys (n, bands) uint64, empty (n,) bool): the band keys LSHIndex files each row under, and which rows are the empty signature (those enter no bucket).
    """
@typing.overload
def lsh_band_keys(signatures: numpy.typing.NDArray[numpy.uint64], bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.uint64], numpy.typing.NDArray[numpy.bool]]:
    """
    (keys (n, bands) uint64, empty (n,) bool): the band keys LSHIndex files each row under, and which rows are the empty signature (those enter no bucket).
    """
def lsh_error_integrals(threshold: typing.SupportsFloat | typing.SupportsIndex, bands: typing.SupportsInt | typing.SupportsIndex, rows: typing.SupportsInt | typing.SupportsIndex) -> tuple[float, float]:
    """
    (false-positive, false-negative) integrals of the LSH S-curve for (bands, rows).
    """
def lsh_group_pairs(values: numpy.typing.NDArray[numpy.int64], offsets: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.int64]:
    """
    All (i, j), i < j, pairs of members sharing a group; deduplicated, sorted; shape (m, 2).
    """
def lsh_optimal_params(threshold: typing.SupportsFloat | typing.SupportsIndex, num_perm: typing.SupportsInt | typing.SupportsIndex, fp_weight: typing.SupportsFloat | typing.SupportsIndex, fn_weight: typing.SupportsFloat | typing.SupportsIndex) -> tuple[int, int]:
    """
    (bands, rows) minimising the weighted false positive + false negative integrals (datasketch's search).
    """
def minhash_affine32_min(keys: numpy.typing.NDArray[numpy.uint32], a: numpy.typing.NDArray[numpy.uint32], b: numpy.typing.NDArray[numpy.uint32], simd: bool = True) -> numpy.typing.NDArray[numpy.uint32]:
    """
    Test hook: min over keys of (a*key + b) mod 2^32 per slot (simd=False forces the portable path).
    """
def minhash_fast_params(num_perm: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.uint32], numpy.typing.NDArray[numpy.uint32]]:
    """
    The fast scheme's permutation parameters (a odd, b), uint32.
    """
def minhash_from_hashes(hashes: numpy.typing.NDArray[numpy.uint64], offsets: numpy.typing.NDArray[numpy.int64], scheme: typing.SupportsInt | typing.SupportsIndex, num_perm: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.uint32]:
    """
    Fast/OPH signatures from pre-hashed shingles (ragged uint64 hashes).
    """
def minhash_hash64(data: bytes) -> int:
    """
    seenit's 64-bit hash of a byte string (the fast scheme's shingle hash).
    """
def minhash_jaccard_exact_pairs(values: numpy.typing.NDArray[numpy.uint64], offsets: numpy.typing.NDArray[numpy.int64], pairs: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Exact Jaccard of sorted unique sets (ragged) for each (i, j) row of pairs.
    """
def minhash_sha1_hash32(data: bytes, simd: bool = True) -> int:
    """
    datasketch.hashfunc.sha1_hash32 (first 4 SHA-1 digest bytes, little-endian); simd=False forces portable SHA-1.
    """
def minhash_shingle_hashes_text(docs: list, ngram: typing.SupportsInt | typing.SupportsIndex, unit: typing.SupportsInt | typing.SupportsIndex, lowercase: bool, lower_keys: numpy.typing.NDArray[numpy.uint32], lower_off: numpy.typing.NDArray[numpy.uint32], lower_bytes: numpy.typing.NDArray[numpy.uint8], replace: bool = False) -> tuple:
    """
    Sorted unique 64-bit shingle hashes per document: (values uint64, offsets int64).
    """
def minhash_shingle_hashes_tokens(values: numpy.typing.NDArray[numpy.uint64], offsets: numpy.typing.NDArray[numpy.int64], ngram: typing.SupportsInt | typing.SupportsIndex) -> tuple:
    """
    Sorted unique 64-bit shingle hashes of ragged token ids.
    """
def minhash_shingle_hashes_utf8(values: numpy.typing.NDArray[numpy.uint8], offsets: numpy.typing.NDArray[numpy.int64], ngram: typing.SupportsInt | typing.SupportsIndex, unit: typing.SupportsInt | typing.SupportsIndex, lowercase: bool, lower_keys: numpy.typing.NDArray[numpy.uint32], lower_off: numpy.typing.NDArray[numpy.uint32], lower_bytes: numpy.typing.NDArray[numpy.uint8], replace: bool = False) -> tuple[numpy.typing.NDArray[numpy.uint64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64]]:
    """
    minhash_shingle_hashes_text of UTF-8 texts given as a ragged pair (values uint8, offsets int64 n+1): (values, offsets, flagged), flagged as in minhash_utf8.
    """
def minhash_split_words(data: bytes, simd: bool = True) -> list:
    """
    Test hook: (start, end) byte ranges of the words of UTF-8 text (simd=False forces the scalar scanner).
    """
def minhash_text(docs: list, ngram: typing.SupportsInt | typing.SupportsIndex, unit: typing.SupportsInt | typing.SupportsIndex, lowercase: bool, scheme: typing.SupportsInt | typing.SupportsIndex, num_perm: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, a: numpy.typing.NDArray[numpy.uint64], b: numpy.typing.NDArray[numpy.uint64], lower_keys: numpy.typing.NDArray[numpy.uint32], lower_off: numpy.typing.NDArray[numpy.uint32], lower_bytes: numpy.typing.NDArray[numpy.uint8], replace: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    MinHash signatures of a list of str (unit 0 word, 1 char; scheme 0 fast, 1 oph, 2 datasketch, 3 legacy). The lower table maps code points to their str.lower() UTF-8 bytes (documents containing U+03A3 must arrive lower-cased).
    """
def minhash_tokens(values: numpy.typing.NDArray[numpy.uint64], offsets: numpy.typing.NDArray[numpy.int64], ngram: typing.SupportsInt | typing.SupportsIndex, scheme: typing.SupportsInt | typing.SupportsIndex, num_perm: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, a: numpy.typing.NDArray[numpy.uint64], b: numpy.typing.NDArray[numpy.uint64]) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    MinHash signatures of ragged token ids (values uint64, offsets int64 n+1).
    """
def minhash_utf8(values: numpy.typing.NDArray[numpy.uint8], offsets: numpy.typing.NDArray[numpy.int64], ngram: typing.SupportsInt | typing.SupportsIndex, unit: typing.SupportsInt | typing.SupportsIndex, lowercase: bool, scheme: typing.SupportsInt | typing.SupportsIndex, num_perm: typing.SupportsInt | typing.SupportsIndex, seed: typing.SupportsInt | typing.SupportsIndex, a: numpy.typing.NDArray[numpy.uint64], b: numpy.typing.NDArray[numpy.uint64], lower_keys: numpy.typing.NDArray[numpy.uint32], lower_off: numpy.typing.NDArray[numpy.uint32], lower_bytes: numpy.typing.NDArray[numpy.uint8], replace: bool = False) -> tuple[numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], numpy.typing.NDArray[numpy.int64]]:
    """
    minhash_text of UTF-8 texts given as a ragged pair (values uint8, offsets int64 n+1), read in place: (signatures, flagged int64): invalid UTF-8 is a ValueError naming the document, an encoded lone surrogate too unless replace; with lowercase, the documents holding U+03A3 are flagged, their rows to be redone from lower-cased text (str.lower's final sigma needs context).
    """
def ngram_matching_statistics(tokens: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], sa: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], separator: typing.SupportsInt | typing.SupportsIndex, qvalues: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], qoffsets: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.int64]:
    """
    Matching statistics: for each query position, the longest prefix of the rest of its query found in the corpus.
    """
def ngram_prefix_lengths(tokens: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], sa: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], separator: typing.SupportsInt | typing.SupportsIndex, qvalues: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], qoffsets: numpy.typing.NDArray[numpy.int64], positions: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.int64]:
    """
    Longest-prefix match lengths at chosen positions of ragged queries (matching statistics at those positions).
    """
def ngram_ranges(tokens: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], sa: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], separator: typing.SupportsInt | typing.SupportsIndex, qvalues: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], qoffsets: numpy.typing.NDArray[numpy.int64]) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64]]:
    """
    Suffix-array ranges [lo, hi) of ragged queries (values, offsets); count = hi - lo.
    """
def normalise_utf8(text: numpy.typing.NDArray[numpy.uint8], offsets: numpy.typing.NDArray[numpy.int64], table: numpy.typing.NDArray[numpy.uint32], lowercase: numpy.typing.NDArray[numpy.uint8], strip_punctuation: bool, collapse_whitespace: bool, skip_deferred: bool = False) -> tuple[numpy.typing.NDArray[numpy.uint8], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64]]:
    """
    Normalise UTF-8 documents (text, offsets) with a per-code-point table (see seenit/normalise.hpp): returns (bytes uint8, offsets int64, deferred int64): with skip_deferred, the documents to lowercase that hold a context-dependent code point are left empty and listed in deferred. Used by Normalisation.encode_block / encode_utf8.
    """
def range_pairs(x: numpy.typing.NDArray[numpy.float32], y: typing.Any, threshold: typing.SupportsFloat | typing.SupportsIndex, metric: str) -> tuple[numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.int64], numpy.typing.NDArray[numpy.float32]]:
    """
    All pairs with score >= threshold (l2: distance <= threshold).
    """
@typing.overload
def segment_quantiles(values: numpy.typing.NDArray[numpy.float64], offsets: numpy.typing.NDArray[numpy.int64], q: numpy.typing.NDArray[numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Linear-interpolated quantiles of each segment; returns float64 (n, len(q)), NaN rows for empty segments.
    """
@typing.overload
def segment_quantiles(values: numpy.typing.NDArray[numpy.float32], offsets: numpy.typing.NDArray[numpy.int64], q: numpy.typing.NDArray[numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Linear-interpolated quantiles of each segment; returns float64 (n, len(q)), NaN rows for empty segments.
    """
@typing.overload
def segment_reduce(values: numpy.typing.NDArray[numpy.float64], offsets: numpy.typing.NDArray[numpy.int64], op: str, k: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Reduce each segment values[offsets[i]:offsets[i+1]] with op; returns float64 of length n.
    """
@typing.overload
def segment_reduce(values: numpy.typing.NDArray[numpy.float32], offsets: numpy.typing.NDArray[numpy.int64], op: str, k: typing.SupportsFloat | typing.SupportsIndex = 1.0) -> numpy.typing.NDArray[numpy.float64]:
    """
    Reduce each segment values[offsets[i]:offsets[i+1]] with op; returns float64 of length n.
    """
def set_num_threads(n: typing.SupportsInt | typing.SupportsIndex) -> None:
    """
    Set the number of worker threads, 1..4096 (0 restores SEENIT_NUM_THREADS / all cores).
    """
@typing.overload
def signature_pair_similarity(a: numpy.typing.NDArray[numpy.uint32], b: numpy.typing.NDArray[numpy.uint32], pairs: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Fraction of equal slots between a[pairs[:, 0]] and b[pairs[:, 1]] (estimated Jaccard).
    """
@typing.overload
def signature_pair_similarity(a: numpy.typing.NDArray[numpy.uint64], b: numpy.typing.NDArray[numpy.uint64], pairs: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    Fraction of equal slots between a[pairs[:, 0]] and b[pairs[:, 1]] (estimated Jaccard).
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint8], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint16], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
@typing.overload
def suffix_array(text: numpy.typing.NDArray[numpy.uint32], alphabet: typing.SupportsInt | typing.SupportsIndex, force64: bool = False) -> numpy.ndarray[typing.Any, numpy.dtype[typing.Any]]:
    """
    Suffix array (SA-IS) of a 1-D unsigned integer array whose symbols are < alphabet; int32 when len < 2**31 (unless force64), else int64.
    """
def topk_search(queries: numpy.typing.NDArray[numpy.float32], database: numpy.ndarray[typing.Any, numpy.dtype[typing.Any]], k: typing.SupportsInt | typing.SupportsIndex, metric: str, first_pass: str) -> tuple[numpy.typing.NDArray[numpy.float32], numpy.typing.NDArray[numpy.int64], int]:
    """
    Exact top-k (scores, ids, pairs re-scored). Database: float32/float16/uint16(bf16)/int8, C-contiguous.
    """
def union_find_labels(n: typing.SupportsInt | typing.SupportsIndex, pairs: numpy.typing.NDArray[numpy.int64]) -> numpy.typing.NDArray[numpy.int64]:
    """
    Per node, the smallest node index of its connected component under the edges `pairs` (m, 2).
    """
MAX_THREADS: int = 4096
__version__: str = '0.1.0'
