"""Regression tests for the native-core hardening issue: inputs that used to crash the
process (segfault, abort, hang) or give a wrong answer. A case that crashed runs in a
subprocess, so a regression fails one test instead of killing the suite; it must end with
a clean exit (and, where the input is bad, a ValueError/TypeError naming the argument)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import seenit
from seenit import _core


def run_py(code: str, timeout: float = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; returns the finished process (never raises on failure)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=e)


def assert_clean(proc: subprocess.CompletedProcess[str], expect: str = "OK") -> None:
    """The child exited normally (no signal, no abort) and printed ``expect``."""
    assert proc.returncode == 0, f"child died with rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    assert expect in proc.stdout, proc.stdout + proc.stderr[-3000:]


# ---------------------------------------------------------------- 1. int8 first pass: tiny / huge rows

SIMD_MODES = [pytest.param({}, id="simd"), pytest.param({"SEENIT_DISABLE_SIMD": "1"}, id="portable")]


@pytest.mark.parametrize("env", SIMD_MODES)
def test_int8_first_pass_subnormal_query_does_not_crash(env):
    # max |value| 1e-40: the quantisation scale was subnormal, 1/scale overflowed, codes went
    # out of range and the search read past a short heap (segfault)
    proc = run_py("""
        import numpy as np, seenit
        q = np.array([[1e-40, 0.0]], np.float32)
        for m in ("l2", "ip", "cosine"):
            a = seenit.topk(q, np.zeros((1, 2), np.float32), 1, metric=m, first_pass="int8")
            b = seenit.topk(q, np.zeros((1, 2), np.float32), 1, metric=m, first_pass="float32")
            assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]), (m, a, b)
        print("OK")
    """, env=env)
    assert_clean(proc)


# Before the fix the AVX-512 quantiser (VNNI/AMX panels, and the queries on any AVX-512 BW
# CPU) turned a subnormal scale into NaN error terms: no candidate passed, the heaps stayed
# short and the result was read past their end (segfault). The AVX2 quantiser clamped the
# NaN codes to INT_MIN and stayed exact by luck. Every case runs in a child process.
@pytest.mark.parametrize("metric", ["l2", "ip", "cosine"])
def test_int8_first_pass_tiny_rows_exact(metric):
    # queries and database rows with a subnormal or barely normal scale, mixed with ordinary
    # rows: the int8 pass must give exactly the float32 answer (same ids, same bits)
    proc = run_py(f"""
        import numpy as np, seenit
        for scale in (1e-39, 1e-41, 3e-38, 1e-37, 1.0):
            rng = np.random.default_rng(7)
            db = (rng.standard_normal((300, 24)) * scale).astype(np.float32)
            db[::7] = rng.standard_normal((db[::7].shape[0], 24)).astype(np.float32)
            for q in ((rng.standard_normal((40, 24)) * scale).astype(np.float32),
                      (rng.standard_normal((3, 5)) * scale).astype(np.float32)):
                d = db[:, : q.shape[1]].copy()
                a = seenit.topk(q, d, 5, metric={metric!r}, first_pass="int8")
                b = seenit.topk(q, d, 5, metric={metric!r}, first_pass="float32")
                assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0]), (scale, a, b)
        # bfloat16 bits 0x0001..0x007f are subnormal floats: every row has a subnormal scale
        db = rng.integers(1, 0x80, size=(200, 16), dtype=np.uint16)
        q = rng.standard_normal((35, 16)).astype(np.float32)
        a = seenit.topk(q, db, 4, metric={metric!r}, first_pass="int8")
        b = seenit.topk(q, db, 4, metric={metric!r}, first_pass="float32")
        assert np.array_equal(a[1], b[1]) and np.array_equal(a[0], b[0])
        print("OK")
    """)
    assert_clean(proc)


def test_query_whose_squared_norm_overflows_is_rejected():
    # |x| ~ 3e19: x.x overflows float32; the database side rejected it, the query side did
    # not (l2 keys and the int8 bound became inf/NaN; cosine normalised the row to zero)
    proc = run_py("""
        import numpy as np, seenit
        from seenit import _core
        q = np.array([[3e19, 0.0]], np.float32)
        db = np.ones((3, 2), np.float32)
        for metric in ("l2", "ip", "cosine"):
            for fp in ("int8", "float32"):
                for f in (lambda: seenit.topk(q, db, 1, metric=metric, first_pass=fp),
                          lambda: _core.topk_search(q, db, 1, metric, fp)):
                    try:
                        f()
                    except ValueError as e:
                        assert "queries row 0" in str(e), e
                    else:
                        raise AssertionError((metric, fp))
            try:
                seenit.range_pairs(np.array([[1.0, 0.0], [3e19, 0.0]], np.float32), 0.5, metric=metric)
            except ValueError as e:
                assert "row 1" in str(e), e
            else:
                raise AssertionError(metric)
        print("OK")
    """)
    assert_clean(proc)


def test_core_topk_rejects_nan_queries():
    # _core is treated as public: NaN queries reached the quantiser without the Python check
    # (segfault before the fix)
    proc = run_py("""
        import numpy as np
        from seenit import _core
        q = np.array([[np.nan, 1.0]], np.float32)
        for metric in ("l2", "ip", "cosine"):
            for fp in ("int8", "float32"):
                try:
                    _core.topk_search(q, np.ones((3, 2), np.float32), 1, metric, fp)
                except ValueError as e:
                    assert "queries row 0" in str(e), e
                else:
                    raise AssertionError((metric, fp))
        print("OK")
    """)
    assert_clean(proc)


@pytest.mark.parametrize("env", SIMD_MODES)
def test_kmeans_tiny_rows_does_not_crash(env):
    proc = run_py("""
        import numpy as np, seenit
        x = np.array([[1e-40, 0.0], [0.0, 1e-40], [1.0, 1.0], [1.0, 0.9]], np.float32)
        for m in ("l2", "cosine"):
            r = seenit.kmeans(x, 2, metric=m, seed=0)
            assert r.labels.min() >= 0 and r.labels.max() < 2, r
        try:
            seenit.kmeans(np.array([[3e19, 0.0], [1.0, 1.0]], np.float32), 1, metric="cosine")
        except ValueError as e:
            assert "row 0" in str(e), e
        else:
            raise AssertionError("no ValueError for a row whose squared norm overflows")
        print("OK")
    """, env=env)
    assert_clean(proc)


# ---------------------------------------------------------------- 3. thread count

def test_set_num_threads_bounds():
    before = _core.get_num_threads()
    try:
        for bad in (4097, 100000, 2**31, 2**63):
            with pytest.raises(ValueError, match="n must be in 0..4096"):
                seenit.set_num_threads(bad)
            if bad < 2**63:  # beyond long long: pybind11's TypeError, the public API's ValueError above
                with pytest.raises(ValueError, match="0..4096"):
                    _core.set_num_threads(bad)
        seenit.set_num_threads(4096)
        assert seenit.get_num_threads() == 4096
    finally:
        seenit.set_num_threads(0)
    assert _core.get_num_threads() == before or "SEENIT_NUM_THREADS" in os.environ


def test_env_thread_count_is_clamped():
    proc = run_py("""
        import numpy as np, seenit
        assert seenit.get_num_threads() == 4096, seenit.get_num_threads()
        rng = np.random.default_rng(0)
        x = rng.standard_normal((500, 8)).astype(np.float32)
        # at most one heap set per 64-row chunk, not one per thread (was 4096 x nq x k)
        s, i = seenit.topk(x[:100], x, 50, metric="ip")
        assert np.array_equal(i[:, 0], np.arange(100)) or s.shape == (100, 50)
        print("OK")
    """, env={"SEENIT_NUM_THREADS": "100000"})
    assert_clean(proc)


def test_thread_creation_failure_is_an_exception_not_terminate():
    # with the address space capped, most of 4096 thread stacks cannot be mapped:
    # std::thread threw std::system_error with joinable threads alive -> std::terminate
    proc = run_py("""
        import resource, numpy as np, seenit
        from seenit import _core
        vm = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (vm + (512 << 20), resource.RLIM_INFINITY))
        seenit.set_num_threads(4096)
        try:
            _core._parallel_selftest(1 << 20)  # 4095 stacks of 8 MiB cannot fit in 512 MiB
        except RuntimeError as e:
            assert "could not start" in str(e), e
        else:
            raise AssertionError("no RuntimeError although thread stacks cannot be mapped")
        seenit.set_num_threads(2)
        assert _core._parallel_selftest(1000) == sum(range(1000))  # the process is still usable
        print("OK")
    """, timeout=300)
    assert_clean(proc)


def test_set_num_threads_while_kernels_run():
    # topk / range_pairs / token_stats release the GIL; they sized per-thread state with one
    # count and split work with another read later: out-of-bounds writes
    proc = run_py("""
        import threading, time, numpy as np, seenit
        rng = np.random.default_rng(0)
        x = rng.standard_normal((3000, 16)).astype(np.float32)
        logits = rng.standard_normal((400, 64)).astype(np.float32)
        targets = rng.integers(0, 64, 400)
        ref_pairs = seenit.range_pairs(x, 0.8, metric="cosine")
        ref_top = seenit.topk(x[:40], x, 5, metric="ip")
        stop = time.monotonic() + 6
        errors = []
        def work():
            try:
                while time.monotonic() < stop:
                    p = seenit.range_pairs(x, 0.8, metric="cosine")
                    assert all(np.array_equal(a, b) for a, b in zip(p, ref_pairs))
                    t = seenit.topk(x[:40], x, 5, metric="ip")
                    assert np.array_equal(t[1], ref_top[1])
                    seenit.token_stats(logits, targets)
            except BaseException as e:
                errors.append(e)
        th = [threading.Thread(target=work) for _ in range(2)]
        for t in th: t.start()
        k = 0
        while any(t.is_alive() for t in th):
            seenit.set_num_threads((1, 64, 2, 200)[k % 4]); k += 1
            time.sleep(0.0005)
        seenit.set_num_threads(0)
        assert not errors, errors
        print("OK", k)
    """, timeout=300)
    assert_clean(proc)


# ---------------------------------------------------------------- 4. lists of str and the GIL

def test_minhash_list_cleared_by_another_thread():
    # the binding kept raw pointers into the list's str objects with the GIL released;
    # clearing the list in another thread freed them (use-after-free)
    proc = run_py("""
        import threading, numpy as np, seenit
        base = [("word%d " % i) * 400 + "\u00e9" * (i % 3) for i in range(3000)]
        for rep in range(20):
            docs = ["".join(["x", s]) for s in base]  # fresh str objects owned by the list only
            expect = seenit.minhash(list(docs), num_perm=32, seed=1)
            out = {}
            def run():
                out["sig"] = seenit.minhash(docs, num_perm=32, seed=1)
            t = threading.Thread(target=run)
            t.start()
            for _ in range(200):
                if not t.is_alive():
                    break
                docs.clear()  # frees every str the kernel may be reading
                docs.extend("y" * 50 for _ in range(10))
            t.join()
            sig = out["sig"]  # the list as the call found it: whole (then exact) or already replaced
            assert sig.shape[0] != len(base) or np.array_equal(sig, expect)
        print("OK")
    """, timeout=300)
    assert_clean(proc)


# ---------------------------------------------------------------- 5. LSH arguments

def test_lsh_index_width_check_does_not_overflow():
    # bands * rows = 65536 * 65536 overflowed int to 0: any signature passed the width check
    # and the band keys were read far past the row (segfault)
    proc = run_py("""
        import numpy as np
        from seenit import _core
        try:  # no signature is wider than 8192 slots: such a banding is refused when it is made
            _core.LSHIndex(65536, 65536)
        except ValueError as e:
            assert "bands * rows must be <= 8192" in str(e), e
        else:
            raise AssertionError("no ValueError")
        idx = _core.LSHIndex(64, 128)  # the widest banding there is
        sig = np.zeros((2, 16), np.uint32)
        for f, size in ((lambda: idx.query(sig), "8192"), (lambda: idx.insert(sig), "8192"),
                        (lambda: _core.lsh_band_keys(sig, 65536, 65536), "4294967296")):
            try:
                f()
            except ValueError as e:
                assert "bands * rows" in str(e) and size in str(e), e
            else:
                raise AssertionError("no ValueError")
        print("OK")
    """)
    assert_clean(proc)


@pytest.mark.parametrize("args", [(float("nan"), 1, 1), (0.5, -1, 1), (0.5, 1, 0), (-0.1, 2, 2), (1.5, 2, 2),
                                  (float("inf"), 2, 2)],
                         ids=["nan", "neg_bands", "zero_rows", "neg_t", "t_above_1", "inf"])
def test_lsh_error_integrals_validates(args):
    # NaN (or a negative band count) never returned, holding the GIL
    proc = run_py(f"""
        from seenit import _core
        try:
            _core.lsh_error_integrals(float({str(args[0])!r}), {args[1]}, {args[2]})
        except ValueError as e:
            print("OK", e)
    """, timeout=60)
    assert_clean(proc)


def test_lsh_error_integrals_still_answers():
    fp, fn = _core.lsh_error_integrals(0.5, 20, 5)
    assert 0 < fp < 0.5 and 0 < fn < 0.5
    assert _core.lsh_error_integrals(0.0, 1, 1)[0] == 0.0


def test_lsh_optimal_params_num_perm_bounded():
    with pytest.raises(ValueError, match="num_perm"):
        _core.lsh_optimal_params(0.5, 2**31 - 1, 0.5, 0.5)


# ---------------------------------------------------------------- 6. unbounded allocations

def test_familiarity_huge_k_allocates_only_what_it_uses():
    # k = 2**32 - 1 built np.arange(k) float64 (32 GiB) although at most the training count is used
    proc = run_py("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.RLIM_INFINITY))
        import seenit
        train = {"cat": 3, "dog": 5, "car": 2}
        for w in ("zipf", "linear", "unweighted"):
            big = seenit.familiarity(train, ["cat", "truck"], embed="hashed:32", k=2**32 - 1, weighting=w)
            ref = seenit.familiarity(train, ["cat", "truck"], embed="hashed:32", k=10**9, weighting=w)
            if w != "linear":  # the linear weights depend on k itself
                small = seenit.familiarity(train, ["cat", "truck"], embed="hashed:32", k=10, weighting=w)
                assert big.per_label == small.per_label, (big, small)
            assert abs(big.mean - ref.mean) < 1e-6
        print("OK")
    """)
    assert_clean(proc)


