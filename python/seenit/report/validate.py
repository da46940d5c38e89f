"""Checking a report dict against docs/report_schema.md before anything is rendered or written.

Only what the page reads is required; unknown fields are ignored (the schema only ever adds
fields within a version). Every error is a ValueError (TypeError for a non-dict report) naming
the JSON path of the offending field, e.g. ``report.benchmarks[0].items[3].evidence.ngram``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: The report.json versions this module can render.
SUPPORTED_SCHEMA_VERSIONS = (1,)
VERDICTS = ("clean", "partial", "contaminated")
METHODS = ("ngram", "minhash", "embed")


def _need(obj: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if type(obj) is not dict and not isinstance(obj, Mapping):  # the dict test first: ABC checks are slow
        raise ValueError(f"{where} must be an object, got {type(obj).__name__}")
    if key not in obj:
        raise ValueError(f"{where}: missing required field {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _tuple(kind)):
        names = " or ".join(k.__name__ for k in _tuple(kind))
        raise ValueError(f"{where}.{key} must be {names}, got {type(value).__name__} {value!r:.60}")
    return value


def _tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


_NUM = (int, float)
_OPT_INT = (int, type(None))


def check_report(report: Any) -> None:
    """Raise ValueError (TypeError for a non-dict) unless ``report`` is a schema-v1 report the page
    can show: required fields present with the right types, verdicts known, every cited document
    present, item spans inside the item text."""
    if not isinstance(report, Mapping):
        raise TypeError(f"report must be a dict (the content of report.json), got {type(report).__name__}")
    if "schema_version" not in report:
        raise ValueError("report: missing required field 'schema_version'")
    version = report["schema_version"]
    if isinstance(version, bool) or version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ValueError(
            f"report.schema_version {version!r} is not supported: this seenit renders schema_version "
            f"{', '.join(map(str, SUPPORTED_SCHEMA_VERSIONS))} (see docs/report_schema.md)"
        )
    tool = _need(report, "tool", "report", dict)
    _need(tool, "version", "report.tool", str)
    _need(report, "created", "report", str)
    settings = _need(report, "settings", "report", dict)
    methods = _need(settings, "methods", "report.settings", list)
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"report.settings.methods: unknown method {m!r} (known: {', '.join(METHODS)})")
        _need(settings, m, "report.settings", dict)
    corpus = _need(report, "corpus", "report", dict)
    _need(corpus, "n_documents", "report.corpus", int)
    documents = _need(report, "documents", "report", dict)
    for key, doc in documents.items():
        where = f"report.documents[{key!r}]"
        _need(doc, "source", where, str)
        _need(doc, "line", where, int)
        _need(doc, "text", where, str)
        if "excerpt_start" in doc:
            _need(doc, "excerpt_start", where, int)
    for b, bench in enumerate(_need(report, "benchmarks", "report", list)):
        _check_benchmark(bench, f"report.benchmarks[{b}]", documents)
    if report.get("mia") is not None:
        _check_mia(report["mia"])
    if report.get("calibration") is not None:
        _check_calibration(report["calibration"])
    if report.get("probe") is not None:
        _check_probe(report["probe"])


def _check_benchmark(bench: Any, where: str, documents: Mapping[str, Any]) -> None:
    _need(bench, "name", where, str)
    _need(bench, "file", where, str)
    summary = _need(bench, "summary", where, dict)
    _need(summary, "items", f"{where}.summary", int)
    for part in ("overall", "percent"):
        block = _need(summary, part, f"{where}.summary", dict)
        for v in VERDICTS:
            _need(block, v, f"{where}.summary.{part}", _NUM)
    for m, block in _need(summary, "by_method", f"{where}.summary", dict).items():
        for v in VERDICTS:
            _need(block, v, f"{where}.summary.by_method.{m}", int)
    items = _need(bench, "items", where, list)
    if len(items) != summary["items"]:
        raise ValueError(f"{where}: summary.items is {summary['items']} but items has {len(items)} entries")
    for i, item in enumerate(items):
        _check_item(item, f"{where}.items[{i}]", documents)


def _check_item(item: Any, where: str, documents: Mapping[str, Any]) -> None:
    _need(item, "index", where, int)
    _need(item, "source", where, str)
    _need(item, "line", where, int)
    text = _need(item, "text", where, str)
    if _need(item, "verdict", where, str) not in VERDICTS:
        raise ValueError(f"{where}.verdict must be one of {', '.join(VERDICTS)}, got {item['verdict']!r}")
    _need(item, "flagged_by", where, list)
    evidence = _need(item, "evidence", where, dict)

    def doc(ref: Any, field: str) -> None:
        if ref is None:
            return
        if isinstance(ref, bool) or not isinstance(ref, int):
            raise ValueError(f"{where}.{field} must be an int document id or null, got {ref!r}")
        if str(ref) not in documents:
            raise ValueError(f"{where}.{field} cites document {ref}, which report.documents does not hold")

    def span(s: Any, e: Any, length: int, field: str) -> None:
        if isinstance(s, bool) or isinstance(e, bool) or not isinstance(s, int) or not isinstance(e, int):
            raise ValueError(f"{where}.{field} must be a pair of int offsets, got [{s!r}, {e!r}]")
        if not 0 <= s <= e <= length:
            raise ValueError(f"{where}.{field} [{s}, {e}) is not inside the text (0..{length})")

    for method, ev in evidence.items():
        w = f"{where}.evidence.{method}"
        if method not in METHODS:
            continue  # a method this version does not know: ignored, as the schema asks
        if _need(ev, "verdict", w, str) not in VERDICTS:
            raise ValueError(f"{w}.verdict must be one of {', '.join(VERDICTS)}, got {ev['verdict']!r}")
        if method == "ngram":
            _need(ev, "value", w, _NUM)
            for k, sp in enumerate(_need(ev, "covered_spans", w, list)):
                if not isinstance(sp, (list, tuple)) or len(sp) != 2:
                    raise ValueError(f"{w}.covered_spans[{k}] must be [start, end], got {sp!r}")
                span(sp[0], sp[1], len(text), f"evidence.ngram.covered_spans[{k}]")
            near = ev.get("near")  # the near-copy rule's block (absent in reports of older versions)
            if near is not None:
                _need(near, "covered_fraction", f"{w}.near", _NUM)
                for k, sp in enumerate(_need(near, "covered_spans", f"{w}.near", list)):
                    if not isinstance(sp, (list, tuple)) or len(sp) != 2:
                        raise ValueError(f"{w}.near.covered_spans[{k}] must be [start, end], got {sp!r}")
                    span(sp[0], sp[1], len(text), f"evidence.ngram.near.covered_spans[{k}]")
            match = ev.get("match")
            if match is not None:
                for key in ("doc_id", "doc_start", "doc_end", "item_start", "item_end"):
                    _need(match, key, f"{w}.match", int)
                doc(match["doc_id"], "evidence.ngram.match.doc_id")
                span(match["item_start"], match["item_end"], len(text), "evidence.ngram.match item_start/item_end")
                if not 0 <= match["doc_start"] <= match["doc_end"]:
                    raise ValueError(f"{w}.match doc_start/doc_end [{match['doc_start']}, {match['doc_end']}) is not a span")
        elif method == "minhash":
            _need(ev, "jaccard", w, _NUM)
            doc(_need(ev, "doc_id", w, _OPT_INT), "evidence.minhash.doc_id")
        else:
            _need(ev, "cosine", w, _NUM)
            ids = _need(ev, "doc_ids", w, list)
            for k, ref in enumerate(ids):
                doc(ref, f"evidence.embed.doc_ids[{k}]")
            if len(_need(ev, "scores", w, list)) != len(ids):
                raise ValueError(f"{w}: scores and doc_ids differ in length")


def _check_mia(mia: Any) -> None:
    for name, m in _need(mia, "methods", "report.mia", dict).items():
        w = f"report.mia.methods[{name!r}]"
        _need(m, "auroc", w, _NUM)
        fpr, tpr = _need(m, "fpr", w, list), _need(m, "tpr", w, list)
        if len(fpr) != len(tpr) or not fpr:
            raise ValueError(f"{w}: fpr and tpr must be non-empty and of equal length, got {len(fpr)} and {len(tpr)}")


def _check_calibration(cal: Any) -> None:
    w = "report.calibration"
    _need(cal, "k", w, int)
    _need(cal, "seed", w, int)
    transformations = _need(cal, "transformations", w, list)
    cols = list(_need(cal, "methods", w, list)) + [cal.get("overall", "overall")]
    for b, bench in enumerate(_need(cal, "benchmarks", w, list)):
        wb = f"{w}.benchmarks[{b}]"
        _need(bench, "name", wb, str)
        _need(bench, "items", wb, list)
        _need(bench, "n_unplanted", wb, int)
        results = _need(bench, "results", wb, dict)
        for t in transformations:
            row = _need(results, t, f"{wb}.results", dict)
            for m in cols:
                r = _need(row, m, f"{wb}.results.{t}", dict)
                for key in ("recall", "contaminated"):
                    v = _need(r, key, f"{wb}.results.{t}.{m}", _NUM)
                    if not 0.0 <= v <= 1.0:
                        raise ValueError(f"{wb}.results.{t}.{m}.{key} must be a fraction in [0, 1], got {v!r}")
                _need(r, "false_positives", f"{wb}.results.{t}.{m}", int)


def _check_probe(probe: Any) -> None:
    w = "report.probe"
    _need(probe, "seed", w, int)
    for i, t in enumerate(_need(probe, "tests", w, list)):
        wt = f"{w}.tests[{i}]"
        _need(t, "test", wt, str)
        _need(t, "on", wt, str)
        _need(t, "statistic", wt, _NUM)
        _need(t, "summary", wt, str)
        p = _need(t, "pvalue", wt, (int, float, type(None)))
        if p is not None and not 0.0 <= p <= 1.0:
            raise ValueError(f"{wt}.pvalue must be in [0, 1] or null, got {p!r}")
