"""What a scan is asked to do: benchmark specs (``NAME=FILE[:field]``) and the settings
that decide its result (methods, thresholds, engine). Everything here is checked before
any corpus is read, and every check raises ValueError naming the bad value."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field as dc_field
from pathlib import Path
from typing import Any

from ..io import expand_paths
from ..ngram.contamination import METRICS, RECIPES
from ..sources import is_url, local_path_of, table_source
from .named import LM_EVAL, LM_EVAL_FIELDS, REGISTRY, lm_eval_table, registry_table, unknown_name
from ..sketch.minhash import MinHashSpec
from .._validate import check_float, check_int

METHODS = ("ngram", "minhash", "embed")
DEFAULT_METHODS = ("ngram", "minhash")
ENGINES = ("local", "ray")
OVERALL_RULE = "contaminated if any method says contaminated, partial if any says partial, else clean"
#: Fields tried, in order, when a benchmark spec names none (GSM8K/TruthfulQA, HumanEval, MBPP, ...).
DEFAULT_FIELDS = ("question", "Question", "prompt", "text", "problem", "input")


@dataclass(frozen=True)
class BenchSpec:
    """One benchmark: its name in the report, where its items are and the field holding the
    item text (``None``: the first of :data:`DEFAULT_FIELDS` present). ``path`` is a local
    file (``Path``), an fsspec URL (``str``) or an in-memory table (seenit.sources)."""

    name: str
    path: Any
    field: str | None = None

    def __post_init__(self) -> None:
        if self.field is not None:
            parts = [p.strip() for p in self.field.split(",")]
            if len(parts) > 1 and (not all(parts) or len(set(parts)) != len(parts)):
                raise ValueError(f"benchmark {self.name!r}: fields {self.field!r} must be distinct, non-empty names "
                                 "separated by commas (question,answer)")

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields named: ``question,answer`` names two, each matched on its own; () when none is."""
        return tuple(p.strip() for p in self.field.split(",")) if self.field is not None else ()


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name or any(c in name for c in "/\\=:") or name.startswith("."):
        raise ValueError(f"benchmark name {name!r} must be non-empty and free of '/', '\\', '=', ':' and a leading '.'")
    return name


def parse_bench_spec(spec: str) -> BenchSpec:
    """``NAME=FILE``, ``NAME=FILE:field`` or ``NAME=FILE:field,field`` -> :class:`BenchSpec` (the
    fields are split off the last ``:`` unless the whole text after ``=`` is an existing file)."""
    if isinstance(spec, str) and "=" not in spec and spec:
        return _named_spec(spec)
    if not isinstance(spec, str) or "=" not in spec:
        raise ValueError(f"benchmark spec {spec!r} must look like NAME=FILE or NAME=FILE:field")
    name, rest = spec.split("=", 1)
    if rest.startswith(LM_EVAL):
        task, fld = split_fields(rest[len(LM_EVAL):])
        return BenchSpec(_check_name(name), lm_eval_table(task), fld or LM_EVAL_FIELDS)
    path, fld = rest, None
    if ":" in rest and not Path(rest).exists():
        head, tail = rest.rsplit(":", 1)
        if tail and "/" not in tail and "\\" not in tail:
            path, fld = head, tail
    if not path:
        raise ValueError(f"benchmark spec {spec!r} names no file")
    return BenchSpec(_check_name(name), _bench_source(path), fld)


def split_fields(rest: str) -> tuple[str, str | None]:
    """``WHERE[:fields]`` -> (WHERE, fields or None)."""
    if ":" in rest:
        head, tail = rest.rsplit(":", 1)
        if tail and "/" not in tail and "\\" not in tail and not tail.endswith((".yaml", ".yml")):
            return head, tail
    return rest, None


def _named_spec(spec: str) -> BenchSpec:
    """``lm_eval:TASK[:fields]`` or a registry name ``gsm8k[:fields]`` (seenit.scan.named)."""
    if spec.startswith(LM_EVAL):
        task, fld = split_fields(spec[len(LM_EVAL):])
        name = re.sub(r"[^\w.-]", "_", Path(task).stem if task.endswith((".yaml", ".yml")) else task).lstrip(".")
        return BenchSpec(_check_name(name or "lm_eval"), lm_eval_table(task), fld or LM_EVAL_FIELDS)
    name, fld = split_fields(spec)
    if name not in REGISTRY:
        raise unknown_name(spec)
    return BenchSpec(name, registry_table(name), fld or REGISTRY[name].fields)


