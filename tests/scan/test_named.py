"""Benchmarks by name (seenit.scan.named): ``lm_eval:TASK`` through lm-eval-harness' task manager
(checked with a task defined in a local YAML over a local data file: no network), and the built-in
registry (``--bench gsm8k``) through Hugging Face datasets, with clear errors when either is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import seenit
from _scan_fixtures import write_scan_fixture
from seenit.scan.config import parse_bench_spec
from seenit.scan.named import REGISTRY


def _yaml_task(tmp_path: Path, data: Path, name: str = "seenit_local_qa") -> Path:
    y = tmp_path / f"{name}.yaml"
    y.write_text(f"""task: {name}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: generate_until
doc_to_text: "Question: {{{{question}}}}"
doc_to_target: "{{{{answer}}}}"
generation_kwargs:
  until: ["\\n"]
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
""", encoding="utf-8")
    return y


def test_lm_eval_task_from_a_local_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lm_eval")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    fx = write_scan_fixture(tmp_path / "fx")
    task = _yaml_task(tmp_path, fx.benchmarks["alpha"][0])
    rep = seenit.scan(fx.corpus, [f"lm_eval:{task}"], html=False)
    b = rep.to_dict()["benchmarks"][0]
    assert b["name"] == "seenit_local_qa" and b["fields"] == ["text", "target"]
    questions = [json.loads(line)["question"] for line in fx.benchmarks["alpha"][0].read_text().splitlines()]
    assert [it["text"] for it in b["items"]] == [f"Question: {q}" for q in questions]
    assert {it["fields"]["target"]["text"] for it in b["items"]} == {"42"}
    assert b["items"][0]["verdict"] == "contaminated"  # alpha 0 is planted verbatim in the corpus
    # NAME=lm_eval:TASK:field names the benchmark and picks one field
    spec = parse_bench_spec(f"qa=lm_eval:{task}:text")
    assert spec.name == "qa" and spec.field == "text" and spec.path.name == "<lm_eval:seenit_local_qa.yaml>"


@pytest.mark.slow  # ~15 s: lm-eval reads the YAML of every task it ships to list them
def test_lm_eval_unknown_task() -> None:
    pytest.importorskip("lm_eval")
    with pytest.raises(ValueError, match="lm-eval has no task or group 'no_such_task_xyz'"):
        parse_bench_spec("lm_eval:no_such_task_xyz")


def test_lm_eval_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("lm_eval")
    with pytest.raises(FileNotFoundError, match="task file not found"):
        parse_bench_spec(f"lm_eval:{tmp_path / 'missing.yaml'}")
    monkeypatch.setitem(sys.modules, "lm_eval", None)
    monkeypatch.setitem(sys.modules, "lm_eval.tasks", None)
    with pytest.raises(ImportError, match="pip install lm-eval"):
        parse_bench_spec("lm_eval:gsm8k")


def test_registry_names(monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> None:
    datasets = pytest.importorskip("datasets")
    with pytest.raises(ValueError, match=r"nor a known benchmark \(arc_challenge, drop, gpqa, gsm8k,"):
        parse_bench_spec("gsm9k")
    rows = [json.loads(line) for line in (shared_data / "gsm8k" / "test.jsonl").read_text().splitlines()[:20]]
    asked = []

    def cached(path, config=None, split=None, **kw):
        asked.append((path, config, split))
        return datasets.Dataset.from_dict({k: [r[k] for r in rows] for k in rows[0]})

    monkeypatch.setattr(datasets, "load_dataset", cached)
    spec = parse_bench_spec("gsm8k")
    assert asked == [("openai/gsm8k", "main", "test")] and spec.name == "gsm8k" and spec.fields == ("question", "answer")
    corpus = [{"text": "Homework: " + rows[3]["question"]}, {"text": "nothing here " * 20}]
    rep = seenit.scan(datasets.Dataset.from_list(corpus), ["gsm8k"], html=False)
    b = rep.to_dict()["benchmarks"][0]
    assert b["fields"] == ["question", "answer"] and b["items"][3]["verdict"] == "contaminated"

    def offline(*a, **kw):
        raise ConnectionError("Couldn't reach 'openai/gsm8k' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(ValueError, match=r"could not load openai/gsm8k \(main\), split test .* give its file: "
                                         r"--bench gsm8k=FILE:question,answer"):
        parse_bench_spec("gsm8k")
    assert all(k.fields for k in REGISTRY.values())


def test_lm_eval_group_from_local_yamls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A group YAML over two local tasks: every subtask's documents, named in the ``task`` column."""
    pytest.importorskip("lm_eval")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from seenit.scan.named import lm_eval_table

    rows = [{"question": f"question number {i} about apples and pears", "answer": str(i)} for i in range(5)]
    for name, part in (("a", rows[:3]), ("b", rows[3:])):
        data = tmp_path / f"{name}.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
        _yaml_task(tmp_path, data, f"seenit_grp_{name}")
    (tmp_path / "group.yaml").write_text("group: seenit_grp\ntask:\n  - seenit_grp_a\n  - seenit_grp_b\n"
                                         "aggregate_metric_list:\n  - metric: exact_match\n    aggregation: mean\n")
    t = lm_eval_table(str(tmp_path / "group.yaml"))
    assert t.obj.column("task").to_pylist() == ["seenit_grp_a"] * 3 + ["seenit_grp_b"] * 2
    assert t.obj.column("text").to_pylist() == [f"Question: {r['question']}" for r in rows]
    assert t.obj.column("target").to_pylist() == [r["answer"] for r in rows]
