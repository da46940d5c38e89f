"""`seenit dedup minhash` outputs: never an input, validated before any work, published
both-or-detectably (seenit.sketch.files), and the library function behind the command."""

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from seenit.cli import app
from seenit.sketch.files import check_dedup_output, clusters_path, dedup_files

runner = CliRunner()
DOCS = ["alpha beta gamma delta epsilon zeta eta theta", "alpha beta gamma delta epsilon zeta eta theta",
        "something else entirely here now and then", "one more quite different line of words here"]


def _corpus(tmp_path, name="in.jsonl", docs=DOCS):
    p = tmp_path / name
    p.write_text("".join(json.dumps({"text": d}) + "\n" for d in docs))
    return p


def test_out_whose_clusters_file_is_an_input_is_refused(tmp_path):
    # `--out part.jsonl` writes part.clusters.jsonl: that must not overwrite the input of that name
    src = _corpus(tmp_path, "part.clusters.jsonl")
    before = src.read_bytes()
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(tmp_path / "part.jsonl"), "--overwrite"])
    assert res.exit_code == 1, res.output
    assert "is also an input" in res.output and "Traceback" not in res.output
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["part.clusters.jsonl"]


def test_out_resolving_to_an_input_through_another_spelling(tmp_path):
    src = _corpus(tmp_path)
    other = tmp_path / "sub"
    other.mkdir()
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(other / ".." / "in.jsonl"), "--overwrite"])
    assert res.exit_code == 1 and "is also an input" in res.output


def test_out_naming_a_directory_fails_before_any_work(tmp_path):
    src = _corpus(tmp_path)
    d = tmp_path / "outdir.jsonl"
    d.mkdir()
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(d)])
    assert res.exit_code == 1, res.output
    assert "is a directory" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "outdir.clusters.jsonl").exists()
    assert list(d.iterdir()) == []


def test_existing_outputs_need_overwrite(tmp_path):
    src = _corpus(tmp_path)
    out = tmp_path / "kept.jsonl"
    assert runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(out)]).exit_code == 0
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(out)])
    assert res.exit_code == 1 and "already exists (add --overwrite" in res.output
    out.unlink()  # the clusters file alone blocks too
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(out)])
    assert res.exit_code == 1 and "clusters file" in res.output and "already exists" in res.output
    res = runner.invoke(app, ["dedup", "minhash", str(src), "--out", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert check_dedup_output(out)["documents"] == 4


def test_library_function_matches_the_command(tmp_path):
    src = _corpus(tmp_path)
    res = dedup_files([src], tmp_path / "k.jsonl.gz", threshold=0.8)
    assert (res.n_docs, res.n_removed, res.n_kept) == (4, 1, 3)
    assert res.clusters == tmp_path / "k.clusters.jsonl" == clusters_path(tmp_path / "k.jsonl.gz")
    header = check_dedup_output(res.out)
    assert header["files"]["k.jsonl.gz"]["role"] == "kept" and header["kept"] == 3
    with pytest.raises(ValueError, match=r"out .* already exists \(pass overwrite=True"):
        dedup_files([src], tmp_path / "k.jsonl.gz")
    with pytest.raises(ValueError, match="verify must be"):
        dedup_files([src], tmp_path / "x.jsonl", verify="exact")


_RUN = """
import sys
from seenit.sketch.files import dedup_files
dedup_files([sys.argv[1]], sys.argv[2], overwrite=True)
"""


def _run_killed(step, src, out):
    env = dict(os.environ, SEENIT_FAULT=step)
    r = subprocess.run([sys.executable, "-c", _RUN, str(src), str(out)], env=env, capture_output=True, text=True,
                       timeout=120)
    return r.returncode


def test_interrupted_publish_is_detectable_or_leaves_the_old_pair(tmp_path):
    src = _corpus(tmp_path)
    out = tmp_path / "kept.jsonl"
    dedup_files([src], out)
    old_kept, old_clusters = out.read_bytes(), clusters_path(out).read_bytes()
    check_dedup_output(out)
    # new input: a different result
    _corpus(tmp_path, docs=DOCS + ["a fifth document with its own words entirely"])

    # killed after both temporary files are written, before any rename: the old pair, intact
    assert _run_killed("dedup:before-rename", src, out) == 86
    assert out.read_bytes() == old_kept and clusters_path(out).read_bytes() == old_clusters
    check_dedup_output(out)

    # killed between the renames: new kept file beside the old clusters file, and a reader can tell
    assert _run_killed("dedup:between-renames", src, out) == 86
    assert out.read_bytes() != old_kept and clusters_path(out).read_bytes() == old_clusters
    with pytest.raises(ValueError, match="interrupted run"):
        check_dedup_output(out)

    # a full run repairs it
    dedup_files([src], out, overwrite=True)
    assert check_dedup_output(out)["documents"] == 5
