"""Assembling the report page: one self-contained HTML file (inline CSS and SVG, no script, no
network) from a report dict that follows docs/report_schema.md.

Sections: a header (corpus, versions), the summary table, one section per benchmark (verdict
counts, histograms, a table of flagged items and, for each, the item beside the corpus passage
with the matched spans marked), ROC curves when the report has a ``mia`` block, the measured
recall per transformation when it has a ``calibration`` block, and an index of the cited corpus
documents. Every piece of report text is escaped (benchmark and corpus text are
untrusted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .escape import esc
from .highlight import Span, mark, shared_shingle_spans, window
from .style import CSS
from .svg import histogram_svg, roc_svg
from .validate import METHODS, VERDICTS

METHOD_NAMES = {"ngram": "n-gram", "minhash": "MinHash", "embed": "embedding"}
SEVERITY = {"contaminated": 0, "partial": 1, "clean": 2}
#: What each probe test's statistic is (docs/probe.md).
PROBE_STATISTICS = {"sharded_likelihood": "log p gain of the canonical order (nats, mean over shards)",
                    "holdout": "embedding MMD² (cosine)", "likelihood_gap": "nats per token",
                    "blind_baseline": "AUROC", "dataset_inference": "Welch t"}
LEGEND = (
    '<p class="legend">Marked: <mark class="hl-cover">item text covered by corpus n-grams</mark>'
    '<mark class="hl-match">the longest match, in the item and in the document</mark>'
    '<mark class="hl-shared">word n-grams shared with the document (MinHash evidence, recomputed for display)</mark></p>'
)


def renderer_version() -> str:
    """The installed seenit version (the one rendering the page)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("seenit")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class Page:
    """Renders one validated report dict; see :func:`seenit.report.render_html` for the options."""

    def __init__(self, report: Mapping[str, Any], *, max_items: int, context_chars: int, max_item_chars: int) -> None:
        self.r = report
        self.settings: Mapping[str, Any] = report["settings"]
        self.methods: list[str] = [m for m in self.settings["methods"] if m in METHODS]
        self.docs: Mapping[str, Any] = report["documents"]
        self.max_items = max_items
        self.context = context_chars
        self.max_item_chars = max_item_chars
        self.cited_by: dict[str, list[tuple[str, str]]] = {}  # doc id -> [(anchor, label)] of shown items

    # ---------------------------------------------------------------- page
    def render(self) -> str:
        benches = self.r["benchmarks"]
        probe_only = bool(self.r.get("probe")) and not benches  # `seenit probe`: no corpus was scanned
        body = [self.probe_header()] if probe_only else [self.header(), self.summary()]
        body += [self.benchmark(b, bench) for b, bench in enumerate(benches)]
        if self.r.get("mia"):
            body.append(self.mia(self.r["mia"]))
        if self.r.get("calibration"):
            body.append(self.calibration(self.r["calibration"]))
        if self.r.get("probe"):
            body.append(self.probe(self.r["probe"]))
        if not probe_only:
            body.append(self.documents())
        body.append(self.footer())
        version = self.r["tool"]["version"]
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="seenit {esc(renderer_version())}">\n'
            f'<meta name="seenit-report-schema-version" content="{esc(self.r["schema_version"])}">\n'
            f'<meta name="seenit-report-tool-version" content="{esc(version)}">\n'
            f"<title>seenit {'probe' if probe_only else 'contamination report'}: "
            f"{esc(', '.join(b['name'] for b in benches) or (self.r.get('probe') or {}).get('benchmark') or '')}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
        )

    def header(self) -> str:
        c = self.r["corpus"]
        paths = c.get("paths") or []
        shown = ", ".join(esc(p) for p in paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        size = f" · {_bytes(c['n_bytes'])}" if isinstance(c.get("n_bytes"), int) else ""
        nav = [f'<a href="#b{b}">{esc(bench["name"])}</a>' for b, bench in enumerate(self.r["benchmarks"])]
        if self.r.get("mia"):
            nav.append('<a href="#mia">membership inference</a>')
        if self.r.get("calibration"):
            nav.append('<a href="#calibration">calibration</a>')
        nav.append('<a href="#documents">cited documents</a>')
        return (
            '<header class="top">\n<h1>Contamination report</h1>\n'
            f'<p class="meta">Corpus: <b>{c["n_documents"]:,}</b> documents{size}'
            + (f" · {shown}" if shown else "")
            + f' · methods: {", ".join(METHOD_NAMES[m] for m in self.methods) or "none"}'
            + f' · engine: {esc(self.settings.get("engine", "local"))}</p>\n'
            f'<p class="meta">Written {esc(self.r["created"])} by seenit {esc(self.r["tool"]["version"])} · '
            f'report.json schema_version {esc(self.r["schema_version"])} · page rendered by seenit {esc(renderer_version())}</p>\n'
            f'<nav>{" · ".join(nav)}</nav>\n</header>'
        )

    def footer(self) -> str:
        if not self.r["benchmarks"] and self.r.get("probe"):
            return "<footer>Generated by seenit probe.</footer>"
        rule = self.settings.get("overall_rule", "contaminated if any method says contaminated, partial if any says partial, else clean")
        return f"<footer>Generated by seenit. Overall verdict: {esc(rule)}.</footer>"

    # ------------------------------------------------------------- summary
    def threshold_text(self, method: str) -> str:
        s = self.settings.get(method, {})
        if method == "ngram":
            metric = s.get("metric", "coverage")
            return (f"{s.get('n', '?')}-gram {metric} ≥ {s.get('contaminated_at', '?')}, partial ≥ {s.get('clean_below', '?')}"
                    f" · {s.get('tokenizer', '')} tokens")
        if method == "minhash":
            return (f"Jaccard ≥ {s.get('threshold', '?')}, partial ≥ {s.get('partial_at', '?')}"
                    f" · {s.get('num_perm', '?')} perms, {s.get('ngram', '?')}-{s.get('unit', 'word')} shingles")
        return f"cosine ≥ {s.get('threshold', '?')}, partial ≥ {s.get('partial_at', '?')} · {s.get('model', '')}"

    def summary(self) -> str:
        head = ["<th>Benchmark</th><th class=\"num\">Items</th>"]
        for m in self.methods:
            head.append(f'<th class="num">{METHOD_NAMES[m]}<br><small>{esc(self.threshold_text(m))}</small></th>')
        head.append('<th class="num">Contaminated</th><th class="num">Partial</th><th class="num">Clean</th><th>Verdicts</th>')
        rows = []
        for b, bench in enumerate(self.r["benchmarks"]):
            s = bench["summary"]
            n = s["items"]
            cells = [f'<td><a href="#b{b}">{esc(bench["name"])}</a></td><td class="num">{n:,}</td>']
            for m in self.methods:
                bm = s["by_method"].get(m)
                if bm is None:
                    cells.append('<td class="num na">–</td>')
                    continue
                cells.append(
                    f'<td class="num">{_pct(bm["contaminated"], n)} <span class="cnt">({bm["contaminated"]:,})</span>'
                    f'<br><small>partial {_pct(bm["partial"], n)} ({bm["partial"]:,})</small></td>'
                )
            for v in ("contaminated", "partial", "clean"):
                cells.append(
                    f'<td class="num v-{v}"><b>{s["percent"][v]:.2f} %</b> <span class="cnt">({s["overall"][v]:,})</span></td>'
                )
            cells.append(f"<td>{_verdict_bar(s['overall'], n)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        settings_json = json.dumps(self.settings, indent=2, ensure_ascii=False)
        return (
            '<section id="summary">\n<h2>Summary</h2>\n'
            '<p class="hint">Share of items per verdict; per method, the share it calls contaminated (and partial), '
            "with the thresholds used.</p>\n"
            f'<div class="scroll"><table class="summary">\n<thead><tr>{"".join(head)}</tr></thead>\n'
            f'<tbody>\n{chr(10).join(rows)}\n</tbody></table></div>\n'
            f"<details><summary>All settings</summary><pre class=\"settings\">{esc(settings_json)}</pre></details>\n</section>"
        )

    # ----------------------------------------------------------- benchmark
    def benchmark(self, b: int, bench: Mapping[str, Any]) -> str:
        items: Sequence[Mapping[str, Any]] = bench["items"]
        flagged = sorted((it for it in items if it["verdict"] != "clean"), key=lambda it: SEVERITY[it["verdict"]])
        shown, omitted = flagged[: self.max_items], max(0, len(flagged) - self.max_items)
        field = f" · field <code>{esc(bench['field'])}</code>" if bench.get("field") else ""
        out = [
            f'<section class="bench" id="b{b}">',
            f'<h2>{esc(bench["name"])} <small>{esc(bench["file"])}{field} · {len(items):,} items</small></h2>',
            f'<div class="charts">{self.charts(items)}</div>',
        ]
        if not flagged:
            out.append('<p class="none">No item is flagged by any method.</p></section>')
            return "\n".join(out)
        out.append(
            f'<h3>Flagged items <small>{len(flagged):,} ({_count_text(flagged)}), '
            f'{"all shown" if not omitted else f"first {len(shown):,} shown"}</small></h3>'
        )
        out.append(LEGEND)
        out.append(f'<details class="index"{" open" if len(shown) <= 10 else ""}><summary>Table of the {len(shown):,} flagged items shown</summary>'
                   f"{self.flagged_table(b, shown)}</details>")
        out += [self.card(b, it) for it in shown]
        if omitted:
            out.append(
                f'<p class="omitted" data-omitted="{omitted}">{omitted:,} more flagged items not shown '
                f"(limit: {self.max_items:,} per benchmark, contaminated first, then partial, each in benchmark order; "
                "report.json holds them all).</p>"
            )
        out.append("</section>")
        return "\n".join(out)

    def charts(self, items: Sequence[Mapping[str, Any]]) -> str:
        charts = []

        def values(method: str, key: str) -> list[float]:
            return [float(it["evidence"][method][key]) for it in items if method in it["evidence"]]

        if "ngram" in self.methods:
            s = self.settings["ngram"]
            metric = s.get("metric", "coverage")
            charts.append(histogram_svg(
                values("ngram", "value"), title="n-gram overlap", xlabel=f"{s.get('n', '')}-gram {metric} of the item",
                partial_at=s.get("clean_below"), contaminated_at=s.get("contaminated_at")))
        if "minhash" in self.methods:
            s = self.settings["minhash"]
            charts.append(histogram_svg(
                values("minhash", "jaccard"), title="Near-duplicate similarity (MinHash)",
                xlabel="estimated Jaccard to the nearest corpus document", partial_at=s.get("partial_at"),
                contaminated_at=s.get("threshold")))
        if "embed" in self.methods:
            s = self.settings["embed"]
            charts.append(histogram_svg(
                values("embed", "cosine"), title="Embedding similarity", xlabel="cosine to the nearest corpus document",
                partial_at=s.get("partial_at"), contaminated_at=s.get("threshold")))
        return "\n".join(charts)

    def flagged_table(self, b: int, shown: Sequence[Mapping[str, Any]]) -> str:
        head = "<th>Item</th><th>Source</th><th>Verdict</th>" + "".join(
            f'<th class="num">{METHOD_NAMES[m]}</th>' for m in self.methods) + "<th>Corpus document</th>"
        rows = []
        for it in shown:
            ev = it["evidence"]
            cells = [
                f'<td><a href="#b{b}-i{it["index"]}">#{it["index"]}</a></td>',
                f'<td class="src">{esc(it["source"])}:{it["line"]}</td>',
                f'<td>{_badge(it["verdict"])}</td>',
            ]
            for m in self.methods:
                e = ev.get(m)
                cells.append(f'<td class="num v-{e["verdict"]}">{_score(m, e)}</td>' if e else '<td class="num na">–</td>')
            ids = self.panel_docs(it)
            cells.append("<td>" + ", ".join(f'<a href="#doc-{d}">{esc(self.doc_label(d))}</a>' for d, _ in ids) + "</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        return f'<div class="scroll"><table class="flagged"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'

    # ---------------------------------------------------------------- item
    def panel_docs(self, it: Mapping[str, Any]) -> list[tuple[int, list[str]]]:
        """The corpus documents to show beside an item, each with the methods citing it."""
        ev = it["evidence"]
        out: dict[int, list[str]] = {}
        match = ev.get("ngram", {}).get("match") if "ngram" in ev else None
        if match is not None and ev["ngram"]["verdict"] != "clean":
            out.setdefault(match["doc_id"], []).append("ngram")
        if "minhash" in ev and ev["minhash"].get("doc_id") is not None and ev["minhash"]["verdict"] != "clean":
            out.setdefault(ev["minhash"]["doc_id"], []).append("minhash")
        if "embed" in ev and ev["embed"]["doc_ids"] and ev["embed"]["verdict"] != "clean":
            out.setdefault(ev["embed"]["doc_ids"][0], []).append("embed")
        return list(out.items())

    def doc_label(self, doc_id: int) -> str:
        d = self.docs[str(doc_id)]
        return f"{d['source']}:{d['line']}"

    def card(self, b: int, it: Mapping[str, Any]) -> str:
        ev = it["evidence"]
        anchor = f"b{b}-i{it['index']}"
        text: str = it["text"]
        ng = ev.get("ngram")
        match = ng.get("match") if ng else None
        panels = self.panel_docs(it)
        item_layers: list[tuple[list[Sequence[int]], str]] = []
        if ng:  # the n-gram coverage; for an item the near-copy rule flagged, the near-n-gram coverage
            near = ng.get("near") or {}
            cover = ng["covered_spans"] or (near.get("covered_spans", []) if ng["verdict"] != "clean" else [])
            item_layers.append((cover, "hl-cover"))
        if match is not None and any("ngram" in by for _, by in panels):
            item_layers.append(([(match["item_start"], match["item_end"])], "hl-match"))
        facts = []
        for m in METHODS:
            if m in ev:
                facts.append(f'<span class="fact v-{ev[m]["verdict"]}">{METHOD_NAMES[m]}: {_score(m, ev[m])}</span>')
        if ng and ng.get("longest_match_chars"):
            facts.append(f'<span class="fact">longest match {ng["longest_match_chars"]:,} chars</span>')
        if ng and ng.get("near") and not ng["n_present"] and ng["verdict"] != "clean":
            facts.append(f'<span class="fact">near copy: {100 * ng["near"]["covered_fraction"]:.0f}% of words '
                         f'in {ng["near"]["n"]}-grams</span>')

        docs_html = []
        item_shared: list[Span] = []
        for doc_id, by in panels:
            key = str(doc_id)
            self.cited_by.setdefault(key, []).append((anchor, f"{it['index']}"))
            d = self.docs[key]
            dtext: str = d["text"]
            off = int(d.get("excerpt_start", 0))
            layers: list[tuple[list[Sequence[int]], str]] = []
            focus: Span | None = None
            shared_item: list[Span] = []
            if "minhash" in by or ("embed" in by and "ngram" not in by):
                shared_item, shared_doc = shared_shingle_spans(text, dtext, int(self.settings.get("minhash", {}).get("ngram", 5)))
                layers.append(([(s + off, e + off) for s, e in shared_doc], "hl-shared"))
                if shared_doc:
                    focus = (shared_doc[0][0], shared_doc[-1][1])
            if "ngram" in by and match is not None:
                layers.append(([(match["doc_start"], match["doc_end"])], "hl-match"))
                focus = (match["doc_start"] - off, match["doc_end"] - off)
            item_shared += shared_item
            shown = (0, len(dtext)) if len(dtext) <= 4 * self.context else window(len(dtext), focus, self.context)
            if focus is not None and focus[1] - focus[0] > 6 * self.context:  # a long match: show its start
                shown = (max(0, focus[0] - self.context), focus[0] + 6 * self.context)
            cut = f" (excerpt from offset {off:,})" if off else ""
            docs_html.append(
                f'<div class="side doc"><div class="label">corpus document <a href="#doc-{doc_id}">{esc(self.doc_label(doc_id))}</a>'
                f' <span class="muted">doc {doc_id}{cut} · cited by {", ".join(METHOD_NAMES[m] for m in by)}</span></div>'
                f'<pre class="text">{mark(dtext, layers, shown=shown, offset=off)}</pre></div>'
            )
        if not docs_html:
            docs_html.append('<div class="side doc"><div class="label">corpus document</div>'
                             '<p class="muted">No single corpus document is cited (the n-grams matched are spread over several).</p></div>')
        if item_shared:
            item_layers.append((item_shared, "hl-shared"))
        item_shown = (0, min(len(text), self.max_item_chars))
        return (
            f'<article class="item v-{it["verdict"]}" id="{anchor}">\n'
            f'<div class="head">{_badge(it["verdict"])} <b>#{it["index"]}</b> '
            f'<span class="src">{esc(it["source"])}:{it["line"]}</span> {" ".join(facts)}</div>\n'
            f'<div class="pair"><div class="side"><div class="label">benchmark item</div>'
            f'<pre class="text">{mark(text, item_layers, shown=item_shown)}</pre></div>\n'
            f'<div class="docs">{"".join(docs_html)}</div></div>\n</article>'
        )

    # ----------------------------------------------------------------- mia
    def mia(self, mia: Mapping[str, Any]) -> str:
        methods = mia["methods"]
        curves = {f"{name} (AUROC {m['auroc']:.3f})": (m["fpr"], m["tpr"]) for name, m in methods.items()}
        rows = "".join(f"<tr><td>{esc(name)}</td><td class=\"num\">{m['auroc']:.3f}</td></tr>" for name, m in methods.items())
        counts = ""
        if "n_members" in mia and "n_nonmembers" in mia:
            counts = f" · {mia['n_members']:,} members, {mia['n_nonmembers']:,} non-members"
        return (
            f'<section id="mia"><h2>Membership inference <small>{esc(mia.get("source", ""))}{counts}</small></h2>\n'
            f'<div class="charts">{roc_svg(curves, title="ROC curves")}'
            f'<table class="mia"><thead><tr><th>score</th><th class="num">AUROC</th></tr></thead><tbody>{rows}</tbody></table>'
            "</div></section>"
        )

    # --------------------------------------------------------- calibration
    def calibration(self, cal: Mapping[str, Any]) -> str:
        """Per benchmark, a table: one row per transformation, per method (and overall) the share
        of the K planted items flagged, the share called contaminated and the false positives."""
        overall = cal.get("overall", "overall")
        cols = [m for m in cal["methods"]] + [overall]
        head = "<th>Planted as</th>" + "".join(
            f'<th class="num">{esc(METHOD_NAMES.get(m, m))}</th>' for m in cols)
        tables = []
        for bench in cal["benchmarks"]:
            rows = []
            for t in cal["transformations"]:
                res = bench["results"][t]
                cells = [f"<td>{esc(t)}</td>"]
                for m in cols:
                    r = res[m]
                    cls = "r-good" if r["recall"] >= 0.95 else "r-mid" if r["recall"] >= 0.5 else "r-low"
                    cells.append(
                        f'<td class="num {cls}"><b>{100.0 * r["recall"]:.0f} %</b>'
                        f'<br><small>contaminated {100.0 * r["contaminated"]:.0f} % · FP {r["false_positives"]:,}</small></td>')
                rows.append("<tr>" + "".join(cells) + "</tr>")
            tables.append(
                f'<h3>{esc(bench["name"])} <small>{len(bench["items"]):,} items planted; '
                f'false positives counted among the other {bench["n_unplanted"]:,}</small></h3>'
                f'<div class="scroll"><table class="calibration"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')
        n_pool = cal.get("host_pool", {}).get("n_documents")
        pool = f" · hosts drawn from the first {n_pool:,} corpus documents" if isinstance(n_pool, int) else ""
        return (
            f'<section id="calibration"><h2>Calibration <small>K = {esc(cal["k"])} items per benchmark, '
            f'seed {esc(cal["seed"])}{pool}</small></h2>\n'
            '<p class="hint">Random benchmark items were planted into real corpus documents (verbatim at a random word '
            "boundary; embedded in the middle of a long document; rewrapped with a newline every 8 words; re-cased with "
            "ASCII punctuation changed; one word in 10 replaced) and scanned again with the same settings. Each cell: the "
            "share of planted items the method flags (not clean), the share it calls contaminated, and FP, the other "
            "items of the benchmark it flags in those documents.</p>\n" + "\n".join(tables) + "</section>"
        )

    # --------------------------------------------------------------- probe
    def probe_header(self) -> str:
        p = self.r["probe"]
        model = f"model <b>{esc(p['model'])}</b>" if p.get("model") else "no model (model-free tests only)"
        return (
            '<header class="top">\n<h1>Contamination probe</h1>\n'
            f'<p class="meta">{model} · seed {esc(p["seed"])}</p>\n'
            f'<p class="meta">Written {esc(self.r["created"])} by seenit {esc(self.r["tool"]["version"])} · '
            f'report.json schema_version {esc(self.r["schema_version"])} · page rendered by seenit {esc(renderer_version())}</p>\n'
            '<nav><a href="#probe">tests</a></nav>\n</header>'
        )

    def probe(self, p: Mapping[str, Any]) -> str:
        """One row per test: what it ran on, its statistic and p-value, and what that means."""
        rows = []
        for t in p["tests"]:
            pv = t["pvalue"]
            cls = ' class="num v-contaminated"' if pv is not None and pv < 0.05 else ' class="num"'
            rows.append(
                f'<tr><td>{esc(t["test"].replace("_", " "))}</td><td>{esc(t["on"])}</td>'
                f'<td class="num">{float(t["statistic"]):.4g}<br><small>{esc(PROBE_STATISTICS.get(t["test"], ""))}</small></td>'
                f'<td{cls}>{"–" if pv is None else f"{pv:.3g}"}</td><td>{esc(t["summary"])}</td></tr>')
        inputs = p.get("inputs") or {}
        files = " · ".join(f'{esc(k)}: {esc(v.get("file", ""))} ({esc(v.get("n_items", "?"))} items)'
                           for k, v in inputs.items() if isinstance(v, Mapping))
        table = ('<div class="scroll"><table class="probe"><thead><tr><th>Test</th><th>On</th><th class="num">Statistic</th>'
                 f'<th class="num">p-value</th><th>In plain words</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
                 if rows else '<p class="none">No test ran.</p>')
        return (
            f'<section id="probe"><h2>Probe: contamination tests on the model <small>{files}</small></h2>\n'
            '<p class="hint">Tests that need the model and the benchmark but not the training corpus (docs/probe.md). '
            "A small p-value is evidence; a large one is not evidence of a clean model: each test sees only one kind of "
            "trace.</p>\n" + table + "</section>"
        )

    # ----------------------------------------------------------- documents
    def documents(self) -> str:
        rows = []
        for key in sorted(self.cited_by, key=int):
            d = self.docs[key]
            refs = ", ".join(f'<a href="#{a}">{esc(label)}</a>' for a, label in self.cited_by[key])
            rows.append(
                f'<tr id="doc-{esc(key)}"><td class="num">{esc(key)}</td><td class="src">{esc(d["source"])}:{d["line"]}</td>'
                f'<td class="num">{len(d["text"]):,}</td><td>{refs}</td></tr>'
            )
        if not rows:
            return '<section id="documents"><h2>Cited corpus documents</h2><p class="none">None.</p></section>'
        return (
            '<section id="documents"><h2>Cited corpus documents <small>documents shown above, with their source file and line</small></h2>\n'
            '<div class="scroll"><table class="docs"><thead><tr><th class="num">doc</th><th>source:line</th>'
            f'<th class="num">chars kept</th><th>cited by items</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
        )


def _pct(k: int, n: int) -> str:
    return f"{100.0 * k / n:.2f} %" if n else "–"


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def _badge(verdict: str) -> str:
    return f'<span class="badge v-{verdict}">{verdict}</span>'


def _score(method: str, ev: Mapping[str, Any]) -> str:
    if method == "ngram":
        return f"{float(ev['value']):.2f}"
    if method == "minhash":
        return f"J {float(ev['jaccard']):.2f}"
    return f"cos {float(ev['cosine']):.2f}"


def _count_text(flagged: Sequence[Mapping[str, Any]]) -> str:
    counts = {v: sum(1 for it in flagged if it["verdict"] == v) for v in VERDICTS}
    return f"{counts['contaminated']:,} contaminated, {counts['partial']:,} partial"


def _verdict_bar(overall: Mapping[str, Any], n: int) -> str:
    if not n:
        return ""
    parts = []
    for v in ("contaminated", "partial", "clean"):
        k = overall[v]
        if k:
            w = max(1.5, 100.0 * k / n)
            parts.append(f'<span class="seg v-{v}" style="width:{w:.2f}%" title="{v}: {k:,}"></span>')
    return f'<div class="bar">{"".join(parts)}</div>'
