"""Every `seenit` command fails the same way: a user mistake is exactly one `error:` line and
exit code 1, a usage error is click's box and exit code 2, and never a traceback. Outputs are
checked before any work, by one rule for all commands."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from seenit.cli import app

runner = CliRunner()


@pytest.fixture()
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [{"text": f"the quick brown fox number {i} jumps over the lazy dog again", "question": f"q {i}",
             "label": i % 2} for i in range(12)]
    Path("c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    Path("bad.jsonl.gz").write_bytes(gzip.compress(b'{"text": "x"}\n' * 50)[:-12])  # truncated: unreadable
    lp = [{"logprobs": [-1.0, -2.0, -0.5], "label": i % 2} for i in range(6)]
    Path("lp.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lp))
    Path("badlp.jsonl").write_text('{"logprobs": [-1.0, \n')
    pp = [{"text": f"sample {i}", "ppl": [10.0 + i, 6.0 + i % 3, 5.0], "c": i % 2} for i in range(8)]
    Path("pp.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pp))
    assert runner.invoke(app, ["index", "build", "c.jsonl", "--out", "idx"]).exit_code == 0
    for d, manifest in (("sh", "{}"), ("sh2", "{")):  # not a shard manifest; not JSON
        Path(d).mkdir()
        Path(d, "shard.json").write_text(manifest)
    return tmp_path


EMB = ["--embed", "hashed"]

#: command -> (a bad argument, a missing input, an unreadable input); every one must fail with exit 1
CASES: dict[str, tuple[list[str] | None, list[str] | None, list[str] | None]] = {
    "contamination": (["c.jsonl", "--index", "idx", "--field", "question", "--recipe", "nope"],
                      ["missing.jsonl", "--index", "idx"],
                      ["bad.jsonl.gz", "--index", "idx"]),
    "demo": (["--threshold", "1.5"], None, None),
    "mia": (["--logprobs", "lp.jsonl", "--out", "s.jsonl", "--k", "1.5"],
            ["--logprobs", "missing.jsonl", "--out", "s.jsonl"],
            ["--logprobs", "badlp.jsonl", "--out", "s.jsonl"]),
    "neighbors": (["c.jsonl", "--against", "c.jsonl", "--out", "n.jsonl", "--metric", "nope", *EMB],
                  ["missing.jsonl", "--against", "c.jsonl", "--out", "n.jsonl", *EMB],
                  ["c.jsonl", "--against", "bad.jsonl.gz", "--out", "n.jsonl", *EMB]),
    "scan": (["--corpus", "c.jsonl", "--bench", "b=c.jsonl:question", "--out", "run", "--methods", "nope"],
             ["--corpus", "missing.jsonl", "--bench", "b=c.jsonl:question", "--out", "run"],
             ["--corpus", "bad.jsonl.gz", "--bench", "b=c.jsonl:question", "--out", "run", "--methods", "ngram"]),
    "scan merge": (["sh", "--out", "m"], ["missing-dir", "--out", "m"], ["sh2", "--out", "m"]),
    "scan compare": (["idx", "idx", "--out", "diff.txt"], ["missing-dir", "c.jsonl"], ["bad.jsonl.gz", "c.jsonl"]),
    "lm-eval-ngrams": (["c.jsonl", "--out", "ng", "--bench", "c.jsonl:nofield"], ["missing.jsonl", "--out", "ng"],
                       ["bad.jsonl.gz", "--out", "ng"]),
    "probe": (["--members", "c.jsonl:text", "--out", "run"],
              ["--members", "missing.jsonl", "--nonmembers", "c.jsonl:text", "--out", "run"],
              ["--members", "bad.jsonl.gz:text", "--nonmembers", "c.jsonl:text", "--out", "run"]),
    "index build": (["c.jsonl", "--out", "idx2", "--tokenizer", "nope"],
                    ["missing.jsonl", "--out", "idx2"],
                    ["bad.jsonl.gz", "--out", "idx2"]),
    "index info": (["c.jsonl"], ["missing-idx"], ["bad.jsonl.gz"]),
    "dedup minhash": (["c.jsonl", "--out", "k.jsonl", "--threshold", "2"],
                      ["missing.jsonl", "--out", "k.jsonl"],
                      ["bad.jsonl.gz", "--out", "k.jsonl"]),
    "dedup rethreshold": (["missing-dir", "--threshold", "2", "--out", "r.jsonl"],
                          ["missing-dir", "--threshold", "0.9", "--out", "r.jsonl"],
                          ["bad.jsonl.gz", "--threshold", "0.9", "--out", "r.jsonl"]),
    "dedup exact": (["c.jsonl", "--out", "k.jsonl", "--min-length", "0"],
                    ["missing.jsonl", "--out", "k.jsonl"],
                    ["bad.jsonl.gz", "--out", "k.jsonl"]),
    "dedup semantic": (["c.jsonl", "--out", "k.jsonl", "--keep", "nope", *EMB],
                       ["missing.jsonl", "--out", "k.jsonl", *EMB],
                       ["bad.jsonl.gz", "--out", "k.jsonl", *EMB]),
    "select kmq": (["c.jsonl", "--out", "k.jsonl", "--budget", "13", *EMB],
                   ["missing.jsonl", "--out", "k.jsonl", "--budget", "2", *EMB],
                   ["bad.jsonl.gz", "--out", "k.jsonl", "--budget", "2", *EMB]),
    "select d4": (["c.jsonl", "--out", "k.jsonl", "--ratio", "1.0", *EMB],
                  ["missing.jsonl", "--out", "k.jsonl", *EMB],
                  ["bad.jsonl.gz", "--out", "k.jsonl", *EMB]),
    "select lp": (["pp.jsonl", "--out", "k.jsonl", "--fraction", "0"],
                  ["missing.jsonl", "--out", "k.jsonl", "--fraction", "0.5"],
                  ["bad.jsonl.gz", "--out", "k.jsonl", "--fraction", "0.5"]),
}


def _commands() -> set[str]:
    root = typer.main.get_command(app)
    found = set()
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        found |= {f"{name} {sub}" for sub in cmd.commands} if hasattr(cmd, "commands") else {name}
        if getattr(cmd, "invoke_without_command", False):  # a group that is a command too (seenit scan)
            found.add(name)
    return found


def test_every_command_is_covered():
    assert set(CASES) == _commands()


def _one_error(res, files_before, tmp_path):
    out = res.output
    assert res.exit_code == 1, out
    assert "Traceback" not in out and res.exception is None or isinstance(res.exception, SystemExit), out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, out
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before, "a failed command wrote files"


@pytest.mark.parametrize("command", sorted(CASES))
@pytest.mark.parametrize("kind", [0, 1, 2], ids=["bad-argument", "missing-input", "unreadable-input"])
def test_user_mistakes_are_one_error_line(files, command, kind):
    args = CASES[command][kind]
    if args is None:
        pytest.skip(f"{command} reads no input file")
    before = sorted(p.name for p in files.iterdir())
    if command == "scan" and kind == 2:
        before = sorted([*before, "run"])  # the run directory (resumable state) exists once reading starts
    res = runner.invoke(app, [*command.split(), *args])
    _one_error(res, before, files)


@pytest.mark.parametrize("command", sorted(CASES))
def test_usage_errors_exit_2_without_traceback(files, command):
    res = runner.invoke(app, [*command.split(), "--no-such-option"])
    assert res.exit_code == 2, res.output
    assert "No such option" in res.output and "Traceback" not in res.output


#: commands that write a file named by --out, with the rest of a valid command line
WRITERS = {
    "contamination": ["c.jsonl", "--index", "idx", "--field", "question"],
    "mia": ["--logprobs", "lp.jsonl", "--bootstrap", "5"],
    "neighbors": ["c.jsonl", "--against", "c.jsonl", *EMB, "--k", "2"],
    "dedup minhash": ["c.jsonl"],
    "dedup exact": ["c.jsonl", "--min-length", "20"],
    "dedup semantic": ["c.jsonl", *EMB],
    "select kmq": ["c.jsonl", "--budget", "5", *EMB],
    "select d4": ["c.jsonl", *EMB],
    "select lp": ["pp.jsonl", "--fraction", "0.5"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_out_checks_before_work_and_one_overwrite_rule(files, command):
    cmd = [*command.split(), *WRITERS[command]]
    before = sorted(p.name for p in files.iterdir())
    Path("adir.jsonl").mkdir()
    res = runner.invoke(app, [*cmd, "--out", "adir.jsonl"])
    assert res.exit_code == 1 and "is a directory" in res.output, res.output
    Path("adir.jsonl").rmdir()
    an_input = {"mia": "lp.jsonl", "select lp": "pp.jsonl"}.get(command, "c.jsonl")
    res = runner.invoke(app, [*cmd, "--out", an_input, "--overwrite"])
    assert res.exit_code == 1 and "is also an input" in res.output, res.output
    res = runner.invoke(app, [*cmd, "--out", "nodir/../c.jsonl/x.jsonl"])
    assert res.exit_code == 1 and "error:" in res.output and "Traceback" not in res.output, res.output
    assert sorted(p.name for p in files.iterdir()) == before
    # the one rule: an existing output is refused unless --overwrite
    res = runner.invoke(app, [*cmd, "--out", "o.jsonl"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*cmd, "--out", "o.jsonl"])
    assert res.exit_code == 1 and "already exists (add --overwrite to replace it)" in res.output, res.output
    res = runner.invoke(app, [*cmd, "--out", "o.jsonl", "--overwrite"])
    assert res.exit_code == 0, res.output


def test_index_build_speaks_cli_and_checks_out(files):
    res = runner.invoke(app, ["index", "build", "c.jsonl", "--out", "idx"])
    assert res.exit_code == 1 and "add --overwrite" in res.output and "overwrite=True" not in res.output
    res = runner.invoke(app, ["index", "build", "c.jsonl", "--out", "c.jsonl", "--overwrite"])
    assert res.exit_code == 1 and "is also an input" in res.output
    res = runner.invoke(app, ["index", "build", "c.jsonl", "--out", "idx", "--overwrite", "true"])
    assert res.exit_code == 1 and "take no value" in res.output
    assert runner.invoke(app, ["index", "build", "c.jsonl", "--out", "idx", "--overwrite"]).exit_code == 0


def test_dedup_exact_refuses_a_parquet_name(files):
    res = runner.invoke(app, ["dedup", "exact", "c.jsonl", "--out", "k.parquet"])
    assert res.exit_code == 1 and "--out must end in .jsonl" in res.output
    assert not Path("k.parquet").exists()


def test_mostly_empty_text_field_warns_on_one_line(files):
    Path("pile.jsonl").write_text("".join(json.dumps({"text": "", "raw": "x y z"}) + "\n" for _ in range(9))
                                  + json.dumps({"text": "only one real text here"}) + "\n")
    res = runner.invoke(app, ["dedup", "minhash", "pile.jsonl", "--out", "k.jsonl"])
    assert res.exit_code == 0, res.output
    warns = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert warns == ["warning: 9 of 10 records have an empty or missing 'text' field; is that the field with the "
                     "text?"], res.output
