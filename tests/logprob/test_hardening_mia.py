"""`seenit mia`: labels are checked before any work and carried into the output, which
`seenit scan --mia-scores` then accepts as it is."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from seenit.cli import app
from seenit.cli.logprob import parse_labels

runner = CliRunner()


def _logprobs(tmp_path, labels):
    rng = np.random.default_rng(0)
    rows = []
    for i, lab in enumerate(labels):
        row = {"logprobs": (-rng.exponential(1.0, 20) - (0 if i % 2 else 0.7)).tolist(), "text": f"doc {i} " * 4}
        if lab is not None:
            row["label"] = lab
        rows.append(json.dumps(row))
    p = tmp_path / "lp.jsonl"
    p.write_text("\n".join(rows) + "\n")
    return p


@pytest.mark.parametrize("bad", ["yes", 1.7, 2, None])
def test_bad_label_fails_before_writing_anything(tmp_path, bad):
    labels = [i % 2 for i in range(20)]
    labels[5] = bad
    src = _logprobs(tmp_path, labels)
    out = tmp_path / "scores.jsonl"
    res = runner.invoke(app, ["mia", "--logprobs", str(src), "--out", str(out), "--bootstrap", "10"])
    assert res.exit_code == 1, res.output
    assert "document 6 has label" in res.output and "0/1 or true/false" in res.output
    assert "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lp.jsonl"]


def test_parse_labels_accepts_01_and_true_false():
    assert parse_labels([0, 1, True, False, "true", "FALSE", "1", 0.0, 1.0], "x").tolist() == [0, 1, 1, 0, 1, 0, 1, 0, 1]
    assert parse_labels([None, None], "x") is None


def test_output_carries_labels_and_scan_reads_it(tmp_path):
    src = _logprobs(tmp_path, ["true" if i % 2 else "false" for i in range(30)])
    out = tmp_path / "scores.jsonl"
    res = runner.invoke(app, ["mia", "--logprobs", str(src), "--out", str(out), "--bootstrap", "10"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["label"] for r in rows] == [i % 2 for i in range(30)]
    from seenit.scan.mia_block import read_mia

    block = read_mia(out, None)
    assert block  # scan --mia-scores accepts the file without --mia-labels


def test_neither_texts_nor_logprobs_message(tmp_path):
    res = runner.invoke(app, ["mia", "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 1
    assert "give TEXTS (with --model) or --logprobs FILE" in res.output and "not both" not in res.output
    src = _logprobs(tmp_path, [0, 1])
    res = runner.invoke(app, ["mia", str(src), "--logprobs", str(src), "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 1 and "not both" in res.output


def test_texts_labels_checked_before_loading_a_model(tmp_path):
    t = tmp_path / "t.jsonl"
    t.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": "maybe"}\n')
    res = runner.invoke(app, ["mia", str(t), "--model", "/nonexistent/model", "--out", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 1 and "document 2 has label 'maybe'" in res.output, res.output


def test_out_directory_and_existing_out_fail_before_work(tmp_path):
    src = _logprobs(tmp_path, [0, 1])
    d = tmp_path / "dir.jsonl"
    d.mkdir()
    res = runner.invoke(app, ["mia", "--logprobs", str(src), "--out", str(d)])
    assert res.exit_code == 1 and "is a directory" in res.output
    out = tmp_path / "s.jsonl"
    out.write_text("keep me\n")
    res = runner.invoke(app, ["mia", "--logprobs", str(src), "--out", str(out)])
    assert res.exit_code == 1 and "already exists (add --overwrite" in res.output
    assert out.read_text() == "keep me\n"
    res = runner.invoke(app, ["mia", "--logprobs", str(src), "--out", str(src), "--overwrite"])
    assert res.exit_code == 1 and "is also an input" in res.output
