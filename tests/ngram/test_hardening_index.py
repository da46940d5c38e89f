"""NgramIndex.build --overwrite is interruption-safe (the previous index or the new one, never
none), leaves nothing behind, and queries from several threads give the single-threaded answers."""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from seenit import NgramIndex

OLD = ["the old corpus has these words", "and a second old document"]
NEW = ["a brand new corpus", "with three documents", "in the new index"]

_BUILD = """
import sys
import seenit.ngram.index_format as fmt
if sys.argv[3] == "no-exchange":
    fmt._rename_exchange = lambda a, b: False
from seenit import NgramIndex
NgramIndex.build({new!r}, sys.argv[1], progress=False, overwrite=sys.argv[2] == "1")
""".format(new=NEW)


def _build_killed(out, step, exchange=True, overwrite=True):
    env = dict(os.environ, SEENIT_FAULT=step)
    r = subprocess.run([sys.executable, "-c", _BUILD, str(out), "1" if overwrite else "0",
                        "exchange" if exchange else "no-exchange"], env=env, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stderr


def _leftovers(parent):
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("exchange, step, expect", [
    (True, "index:built", "old"),
    (True, "index:swapped", "new"),
    (False, "index:built", "old"),
    (False, "index:old-moved", "old"),   # old index moved away, new one not yet in: restored on open
    (False, "index:new-in", "new"),
])
def test_killed_overwrite_leaves_old_or_new_index(tmp_path, exchange, step, expect):
    out = tmp_path / "idx"
    NgramIndex.build(OLD, out, progress=False)
    rc, err = _build_killed(out, step, exchange)
    assert rc == 86, err
    idx = NgramIndex.open(out, verify=True)  # opening repairs a half-done swap
    assert idx.n_docs == (len(OLD) if expect == "old" else len(NEW))
    # the next build cleans what the killed one left behind
    NgramIndex.build(NEW, out, progress=False, overwrite=True)
    assert _leftovers(tmp_path) == []
    assert NgramIndex.open(out, verify=True).n_docs == len(NEW)


def test_killed_first_build_leaves_nothing_that_opens_and_is_cleaned(tmp_path):
    out = tmp_path / "idx"
    rc, err = _build_killed(out, "index:built", overwrite=False)
    assert rc == 86, err
    assert not out.exists()
    assert len(_leftovers(tmp_path)) == 1  # the dead build's .idx.building-PID-* directory
    with pytest.raises(FileNotFoundError):
        NgramIndex.open(out)
    NgramIndex.build(OLD, out, progress=False)
    assert _leftovers(tmp_path) == []


def test_failed_build_keeps_the_old_index_and_cleans_up(tmp_path):
    out = tmp_path / "idx"
    NgramIndex.build(OLD, out, progress=False)
    with pytest.raises(ValueError):
        NgramIndex.build([], out, progress=False, overwrite=True)
    with pytest.raises(FileExistsError):
        NgramIndex.build(NEW, out, progress=False)
    assert NgramIndex.open(out).n_docs == len(OLD) and _leftovers(tmp_path) == []


def test_overwrite_refuses_a_directory_that_is_not_an_index(tmp_path):
    d = tmp_path / "precious"
    d.mkdir()
    (d / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match="not a seenit index"):
        NgramIndex.build(NEW, d, progress=False, overwrite=True)
    assert (d / "thesis.tex").read_text() == "years of work"


def test_index_queries_from_threads_match_single_threaded(tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    docs = [" ".join(rng.choice(words, 40)) for _ in range(300)]
    idx = NgramIndex.build(docs, tmp_path / "idx", progress=False)
    queries = [" ".join(rng.choice(words, int(rng.integers(1, 4)))) for _ in range(200)]
    want_count = [idx.count(q) for q in queries]
    want_loc = [np.sort(idx.locate(q)).tolist() for q in queries]
    want_lm = [idx.longest_match(q).length for q in queries]
    got: dict[int, list] = {}
    errors = []

    def work(t):
        try:
            order = rng_t = np.random.default_rng(t).permutation(len(queries))
            res = {}
            for _ in range(3):
                for i in order:
                    res[i] = (idx.count(queries[i]), np.sort(idx.locate(queries[i])).tolist(),
                              idx.longest_match(queries[i]).length)
            got[t] = [res[i] for i in range(len(queries))]
            del rng_t
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for t in range(8):
        assert got[t] == list(zip(want_count, want_loc, want_lm))
