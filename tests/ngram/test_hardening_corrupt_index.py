"""Hardening of the n-gram index against corrupted parts: the native suffix-array queries
never read or write outside their buffers whatever the suffix array holds, and
NgramIndex.open verifies the parts' checksums (once per state of each file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from seenit import _core
from seenit.ngram import index_format
from seenit.ngram.index_format import IndexFormatError
from seenit import NgramIndex

DOCS = ["the quick brown fox jumps over the lazy dog", "a quick brown dog", "lorem ipsum dolor sit amet"] * 20


def run_py(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout)


def assert_clean(proc: subprocess.CompletedProcess[str], expect: str = "OK") -> None:
    assert proc.returncode == 0, f"child died with rc={proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr[-3000:]}"
    assert expect in proc.stdout, proc.stdout + proc.stderr[-3000:]


# ---------------------------------------------------------------- native queries, any SA content

def test_native_queries_reject_out_of_range_sa_entries():
    # each value was dereferenced unchecked (tokens[sa[i]], mark[sa[i]]): segfault / heap corruption
    proc = run_py("""
        import numpy as np
        from seenit import _core
        rng = np.random.default_rng(0)
        for tdt, sdt in [(np.uint8, np.int32), (np.uint16, np.int64), (np.uint32, np.int32), (np.uint32, np.int64)]:
            tokens = rng.integers(1, 5, size=2000).astype(tdt)
            tokens[::50] = 0  # separators
            sa = _core.suffix_array(tokens, int(tokens.max()) + 1).astype(sdt)
            lcp = _core.lcp_array(tokens, sa)
            q = np.ascontiguousarray(tokens[100:110])
            offs = np.array([0, 5, 10], np.int64)
            pos = np.array([0, 3, 7], np.int64)
            for bad in (len(tokens), -1, np.iinfo(sdt).max, np.iinfo(sdt).min, 10**9):
                for where in (0, len(sa) // 2, len(sa) - 1):
                    s = sa.copy()
                    s[where] = bad
                    calls = [
                        lambda: _core.ngram_ranges(tokens, s, 0, q, offs),
                        lambda: _core.ngram_matching_statistics(tokens, s, 0, q, offs),
                        lambda: _core.ngram_prefix_lengths(tokens, s, 0, q, offs, pos),
                    ]
                    for c in calls:
                        try:
                            c()
                        except ValueError as e:
                            assert "corrupted suffix array" in str(e), e
                    l2 = lcp.copy()
                    l2[where] = 10**6 if where else 0
                    try:
                        _core.exact_duplicate_spans(tokens, s, l2, 0, 3)
                    except ValueError as e:
                        assert "corrupted suffix array" in str(e), e
            # every entry out of range: each query must raise (it probes some entry)
            s = np.full_like(sa, len(tokens) + 7)
            for c in (lambda: _core.ngram_ranges(tokens, s, 0, q, offs),
                      lambda: _core.ngram_matching_statistics(tokens, s, 0, q, offs),
                      lambda: _core.ngram_prefix_lengths(tokens, s, 0, q, offs, pos),
                      lambda: _core.exact_duplicate_spans(tokens, s, np.full_like(sa, 5), 0, 3)):
                try:
                    c()
                except ValueError as e:
                    assert "corrupted suffix array" in str(e), e
                else:
                    raise AssertionError("no ValueError for an all-garbage suffix array")
        print("OK")
    """)
    assert_clean(proc)


def test_native_queries_random_garbage_sa_never_crash():
    proc = run_py("""
        import numpy as np
        from seenit import _core
        rng = np.random.default_rng(1)
        for trial in range(200):
            n = int(rng.integers(1, 300))
            tokens = rng.integers(0, 4, size=n).astype(np.uint16)
            sdt = np.int32 if trial % 2 else np.int64
            sa = rng.integers(-3 * n, 3 * n, size=n).astype(sdt)
            lcp = rng.integers(-5, n + 5, size=n).astype(sdt)
            q = rng.integers(0, 4, size=12).astype(np.uint16)
            offs = np.array([0, 3, 12], np.int64)
            for c in (lambda: _core.ngram_ranges(tokens, sa, 0, q, offs),
                      lambda: _core.ngram_matching_statistics(tokens, sa, 0, q, offs),
                      lambda: _core.ngram_prefix_lengths(tokens, sa, 0, q, offs, np.array([0, 4, 11], np.int64)),
                      lambda: _core.exact_duplicate_spans(tokens, sa, lcp, 0, int(rng.integers(1, 4)))):
                try:
                    c()
                except ValueError as e:
                    assert "corrupted" in str(e), e
        print("OK")
    """)
    assert_clean(proc)


# ---------------------------------------------------------------- NgramIndex.open checksums

@pytest.fixture()
def index_dir(tmp_path: Path) -> Path:
    NgramIndex.build(DOCS, tmp_path / "idx", progress=False)
    return tmp_path / "idx"


def _flip(path: Path, offset: int, mask: int = 0x01) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([b ^ mask]))


@pytest.mark.parametrize("mask", [0x01, 0x80])
def test_flipped_byte_in_sa_is_an_error_not_a_wrong_count(index_dir, mask):
    # a low bit gave a silently wrong count, a high bit a segfault; run in a child either way
    sa = index_dir / "sa.bin"
    _flip(sa, sa.stat().st_size // 2 + 1 if mask == 0x80 else sa.stat().st_size // 2, mask)
    proc = run_py(f"""
        from seenit import NgramIndex
        from seenit.ngram.index_format import IndexFormatError
        try:
            idx = NgramIndex.open({str(index_dir)!r})
        except IndexFormatError as e:
            assert "sa.bin" in str(e) and "SHA-256" in str(e), e
            print("OK")
        else:
            print("opened; count =", idx.count("quick brown"))
    """)
    assert_clean(proc)


def test_flipped_byte_detected_in_process_after_earlier_open(index_dir):
    NgramIndex.open(index_dir).count("quick")  # verified (and remembered)
    sa = index_dir / "sa.bin"
    _flip(sa, sa.stat().st_size // 2)
    with pytest.raises(IndexFormatError, match="sa.bin"):
        NgramIndex.open(index_dir)


def test_flipped_byte_with_mtime_restored_is_still_detected(index_dir):
    sa = index_dir / "sa.bin"
    st = sa.stat()
    _flip(sa, st.st_size // 2)
    os.utime(sa, ns=(st.st_atime_ns, st.st_mtime_ns))  # touch cannot restore ctime
    with pytest.raises(IndexFormatError, match="sa.bin"):
        NgramIndex.open(index_dir)


def test_reopen_reads_nothing(index_dir, monkeypatch):
    calls: list[Path] = []
    real = index_format.sha256_file
    monkeypatch.setattr(index_format, "sha256_file", lambda p: calls.append(Path(p)) or real(p))
    NgramIndex.open(index_dir)
    assert calls == []  # the build recorded its parts as verified
    index_format._VERIFIED.clear()  # a new process: the sidecar vouches
    NgramIndex.open(index_dir)
    assert calls == []
    (index_dir / index_format.VERIFIED).unlink()
    index_format._VERIFIED.clear()
    NgramIndex.open(index_dir)
    assert sorted(p.name for p in calls) == ["docs.bin", "sa.bin", "tokens.bin"]
    calls.clear()
    NgramIndex.open(index_dir)
    assert calls == []
    os.utime(index_dir / "docs.bin")  # a new state of one part: only it is hashed again
    index_format._VERIFIED.clear()
    NgramIndex.open(index_dir)
    assert [p.name for p in calls] == ["docs.bin"]
    calls.clear()
    NgramIndex.open(index_dir, verify=True)  # always hashes
    assert len(calls) == 3
    calls.clear()
    NgramIndex.open(index_dir, verify=False)  # sizes only
    assert calls == []


def test_damaged_or_foreign_sidecar_is_ignored(index_dir, monkeypatch):
    calls: list[Path] = []
    real = index_format.sha256_file
    monkeypatch.setattr(index_format, "sha256_file", lambda p: calls.append(Path(p)) or real(p))
    side = index_dir / index_format.VERIFIED
    doc = json.loads(side.read_text())
    # a sidecar edited without its checksum: not trusted
    doc["body"]["parts"]["sa.bin"]["sha256"] = "0" * 64
    side.write_text(json.dumps(doc))
    index_format._VERIFIED.clear()
    NgramIndex.open(index_dir)
    assert len(calls) == 3
    calls.clear()
    side.write_text("{not json")
    index_format._VERIFIED.clear()
    NgramIndex.open(index_dir)
    assert len(calls) == 3
    # the rewritten sidecar vouches again, and no temporary file is left behind
    calls.clear()
    index_format._VERIFIED.clear()
    NgramIndex.open(index_dir)
    assert calls == []
    assert not [p for p in index_dir.iterdir() if p.name.endswith(".tmp")]


def test_corrupted_sidecar_cannot_hide_a_corrupted_part(index_dir):
    sa = index_dir / "sa.bin"
    _flip(sa, sa.stat().st_size // 2)
    index_format._VERIFIED.clear()
    with pytest.raises(IndexFormatError, match="sa.bin"):
        NgramIndex.open(index_dir)


def test_read_only_index_directory_opens(index_dir):
    (index_dir / index_format.VERIFIED).unlink()
    index_format._VERIFIED.clear()
    os.chmod(index_dir, 0o555)
    try:
        assert NgramIndex.open(index_dir).count("quick brown") == 40
    finally:
        os.chmod(index_dir, 0o755)


def test_verify_false_still_never_crashes_on_corrupted_sa(index_dir):
    sa = index_dir / "sa.bin"
    raw = np.fromfile(sa, dtype="<i4")
    raw[len(raw) // 2] = 10**9  # out of range, size unchanged
    raw.tofile(sa)
    proc = run_py(f"""
        from seenit import NgramIndex
        idx = NgramIndex.open({str(index_dir)!r}, verify=False)
        for q in ("quick brown", "lorem", "the lazy dog", "z"):
            try:
                idx.count(q)
                idx.longest_match(q)
            except ValueError as e:
                assert "corrupted suffix array" in str(e), e
        print("OK")
    """)
    assert_clean(proc)


def test_verify_argument_type(index_dir):
    with pytest.raises(TypeError, match="verify"):
        NgramIndex.open(index_dir, verify="yes")  # type: ignore[arg-type]
