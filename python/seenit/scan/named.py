"""Benchmarks by name: ``--bench gsm8k`` (a small built-in registry of Hugging Face datasets) and
``--bench lm_eval:TASK`` (an lm-eval-harness task, read through its task manager).

Both become an in-memory table (seenit.sources) the scan reads like any benchmark:

- a registry name loads ``datasets.load_dataset(id, config, split=...)``: from the local Hugging
  Face cache when offline, else from the hub; the entry names the fields scanned (each on its own:
  ``question,answer``). Offline without the data cached, the error says how to get it or how to
  give the file instead.
- ``lm_eval:TASK`` (a registered task or group, or the path of a task's YAML file) loads the
  task's test split (its validation split when it has none) and takes every document's
  ``doc_to_text`` and ``doc_to_target`` (a multiple-choice target as its choice's text) as the
  fields ``text`` and ``target``, plus the ``task`` of each row (a group's subtasks, by name).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..sources import TableSource

LM_EVAL = "lm_eval:"
#: The fields an lm-eval task's items have (both scanned unless the spec names others).
LM_EVAL_FIELDS = "text,target"


@dataclass(frozen=True)
class Known:
    """A registry entry: where the benchmark lives on the Hugging Face hub and what is scanned."""

    hf_id: str
    config: str | None
    split: str
    fields: str


#: Benchmarks by name (the test split of each, or the split the community reports on).
REGISTRY: dict[str, Known] = {
    "gsm8k": Known("openai/gsm8k", "main", "test", "question,answer"),
    "humaneval": Known("openai/openai_humaneval", None, "test", "prompt,canonical_solution"),
    "mbpp": Known("google-research-datasets/mbpp", "full", "test", "text,code"),
    "truthfulqa": Known("truthfulqa/truthful_qa", "generation", "validation", "question,best_answer"),
    "mmlu": Known("cais/mmlu", "all", "test", "question"),
    "arc_challenge": Known("allenai/ai2_arc", "ARC-Challenge", "test", "question"),
    "hellaswag": Known("Rowan/hellaswag", None, "validation", "ctx"),
    "math": Known("hendrycks/competition_math", None, "test", "problem,solution"),
    "gpqa": Known("Idavidrein/gpqa", "gpqa_main", "train", "Question,Correct Answer"),
    "drop": Known("ucinlp/drop", None, "validation", "passage,question"),
}


def is_named(spec: str) -> bool:
    """Whether a ``--bench`` value is a benchmark by name (no ``NAME=FILE``)."""
    return spec.startswith(LM_EVAL) or ("=" not in spec and spec.split(":", 1)[0] in REGISTRY)


def unknown_name(spec: str) -> ValueError:
    return ValueError(f"benchmark spec {spec!r} is neither NAME=FILE[:field] nor a known benchmark "
                      f"({', '.join(sorted(REGISTRY))}, or lm_eval:TASK)")


def registry_table(name: str) -> TableSource:
    """The registry benchmark ``name`` as a table (its fields: ``REGISTRY[name].fields``)."""
    if name not in REGISTRY:
        raise ValueError(f"no built-in benchmark {name!r} (known: {', '.join(sorted(REGISTRY))})")
    k = REGISTRY[name]
    try:
        import datasets
    except ImportError:
        raise ImportError(f"--bench {name} reads {k.hf_id} with Hugging Face datasets: pip install datasets "
                          f"(or give its file: --bench {name}=FILE:{k.fields})") from None
    where = f"{k.hf_id}" + (f" ({k.config})" if k.config else "") + f", split {k.split}"
    try:
        ds = datasets.load_dataset(k.hf_id, k.config, split=k.split)
    except Exception as e:  # offline without a cached copy, no such dataset, no network, ...
        raise ValueError(f"benchmark {name!r}: could not load {where} from the Hugging Face cache or hub "
                         f"({type(e).__name__}: {' '.join(str(e).split())[:300]}). Download it once where the hub "
                         f"is reachable (python -c \"import datasets; datasets.load_dataset('{k.hf_id}'"
                         + (f", '{k.config}'" if k.config else "") + f", split='{k.split}')\"), "
                         f"or give its file: --bench {name}=FILE:{k.fields}") from None
    return TableSource(ds, "datasets.Dataset", f"<{name}: {where}>")


def lm_eval_table(task: str) -> TableSource:
    """An lm-eval task's (or group's) items as a table with columns text, target and task."""
    try:
        from lm_eval.tasks import TaskManager
    except ImportError:
        raise ImportError(f"--bench lm_eval:{task} reads the task through lm-eval-harness: pip install lm-eval") from None
    import pyarrow as pa

    if not task:
        raise ValueError("lm_eval: names no task (lm_eval:TASK, or lm_eval:path/to/task.yaml)")
    yaml = task.endswith((".yaml", ".yml"))
    if yaml and not Path(task).is_file():
        raise FileNotFoundError(f"lm_eval: task file not found: {task!r}")
    manager = TaskManager(include_path=str(Path(task).resolve().parent) if yaml else None, include_defaults=not yaml)
    try:
        loaded = manager.load([_name_in(manager, Path(task)) if yaml else task])
    except KeyError:
        raise ValueError(f"lm-eval has no task or group {task!r} (lm_eval --tasks list shows them)") from None
    except Exception as e:  # the task's data could not be read (offline, no such dataset, ...)
        raise ValueError(f"lm-eval task {task!r}: could not load it ({type(e).__name__}: "
                         f"{' '.join(str(e).split())[:300]})") from None
    rows: dict[str, list[str]] = {"text": [], "target": [], "task": []}
    for name, t in sorted(_leaf_tasks(loaded["tasks"]).items()):
        if t.has_test_docs():
            docs = t.test_docs()
        elif t.has_validation_docs():
            docs = t.validation_docs()
        else:
            raise ValueError(f"lm-eval task {name!r} has no test or validation split to scan")
        for doc in docs:
            rows["text"].append(_as_text(t.doc_to_text(doc)))
            rows["target"].append(_target(t, doc))
            rows["task"].append(name)
    if not rows["text"]:
        raise ValueError(f"lm-eval task {task!r} has no documents")
    return TableSource(pa.table(rows), "pyarrow.Table", f"<lm_eval:{os.path.basename(task) if yaml else task}>")


def _name_in(manager: Any, yaml: Path) -> str:
    """The task or group a YAML file defines, as the manager indexed it (lm-eval loads a group by
    name, not by its file's path); the path itself when the index does not say."""
    want = yaml.resolve()
    for name, entry in dict(getattr(manager, "task_index", {})).items():
        path = getattr(entry, "yaml_path", None) or (entry.get("yaml_path") if isinstance(entry, dict) else None)
        if path is not None and Path(path).resolve() == want:
            return str(name)
    return str(want)


def _leaf_tasks(tasks: Any) -> dict[str, Any]:
    """Task name -> task object, a group's nested tasks included."""
    out: dict[str, Any] = {}
    for name, t in dict(tasks).items():
        if isinstance(t, dict):
            out.update(_leaf_tasks(t))
        else:
            out[str(name)] = t
    return out


def _as_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return "\n".join(map(str, v))
    return "" if v is None else str(v)


def _target(task: Any, doc: Any) -> str:
    """``doc_to_target`` as text: a multiple-choice index (or list of them) as the choice's text."""
    target = task.doc_to_target(doc)
    if isinstance(target, int) and not isinstance(target, bool):
        try:
            choices = task.doc_to_choice(doc)
        except Exception:  # not a multiple-choice task: the number is the target
            choices = None
        if isinstance(choices, (list, tuple)) and 0 <= target < len(choices):
            return str(choices[target])
    return _as_text(target)