@pytest.mark.parametrize("spec", ["hashed:100000000", "hashed:4097", "hashed:0", "hashed:-5", "hashed:abc"])
def test_hashed_embedder_dimension_bounded(spec):
    from seenit.search.embed import embedder

    with pytest.raises(ValueError, match="hashed"):
        embedder(spec)


def test_hashed_embedder_arguments_bounded():
    from seenit.search.embed import hashed_embedder

    with pytest.raises(ValueError, match="dim"):
        hashed_embedder(10**8)
    with pytest.raises(ValueError, match="buckets"):
        hashed_embedder(4096, buckets=1 << 20)
    assert hashed_embedder(8)(["a b", "c"]).shape == (2, 8)


# ---------------------------------------------------------------- 8. large ints: ValueError naming the argument

def test_too_large_ints_are_value_errors_naming_the_argument():
    x = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)
    cases = [
        (lambda: seenit.topk(x, x, 2**64), "k"),
        (lambda: seenit.kmeans(x, 2, iters=2**31), "iters"),
        (lambda: seenit.minhash(["a b c"], ngram=2**64), "ngram"),
        (lambda: seenit.exact_duplicates(["abcabc", "abcabc"], min_length=2**64), "min_length"),
        (lambda: seenit.set_num_threads(2**64), "n"),
        (lambda: seenit.LSH(num_perm=16, params=(2**40, 1)), "bands"),
    ]
    for f, name in cases:
        with pytest.raises(ValueError, match=name):
            f()


