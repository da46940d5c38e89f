"""What changed between two scans: ``seenit scan compare A B`` / :func:`compare_scans`.

Benchmarks are matched by name; their items by text (the n-th item of a text in A with the
n-th of the same text in B), so a benchmark whose file gained, lost or reordered items still
compares item by item. Per benchmark: the percentages of both runs, the items newly flagged
(clean in A, not in B), cleared (flagged in A, clean in B), changed (partial <-> contaminated),
and the items present in only one run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .result import VERDICTS, ScanReport


def _load(report: Any, name: str) -> tuple[str, dict[str, Any]]:
    """(where it came from, the report dict) of a report.json path, a run directory, a dict or a ScanReport."""
    if isinstance(report, ScanReport):
        return str(report.path or "<ScanReport>"), report.to_dict()
    if isinstance(report, Mapping):
        return "<dict>", dict(report)
    if not isinstance(report, (str, os.PathLike)):
        raise TypeError(f"{name} must be a report.json path, a run directory, a dict or a ScanReport, "
                        f"got {type(report).__name__}")
    p = Path(report)
    if p.is_dir():
        p = p / "report.json"
    if not p.is_file():
        raise FileNotFoundError(f"{name}: no report at {str(p)!r}")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{name}: {p} is not a JSON report ({e})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{name}: {p} is not a scan report (expected a JSON object)")
    return str(p), data


def _benchmarks(data: dict[str, Any], name: str) -> dict[str, list[tuple[str, str, int]]]:
    """benchmark name -> [(text, verdict, index)] in item order; ValueError naming what is malformed."""
    benches = data.get("benchmarks")
    if not isinstance(benches, list):
        raise ValueError(f"{name} is not a scan report: it has no 'benchmarks' list")
    out: dict[str, list[tuple[str, str, int]]] = {}
    for k, b in enumerate(benches):
        if not isinstance(b, dict) or not isinstance(b.get("name"), str) or not isinstance(b.get("items"), list):
            raise ValueError(f"{name}: benchmarks[{k}] is not a benchmark (name, items)")
        items = []
        for i, it in enumerate(b["items"]):
            if not isinstance(it, dict) or not isinstance(it.get("text"), str) or it.get("verdict") not in VERDICTS:
                raise ValueError(f"{name}: benchmark {b['name']!r} item {i} has no text or verdict")
            index = it.get("index", i)
            items.append((it["text"], it["verdict"], index if type(index) is int else i))
        if b["name"] in out:
            raise ValueError(f"{name}: benchmark {b['name']!r} appears twice")
        out[b["name"]] = items
    return out


def _keyed(items: list[tuple[str, str, int]]) -> dict[tuple[str, int], tuple[str, int]]:
    """(text, occurrence) -> (verdict, index)."""
    seen: dict[str, int] = {}
    out = {}
    for text, verdict, index in items:
        n = seen.get(text, 0)
        seen[text] = n + 1
        out[(text, n)] = (verdict, index)
    return out


def _percent(items: list[tuple[str, str, int]]) -> dict[str, float]:
    n = len(items)
    return {v: round(100.0 * sum(1 for _, x, _ in items if x == v) / n, 2) if n else 0.0 for v in VERDICTS}


def compare_scans(a: Any, b: Any) -> dict[str, Any]:
    """What changed from scan ``a`` to scan ``b`` (each a report.json path, a run directory, a
    report dict or a :class:`ScanReport`): per benchmark in both, the percentages, the items newly
    flagged, cleared and changed (each ``{"text", "index_a", "index_b", "verdict_a", "verdict_b"}``)
    and the counts of items in one run only; the benchmarks in one run only. See docs/scan.md."""
    where_a, da = _load(a, "a")
    where_b, db = _load(b, "b")
    ba, bb = _benchmarks(da, "a"), _benchmarks(db, "b")
    out_benches = []
    for name in [n for n in ba if n in bb]:
        ka, kb = _keyed(ba[name]), _keyed(bb[name])
        newly, cleared, changed = [], [], []
        for key in [k for k in ka if k in kb]:
            (va, ia), (vb, ib) = ka[key], kb[key]
            if va == vb:
                continue
            row = {"text": key[0], "index_a": ia, "index_b": ib, "verdict_a": va, "verdict_b": vb}
            (newly if va == "clean" else cleared if vb == "clean" else changed).append(row)
        out_benches.append({"name": name, "items_a": len(ba[name]), "items_b": len(bb[name]),
                            "percent_a": _percent(ba[name]), "percent_b": _percent(bb[name]),
                            "newly_flagged": newly, "cleared": cleared, "changed": changed,
                            "only_in_a": sum(1 for k in ka if k not in kb), "only_in_b": sum(1 for k in kb if k not in ka)})
    return {"a": where_a, "b": where_b, "benchmarks": out_benches,
            "only_in_a": [n for n in ba if n not in bb], "only_in_b": [n for n in bb if n not in ba]}