def _bench_source(where: Any) -> Any:
    """A benchmark's source as BenchSpec keeps it: a URL as given, a table wrapped, else a Path."""
    if isinstance(where, str) and is_url(where) and local_path_of(where) is None:
        return where
    if isinstance(where, str) and local_path_of(where) is not None:
        return Path(local_path_of(where))  # type: ignore[arg-type]
    table = table_source(where)
    if table is not None:
        return table
    if not isinstance(where, (str, os.PathLike)):
        raise TypeError(f"a benchmark must be a path, a URL or a table, got {type(where).__name__}")
    return Path(where)


def bench_specs(benchmarks: Mapping[str, Any] | Sequence[str]) -> list[BenchSpec]:
    """Normalise the API's ``benchmarks``: a mapping name -> path / (path, field) /
    ``"path:field"``, or a list of ``NAME=FILE[:field]`` specs."""
    out: list[BenchSpec] = []
    if isinstance(benchmarks, Mapping):
        for name, v in benchmarks.items():
            if isinstance(v, tuple):
                if len(v) != 2 or not isinstance(v[1], str):
                    raise ValueError(f"benchmarks[{name!r}] must be a path or a (path, field) pair, got {v!r}")
                out.append(BenchSpec(_check_name(name), _bench_source(v[0]), v[1]))
            elif table_source(v) is not None:
                out.append(BenchSpec(_check_name(name), _bench_source(v)))
            elif isinstance(v, (str, os.PathLike)):
                out.append(parse_bench_spec(f"{name}={os.fspath(v)}"))
            else:
                raise TypeError(f"benchmarks[{name!r}] must be a path, URL or table, or a (path, field) pair, "
                                f"got {type(v).__name__}")
    elif isinstance(benchmarks, (str, bytes)) or not isinstance(benchmarks, Sequence):
        raise TypeError("benchmarks must be a mapping name -> file or a list of 'NAME=FILE[:field]' specs")
    else:
        out = [parse_bench_spec(s) for s in benchmarks]
    if not out:
        raise ValueError("no benchmarks given: pass at least one NAME=FILE[:field]")
    names = [b.name for b in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"benchmark names must be unique; repeated: {', '.join(dup)}")
    for b in out:
        if isinstance(b.path, Path) and not b.path.is_file():
            raise FileNotFoundError(f"benchmark {b.name!r}: file not found: {str(b.path)!r}")
        if isinstance(b.path, str):
            try:
                expand_paths(b.path)  # the URL names something readable (and its backend is installed)
            except (OSError, ValueError) as e:
                raise type(e)(f"benchmark {b.name!r}: {e}") from None
    return out


def _fraction(value: Any, name: str) -> float:
    return check_float(value, name, 0.0, 1.0)


#: The near-copy rule per recipe: (near_n, near_at) or None. Only the default recipe has one;
#: the named recipes stay their papers' definitions.
NEAR_RULES: dict[str, tuple[int, float] | None] = {"default": (8, 0.3), "llama2": None, "gpt3": None, "palm": None}


@dataclass(frozen=True)
class NgramSettings:
    """n-gram method settings. ``near_n``/``near_at``: the near-copy rule — an item of at least
    ``n`` words that the ``n``-gram rule finds clean is ``partial`` when at least ``near_at`` of
    its words lie in ``near_n``-grams found in the corpus (catches copies with scattered edits or
    changed punctuation, which break every 13-gram but leave most 8-grams; calibration in
    docs/scan.md). ``near_n = 0`` turns it off."""

    recipe: str = "default"
    n: int = 13
    metric: str = "coverage"
    clean_below: float = 0.2
    contaminated_at: float = 0.8
    tokenizer: str = "bytes"
    lowercase: bool = True
    collapse_whitespace: bool = True
    strip_punctuation: bool = True
    near_n: int = 8
    near_at: float = 0.3

    @property
    def min_n(self) -> int:
        """The shortest n-gram the evidence needs (the near rule's when it is on)."""
        return min(self.n, self.near_n) if self.near_n else self.n

    @classmethod
    def make(cls, recipe: str = "default", n: int | None = None, metric: str | None = None,
             clean_below: float | None = None, contaminated_at: float | None = None, near_n: int | None = None,
             near_at: float | None = None, **norm: Any) -> NgramSettings:
        if recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {recipe!r}")
        cfg = dict(RECIPES[recipe])
        if n is not None:
            cfg["n"] = check_int(n, "ngram n", 1)
        if metric is not None:
            if metric not in METRICS:
                raise ValueError(f"metric must be one of {', '.join(METRICS)}, got {metric!r}")
            cfg["metric"] = metric
        if clean_below is not None:
            cfg["clean_below"] = _fraction(clean_below, "clean_below")
        if contaminated_at is not None:
            cfg["contaminated_at"] = _fraction(contaminated_at, "contaminated_at")
        if cfg["clean_below"] > cfg["contaminated_at"]:
            raise ValueError(f"clean_below ({cfg['clean_below']}) must be <= contaminated_at ({cfg['contaminated_at']})")
        rule = NEAR_RULES.get(recipe)
        cfg["near_n"], cfg["near_at"] = rule if rule is not None else (0, 0.5)
        if cfg["near_n"] >= cfg["n"]:
            cfg["near_n"] = 0  # an explicit n at or below the rule's: the n-gram rule alone
        if near_n is not None:
            cfg["near_n"] = check_int(near_n, "near_n", 0)
        if near_at is not None:
            cfg["near_at"] = _fraction(near_at, "near_at")
        if cfg["near_n"] and cfg["near_n"] >= cfg["n"]:
            raise ValueError(f"near_n ({cfg['near_n']}) must be shorter than n ({cfg['n']}), or 0 for no near-copy rule")
        s = cls(recipe=recipe, **cfg, **norm)
        if s.tokenizer != "bytes":
            raise ValueError(f"seenit scan indexes UTF-8 bytes (tokenizer='bytes'), got tokenizer={s.tokenizer!r}; "
                             "use seenit.NgramIndex + seenit.contamination for token indexes")
        return s