# ---------------------------------------------------------------- 9. histogram keeps exact copies

def test_nearest_training_histogram_counts_exact_copies():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((200, 48)).astype(np.float32)
    res = seenit.nearest_training(x, x, 1)
    assert (res.scores[:, 0] > 1.0).any()  # float32 cosines of exact copies reach 1.0000002
    assert int(res.histogram.sum()) == 200
    assert int(res.histogram[-1]) == 200


# ---------------------------------------------------------------- 7. token_stats temperature

@pytest.mark.parametrize("simd", [True, False])
@pytest.mark.parametrize("temperature", [1e-40, 1e-31, 1e31, 1e300])
def test_token_stats_rejects_temperatures_whose_reciprocal_is_not_a_float32(simd, temperature):
    # 1e-40: the AVX2 path (1/T in float32 = inf) gave NaN, the portable one finite values
    from seenit.logprob import stats as logprob

    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    with pytest.raises(ValueError, match="temperature"):
        logprob.token_stats(x, np.array([1]), temperature=temperature, simd=simd)
    with pytest.raises(ValueError, match="temperature"):  # the native check too
        _core.logprob_token_stats(x, np.array([1], np.int64), "f32", temperature, 1, simd)


@pytest.mark.parametrize("temperature", [1e-30, 1e-20, 1e-3, 0.7, 3.0, 1e20, 1e30])
def test_token_stats_simd_and_portable_agree_at_extreme_temperatures(temperature):
    from seenit.logprob import stats as logprob

    rng = np.random.default_rng(4)
    x = (rng.standard_normal((5, 37)) * 5).astype(np.float32)
    x[1, 3] = -np.inf
    t = rng.integers(0, 37, 5)
    stats = ("logprob", "entropy", "rank", "sigma")
    a = logprob.token_stats(x, t, temperature=temperature, simd=True, stats=stats)
    b = logprob.token_stats(x, t, temperature=temperature, simd=False, stats=stats)
    for name in stats:
        va, vb = np.asarray(getattr(a, name), np.float64), np.asarray(getattr(b, name), np.float64)
        assert np.isfinite(va).all() and np.isfinite(vb).all(), name
        np.testing.assert_allclose(va, vb, rtol=1e-4, atol=1e-6, err_msg=name)


