"""``ScanReport``: the result of a scan, a thin typed view over the report.json dict
(schema in docs/report_schema.md)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import METHODS

SCHEMA_VERSION = 1
VERDICTS = ("clean", "partial", "contaminated")


def method_verdict(item: dict[str, Any], method: str) -> str:
    """An item's verdict by one method: with several fields (``fields``), the worst of theirs."""
    if "fields" in item:
        return max((f["evidence"][method]["verdict"] for f in item["fields"].values()), key=VERDICTS.index)
    return str(item["evidence"][method]["verdict"])


def summarize(items: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    """A benchmark's ``summary`` block: overall and per-method verdict counts, overall percent."""
    n = len(items)
    overall = {v: sum(1 for it in items if it["verdict"] == v) for v in VERDICTS}
    by_method = {m: {v: sum(1 for it in items if method_verdict(it, m) == v) for v in VERDICTS} for m in methods}
    return {"items": n, "overall": overall,
            "percent": {v: round(100.0 * c / n, 2) if n else 0.0 for v, c in overall.items()},
            "by_method": by_method}


def group_fields(entries: list[dict[str, Any]], benches: list[Any], methods: list[str]) -> list[dict[str, Any]]:
    """report.json's benchmarks: the per-field entries of a benchmark of several fields
    (``NAME[field]``, grouped under ``NAME``) made one, each item with its ``fields``: per field,
    its text, verdict, flagged_by and evidence. The item's own ``text`` and ``evidence`` stay the
    first field's; its ``verdict`` and ``flagged_by`` cover every field (a leaked answer is
    contamination without its question). ``summary.by_field``: each field's own summary."""
    out: list[dict[str, Any]] = []
    for entry, b in zip(entries, benches):
        if b.group is None:
            out.append(entry)
            continue
        if not out or out[-1]["name"] != b.group:
            out.append({"name": b.group, "file": entry["file"], "field": b.field, "fields": [],
                        "n_items": entry["n_items"], "skipped_lines": entry["skipped_lines"], "summary": {},
                        "items": [{**it, "fields": {}} for it in entry["items"]]})
        parent = out[-1]
        parent["fields"].append(b.field)
        for top, it in zip(parent["items"], entry["items"]):
            top["fields"][b.field] = {k: it[k] for k in ("text", "verdict", "flagged_by", "evidence")}
            top["verdict"] = max(top["verdict"], it["verdict"], key=VERDICTS.index)
            top["flagged_by"] = [m for m in methods if m in top["flagged_by"] or m in it["flagged_by"]]
        parent["summary"] = {**summarize(parent["items"], methods),
                             "by_field": {**parent["summary"].get("by_field", {}), b.field: entry["summary"]}}
    return out


@dataclass
class ScanReport:
    """What :func:`seenit.scan` returns. ``to_dict()`` is report.json; ``path`` is where it was
    written (None when the scan had no output directory) and ``html`` the HTML report's path
    (None when none was written)."""

    data: dict[str, Any]
    path: Path | None = None
    html: Path | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """report.json as text; with ``path``, also written there atomically."""
        text = json.dumps(self.data, ensure_ascii=False, indent=2)
        if path is not None:
            from ..io import write_json

            write_json(path, self.data)
        return text

    @property
    def settings(self) -> dict[str, Any]:
        return self.data["settings"]

    @property
    def benchmarks(self) -> list[str]:
        return [b["name"] for b in self.data["benchmarks"]]

    def benchmark(self, name: str) -> dict[str, Any]:
        for b in self.data["benchmarks"]:
            if b["name"] == name:
                return b
        raise KeyError(f"no benchmark named {name!r} (have: {', '.join(self.benchmarks)})")

    def items(self, name: str) -> list[dict[str, Any]]:
        return self.benchmark(name)["items"]

    def flagged(self, name: str, method: str | None = None) -> list[dict[str, Any]]:
        """Items not clean overall (or by ``method``)."""
        if method is not None and method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        return [it for it in self.items(name) if (it["verdict"] if method is None else method_verdict(it, method)) != "clean"]

    @property
    def summary(self) -> dict[str, dict[str, Any]]:
        """Per benchmark name, its ``summary`` block."""
        return {b["name"]: b["summary"] for b in self.data["benchmarks"]}

    def __repr__(self) -> str:
        parts = [f"{n}: {s['percent']['contaminated']:.2f}% contaminated of {s['items']}" for n, s in self.summary.items()]
        return f"ScanReport({'; '.join(parts)})"