@dataclass(frozen=True)
class MinHashSettings:
    threshold: float = 0.5
    partial_at: float = 0.3
    num_perm: int = 128
    ngram: int = 5
    unit: str = "word"
    seed: int = 1

    def __post_init__(self) -> None:
        _fraction(self.threshold, "minhash threshold")
        _fraction(self.partial_at, "minhash partial_at")
        if not 0.0 < self.partial_at <= self.threshold < 1.0 + 1e-12:
            raise ValueError(f"minhash needs 0 < partial_at ({self.partial_at}) <= threshold ({self.threshold}) <= 1")
        if self.unit not in ("word", "char"):
            raise ValueError(f"minhash unit must be 'word' or 'char', got {self.unit!r}")
        _ = self.spec  # the signature settings are checked here too, before any work

    @property
    def spec(self) -> MinHashSpec:
        """The signature settings (report.json keeps them flat, beside the thresholds)."""
        return MinHashSpec(num_perm=self.num_perm, ngram=self.ngram, unit=self.unit, seed=self.seed)


@dataclass(frozen=True)
class EmbedSettings:
    model: str = "all-MiniLM-L6-v2"
    k: int = 5
    threshold: float = 0.9
    partial_at: float = 0.8

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or not self.model:
            raise ValueError("embed model must be a non-empty name (e.g. 'all-MiniLM-L6-v2' or 'hashed')")
        check_int(self.k, "embed k", 1)
        if not -1.0 <= self.partial_at <= self.threshold <= 1.0:
            raise ValueError(f"embed needs -1 <= partial_at ({self.partial_at}) <= threshold ({self.threshold}) <= 1")


@dataclass(frozen=True)
class ScanSettings:
    """Everything that decides a scan's result; ``to_dict`` is report.json's ``settings``."""

    methods: tuple[str, ...] = DEFAULT_METHODS
    engine: str = "local"
    field: str = "text"
    skip_bad_lines: bool = False
    ngram: NgramSettings = dc_field(default_factory=NgramSettings)
    minhash: MinHashSettings = dc_field(default_factory=MinHashSettings)
    embed: EmbedSettings | None = None

    def __post_init__(self) -> None:
        if not self.methods:
            raise ValueError("methods is empty: choose from " + ", ".join(METHODS))
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ValueError(f"unknown method(s) {', '.join(map(repr, bad))}: choose from {', '.join(METHODS)}")
        if len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods lists a method twice: {list(self.methods)}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if "embed" in self.methods and self.embed is None:
            raise ValueError("method 'embed' needs an embedding model (--embed MODEL, e.g. 'all-MiniLM-L6-v2' or 'hashed')")
        if not isinstance(self.field, str) or not self.field:
            raise ValueError("corpus field must be a non-empty str")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"methods": list(self.methods), "engine": self.engine, "overall_rule": OVERALL_RULE,
                               "corpus_field": self.field, "skip_bad_lines": self.skip_bad_lines}
        if "ngram" in self.methods:
            out["ngram"] = asdict(self.ngram)
        if "minhash" in self.methods:
            out["minhash"] = asdict(self.minhash)
        if "embed" in self.methods and self.embed is not None:
            out["embed"] = asdict(self.embed)
        return out


def parse_methods(methods: str | Sequence[str]) -> tuple[str, ...]:
    """``"ngram,minhash"`` or a list -> a tuple in the given order."""
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    return tuple(methods)