def test_token_stats_disable_simd_env_rejects_tiny_temperature():
    proc = run_py("""
        import numpy as np
        from seenit.logprob import stats as logprob
        try:
            logprob.token_stats(np.array([[1.0, 2.0]], np.float32), np.array([0]), temperature=1e-40)
        except ValueError as e:
            assert "temperature" in str(e)
            print("OK")
    """, env={"SEENIT_DISABLE_SIMD": "1"})
    assert_clean(proc)


def test_l2_rows_whose_distances_would_overflow_are_rejected():
    # each squared norm fits float32 (5 x 5.3e37 = 2.7e38) but |x|^2 + |c|^2 does not: the l2 keys were
    # inf and _core.kmeans raised "query 0 has 0 of 1 results (internal error)"
    x = np.full((9, 5), -7.3125e18, np.float32)
    x[0, 0] = 6.25e17
    for call in (lambda: _core.kmeans(x, 2, 4, 9, "l2", "k-means++"), lambda: seenit.kmeans(x, 2, metric="l2"),
                 lambda: seenit.topk(x, x, 1, metric="l2"), lambda: seenit.range_pairs(x, 1.0, metric="l2")):
        with pytest.raises(ValueError, match=r"squared norm .* \(FLT_MAX / 4\): its l2 distances could overflow"):
            call()
    ok = x / np.float32(4.0)  # 2.14e38 / 16: within the bound, answered normally
    assert seenit.topk(ok, ok, 1, metric="l2")[1][:, 0].tolist()[0] == 0


def test_causal_max_of_one_row_is_the_worst_score_for_every_metric():
    # the l2 sign flip was skipped for a single row: -inf instead of +inf (no earlier row at any distance)
    x = np.ones((1, 2), np.float32)
    assert _core.causal_max(x, "l2")[0].tolist() == [np.inf]
    assert _core.causal_max(x, "ip")[0].tolist() == [-np.inf]
    assert _core.causal_max(np.ones((2, 2), np.float32), "l2")[0].tolist() == [np.inf, 0.0]


def test_lsh_band_keys_checks_the_width_before_allocating():
    # bands = 2**31 - 1 on 4-slot signatures asked for a (6, 2**31 - 1) uint64 output (96 GiB) first
    with pytest.raises(ValueError, match=r"signatures have 4 slots but bands \* rows = 2147483647 \* 1"):
        _core.lsh_band_keys(np.zeros((6, 4), np.uint32), 2**31 - 1, 1)
