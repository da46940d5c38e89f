"""The HTML report (seenit.report): structure, highlighted offsets, escaping, limits, validation,
and a real render in headless Chromium (skipped when chromium is not installed; .ci/run installs it)."""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _png import read_png, write_png
from _report_fixtures import ReportBuilder, embed_evidence, minhash_evidence, ngram_evidence, realistic_report

import seenit
from seenit.report import check_report, histogram_svg, render_html, write_html
from seenit.report.highlight import mark, merge_spans, shared_shingle_spans, window
from seenit.report.svg import histogram_counts


# ------------------------------------------------------------------------------ a tiny DOM
class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    @property
    def text(self) -> str:
        if self.tag == "br":
            return "\n"
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        out = []
        for n in self.iter():
            if tag and n.tag != tag:
                continue
            if cls and cls not in (n.attrs.get("class") or "").split():
                continue
            if all(n.attrs.get(k) == v for k, v in attrs.items()):
                out.append(n)
        return out

    def by_id(self, id_: str) -> Node:
        (n,) = self.find_all(id=id_)
        return n


_VOID = {"meta", "br", "link", "img", "input", "hr", "col", "source"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#root", {}, None)
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        n = Node(tag, dict(attrs), self.cur)
        self.cur.children.append(n)
        if tag not in _VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        assert self.cur.tag == tag, f"</{tag}> closes <{self.cur.tag}>"
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(page: str) -> Node:
    b = _Builder()
    b.feed(page)
    b.close()
    assert b.cur is b.root, f"unclosed <{b.cur.tag}>"
    assert b.doctype and b.doctype.lower() == "doctype html"
    return b.root


# ------------------------------------------------------------------------------ fixtures
def small_report(n_clean: int = 4) -> tuple[dict, dict]:
    """One benchmark: a verbatim item matched inside an excerpted document, a partial one flagged
    by MinHash only, and ``n_clean`` clean ones. Returns (report, facts)."""
    rb = ReportBuilder(methods=("ngram", "minhash"))
    doc_full = "Header text. " * 20 + "The quick brown fox jumps over the lazy dog near the river bank today." + " Footer." * 10
    excerpt_start = 200
    doc_text = doc_full[excerpt_start:]
    d0 = rb.doc(doc_text, "corpus/web.jsonl", 41, excerpt_start=excerpt_start)
    d1 = rb.doc("a page that repeats: one two three four five six seven eight nine ten, and more", "corpus/other.jsonl", 7)
    bench = rb.benchmark("toy", "toy_test.jsonl", "question")
    item = "Q: The quick brown fox jumps over the lazy dog near the river. Why?"
    m_item = item.index("quick brown")
    m_len = len("quick brown fox jumps over the lazy dog near the river")
    m_doc = doc_full.index("quick brown")
    match = {"doc_id": d0, "doc_start": m_doc, "doc_end": m_doc + m_len, "item_start": m_item, "item_end": m_item + m_len}
    spans = [[3, m_item + m_len]]
    rb.item(bench, item, ngram=ngram_evidence(0.9, spans=spans, match=match), minhash=minhash_evidence(0.1, None))
    rb.item(bench, "one two three four five six seven eight nine ten", minhash=minhash_evidence(0.42, d1))
    for k in range(n_clean):
        rb.item(bench, f"clean item number {k}")
    facts = {"item": item, "match": match, "spans": spans, "doc_full": doc_full, "doc_id": d0}
    return rb.build(), facts


def marks(node: Node) -> list[tuple[str, int, str]]:
    return [(m.attrs["class"], int(m.attrs["data-o"]), m.text) for m in node.find_all("mark")]


# ------------------------------------------------------------------------------ structure
def test_summary_table_shows_the_reports_numbers_and_thresholds():
    report, _ = small_report(n_clean=5)  # 7 items: 1 contaminated, 1 partial, 5 clean
    s = report["benchmarks"][0]["summary"]
    assert s["overall"] == {"clean": 5, "partial": 1, "contaminated": 1}
    root = parse(render_html(report))
    table = root.by_id("summary").find_all("table", "summary")[0]
    head = " ".join(th.text for th in table.find_all("th"))
    assert "13-gram coverage ≥ 0.8, partial ≥ 0.2" in head and "Jaccard ≥ 0.5, partial ≥ 0.3" in head
    (row,) = table.find_all("tbody")[0].find_all("tr")
    cells = [re.sub(r"\s+", " ", td.text).strip() for td in row.find_all("td")]
    assert cells[0] == "toy" and cells[1] == "7"
    assert cells[2] == "14.29 % (1) partial 0.00 % (0)"  # n-gram: 1 contaminated of 7
    assert cells[3] == "0.00 % (0) partial 14.29 % (1)"  # MinHash: 1 partial
    assert cells[4:7] == [f"{s['percent']['contaminated']:.2f} % (1)", f"{s['percent']['partial']:.2f} % (1)",
                          f"{s['percent']['clean']:.2f} % (5)"]


def test_summary_uses_the_reports_counts_not_a_recount():
    report, _ = small_report()
    report["benchmarks"][0]["summary"]["percent"]["contaminated"] = 12.34  # the report is the source of truth
    assert "12.34 %" in render_html(report)


def test_matched_spans_are_highlighted_at_the_right_offsets_on_both_sides():
    report, f = small_report()
    root = parse(render_html(report))
    card = root.by_id("b0-i0")
    item_pre, doc_pre = card.find_all("pre", "text")
    item, match = f["item"], f["match"]
    # the item: covered span [3, end of match) light, the match itself on top
    assert marks(item_pre) == [
        ("hl-cover", 3, item[3 : match["item_start"]]),
        ("hl-cover hl-match", match["item_start"], item[match["item_start"] : match["item_end"]]),
    ]
    assert item_pre.text == item
    # the document: offsets are document offsets, the text shown is an excerpt starting at 200
    doc_marks = [m for m in marks(doc_pre) if "hl-match" in m[0]]
    assert doc_marks == [(doc_marks[0][0], match["doc_start"], f["doc_full"][match["doc_start"] : match["doc_end"]])]
    assert f["doc_full"][match["doc_start"] : match["doc_end"]] in doc_pre.text
    # the source document and its line, linked to the document index within the page
    link = card.find_all("a", href=f"#doc-{f['doc_id']}")[0]
    assert link.text == "corpus/web.jsonl:41"
    row = root.by_id(f"doc-{f['doc_id']}")
    assert "corpus/web.jsonl:41" in row.text and row.find_all("a", href="#b0-i0")
    assert "toy_test.jsonl:1" in card.find_all("div", "head")[0].text


def test_minhash_only_match_marks_shared_word_ngrams_on_both_sides():
    report, _ = small_report()
    card = parse(render_html(report)).by_id("b0-i1")
    item_pre, doc_pre = card.find_all("pre", "text")
    ((cls, off, text),) = marks(item_pre)
    assert cls == "hl-shared" and off == 0 and text == "one two three four five six seven eight nine ten"
    ((cls, off, text),) = marks(doc_pre)
    assert cls == "hl-shared" and text == "one two three four five six seven eight nine ten"
    assert report["documents"]["1"]["text"][off : off + len(text)] == text


def test_untrusted_text_is_escaped():
    rb = ReportBuilder(methods=("ngram", "minhash"))
    evil = "<script>alert('item')</script> & <img src=x onerror=alert(1)>"
    d = rb.doc(f"corpus says {evil} too", "<b>corpus</b>.jsonl", 3)
    bench = rb.benchmark("<script>bench</script>", "x\" onmouseover=\"alert(1).jsonl", "q<i>")
    i0 = len("corpus says ")
    match = {"doc_id": d, "doc_start": i0, "doc_end": i0 + len(evil), "item_start": 0, "item_end": len(evil)}
    rb.item(bench, evil, ngram=ngram_evidence(1.0, spans=[[0, len(evil)]], match=match))
    page = render_html(rb.build())
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>corpus" not in page
    assert "&lt;script&gt;alert(&#x27;item&#x27;)&lt;/script&gt;" in page
    root = parse(page)
    assert not root.find_all("script") and not root.find_all("img") and not root.find_all("i")
    assert not [n for n in root.iter() if any(k.startswith("on") for k in n.attrs)]
    # the escaped text reads back exactly
    assert [m[2] for m in marks(root.by_id("b0-i0"))] == [evil, evil]


def test_flagged_items_are_capped_and_the_omitted_count_is_stated():
    rb = ReportBuilder(methods=("ngram", "minhash"))
    d = rb.doc("some corpus text", "c.jsonl", 1)
    bench = rb.benchmark("big")
    for k in range(30):
        v = 0.9 if k % 3 == 0 else 0.5 if k % 3 == 1 else 0.0  # 10 contaminated, 10 partial, 10 clean
        match = {"doc_id": d, "doc_start": 0, "doc_end": 4, "item_start": 0, "item_end": 4}
        rb.item(bench, f"item {k} text", ngram=ngram_evidence(v, spans=[[0, 4]], match=match) if v else ngram_evidence(0.0))
    report = rb.build()
    root = parse(render_html(report, max_items=12))
    cards = root.find_all("article", "item")
    assert len(cards) == 12
    # contaminated first (all 10), then partial, each in benchmark order
    assert [c.attrs["id"] for c in cards] == [f"b0-i{k}" for k in range(0, 30, 3)] + ["b0-i1", "b0-i4"]
    (note,) = root.find_all("p", "omitted")
    assert note.attrs["data-omitted"] == "8" and note.text.startswith("8 more flagged items not shown")
    root = parse(render_html(report))  # default cap 200: all shown, no note
    assert len(root.find_all("article", "item")) == 20 and not root.find_all("p", "omitted")
    assert len(parse(render_html(report, max_items=0)).find_all("article", "item")) == 0


def test_long_documents_and_items_are_cut_around_the_match():
    rb = ReportBuilder(methods=("ngram",))
    doc = "x" * 50_000 + "NEEDLE IN THE HAYSTACK" + "y" * 50_000
    d = rb.doc(doc)
    bench = rb.benchmark("b")
    s = doc.index("NEEDLE")
    item = "NEEDLE IN THE HAYSTACK " + "z" * 20_000
    match = {"doc_id": d, "doc_start": s, "doc_end": s + 22, "item_start": 0, "item_end": 22}
    rb.item(bench, item, ngram=ngram_evidence(0.9, spans=[[0, 22]], match=match))
    page = render_html(rb.build(), context_chars=100, max_item_chars=500)
    assert len(page) < 20_000
    item_pre, doc_pre = parse(page).by_id("b0-i0").find_all("pre", "text")
    assert doc_pre.text == "…" + doc[s - 100 : s + 22 + 100] + "…"
    assert item_pre.text == item[:500] + "…"


def test_no_external_resources():
    page = render_html(realistic_report())
    root = parse(page)
    refs = [(n.tag, k, v) for n in root.iter() for k, v in n.attrs.items() if k in ("src", "href", "srcset", "action", "data")]
    assert refs and all(v.startswith("#") for _, _, v in refs), [r for r in refs if not r[2].startswith("#")][:5]
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert not root.find_all("script") and not root.find_all("link") and "@import" not in page and "url(" not in page
    # every in-page link points at an element of the page
    ids = {n.attrs["id"] for n in root.iter() if "id" in n.attrs}
    assert {v[1:] for _, _, v in refs} <= ids


def test_page_carries_schema_and_seenit_versions_and_histograms():
    report = realistic_report(mia=False)
    root = parse(render_html(report))
    metas = {m.attrs.get("name"): m.attrs.get("content") for m in root.find_all("meta")}
    assert metas["seenit-report-schema-version"] == "1" and metas["generator"] == f"seenit {seenit.__version__}"
    assert metas["seenit-report-tool-version"] == report["tool"]["version"]
    section = root.by_id("b0")
    titles = [s.attrs["aria-label"] for s in section.find_all("svg")]
    assert titles == ["n-gram overlap", "Near-duplicate similarity (MinHash)"]
    assert not root.find_all(id="mia")


def test_roc_curves_when_mia_is_present():
    report = realistic_report(mia=True)
    root = parse(render_html(report))
    mia = root.by_id("mia")
    assert len(mia.find_all("polyline")) == len(report["mia"]["methods"]) == 3
    assert "mink_0.2 (AUROC 0.710)" in mia.text


def test_embed_evidence_is_shown():
    rb = ReportBuilder(methods=("ngram", "minhash", "embed"))
    d = rb.doc("A paraphrase of the problem, reworded entirely.", "c.jsonl", 9)
    bench = rb.benchmark("b")
    rb.item(bench, "The problem, as written in the benchmark.", embed=embed_evidence(0.95, [d]))
    rb.item(bench, "unrelated")
    root = parse(render_html(rb.build()))
    card = root.by_id("b0-i0")
    assert "embedding: cos 0.95" in card.text and card.find_all("a", href=f"#doc-{d}")
    assert "cosine ≥ 0.9, partial ≥ 0.8" in root.by_id("summary").text
    assert [s.attrs["aria-label"] for s in root.by_id("b0").find_all("svg")][-1] == "Embedding similarity"


def test_write_html_is_atomic_and_complete(tmp_path):
    report = realistic_report()
    out = tmp_path / "sub" / "report.html"
    write_html(report, out)
    assert out.read_text(encoding="utf-8") == render_html(report)
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]  # no temporary file left behind


# ------------------------------------------------------------------------------ bad reports
def _broken(edit) -> dict:
    report, _ = small_report()
    report = copy.deepcopy(report)
    edit(report)
    return report


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(schema_version=2), r"schema_version 2 is not supported"),
        (lambda r: r.update(schema_version="1"), r"schema_version '1' is not supported"),
        (lambda r: r.pop("schema_version"), r"missing required field 'schema_version'"),
        (lambda r: r.pop("benchmarks"), r"report: missing required field 'benchmarks'"),
        (lambda r: r.pop("documents"), r"missing required field 'documents'"),
        (lambda r: r["tool"].pop("version"), r"report.tool: missing required field 'version'"),
        (lambda r: r["settings"].pop("minhash"), r"report.settings: missing required field 'minhash'"),
        (lambda r: r["settings"]["methods"].append("magic"), r"unknown method 'magic'"),
        (lambda r: r["benchmarks"][0]["items"][2].pop("text"), r"benchmarks\[0\]\.items\[2\]: missing required field 'text'"),
        (lambda r: r["benchmarks"][0]["items"][1].update(verdict="dirty"), r"items\[1\]\.verdict must be one of"),
        (lambda r: r["benchmarks"][0]["items"][0]["evidence"]["ngram"].pop("covered_spans"), r"evidence\.ngram: missing required field 'covered_spans'"),
        (lambda r: r["benchmarks"][0]["items"][0]["evidence"]["ngram"]["covered_spans"].append([5, 999]), r"covered_spans\[1\] \[5, 999\) is not inside the text"),
        (lambda r: r["benchmarks"][0]["items"][0]["evidence"]["ngram"]["match"].update(item_end=2), r"item_start/item_end \[\d+, 2\) is not inside"),
        (lambda r: r["documents"].pop("0"), r"cites document 0, which report.documents does not hold"),
        (lambda r: r["benchmarks"][0]["items"].pop(), r"summary.items is 6 but items has 5 entries"),
        (lambda r: r["benchmarks"][0]["summary"].pop("by_method"), r"summary: missing required field 'by_method'"),
        (lambda r: r["benchmarks"][0]["items"][0].update(line="1"), r"items\[0\]\.line must be int, got str"),
        (lambda r: r.update(mia={"methods": {"loss": {"auroc": 0.5, "fpr": [0, 1], "tpr": [0]}}}), r"fpr and tpr must be non-empty and of equal length"),
    ],
)
def test_invalid_reports_raise_before_writing(tmp_path, edit, message):
    report = _broken(edit)
    out = tmp_path / "report.html"
    with pytest.raises(ValueError, match=message):
        write_html(report, out)
    assert not out.exists() and not list(tmp_path.iterdir())


def test_non_dict_report_and_bad_options():
    with pytest.raises(TypeError, match="report must be a dict"):
        render_html([1, 2])  # type: ignore[arg-type]
    report, _ = small_report()
    with pytest.raises(ValueError, match="max_items must be in 0..inf"):
        render_html(report, max_items=-1)
    with pytest.raises(TypeError, match="context_chars must be an int"):
        render_html(report, context_chars=1.5)  # type: ignore[arg-type]


def test_report_survives_a_json_round_trip_and_ignores_unknown_fields():
    report, _ = small_report()
    r2 = json.loads(json.dumps(report))
    r2["a_future_field"] = {"x": 1}
    r2["benchmarks"][0]["items"][0]["evidence"]["future_method"] = {"whatever": True}
    check_report(r2)
    assert render_html(r2) == render_html(report)


# ------------------------------------------------------------------------------ helpers vs references
def _mask(n: int, spans) -> np.ndarray:
    m = np.zeros(n, bool)
    for s, e in spans:
        m[max(0, s) : max(0, e)] = True
    return m


span_lists = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=8)


@given(spans=span_lists)
def test_merge_spans_matches_a_character_mask(spans):
    merged = merge_spans(spans)
    assert np.array_equal(_mask(61, merged), _mask(61, spans))
    assert all(e > s for s, e in merged) and all(a[1] < b[0] for a, b in zip(merged, merged[1:]))


@given(text=st.text(alphabet="ab<&> \n\"'é", min_size=0, max_size=60), layer1=span_lists, layer2=span_lists,
       lo=st.integers(0, 60), width=st.integers(0, 60), offset=st.integers(0, 5))
def test_mark_recovers_text_and_marks_exactly_the_spans(text, layer1, layer2, lo, width, offset):
    hi = lo + width
    shown_lo, shown_hi = min(lo, len(text)), min(hi, len(text))
    out = mark(text, [([(s + offset, e + offset) for s, e in layer1], "a"), ([(s + offset, e + offset) for s, e in layer2], "b")],
               shown=(lo, hi), offset=offset)
    root = parse("<!DOCTYPE html><pre>" + out + "</pre>")
    got = root.text.removeprefix("…") if shown_lo > 0 else root.text
    got = got.removesuffix("…") if shown_hi < len(text) else got
    assert got == text[shown_lo:shown_hi]
    for cls, spans in (("a", layer1), ("b", layer2)):
        want = _mask(len(text), spans)[shown_lo:shown_hi]
        have = np.zeros(len(text), bool)
        for m in root.find_all("mark"):
            o = int(m.attrs["data-o"]) - offset
            assert text[o : o + len(m.text)] == m.text
            if cls in m.attrs["class"].split():
                have[o : o + len(m.text)] = True
        assert np.array_equal(have[shown_lo:shown_hi], want)


def test_window_and_shared_shingles():
    assert window(1000, (500, 510), 100) == (400, 610)
    assert window(1000, (5, 990), 100) == (0, 1000)
    assert window(50, None, 100) == (0, 50)
    a, b = shared_shingle_spans("x one two three four five y", "One two three four five!", k=5)
    assert a == [(2, 25)] and b == [(0, 23)]
    assert shared_shingle_spans("one two", "three four", k=5) == ([], [])


@given(st.lists(st.floats(-0.5, 1.5, allow_nan=False), max_size=200), st.integers(1, 40))
def test_histogram_counts_match_numpy(values, bins):
    want, _ = np.histogram(np.clip(values, 0, 1), bins=bins, range=(0, 1))  # numpy's last bin is closed, like ours
    got = histogram_counts(values, bins)
    # numpy puts a value on an inner edge in the bin above, as int(x * bins) does, up to float rounding at edges
    exact = [v for v in np.clip(values, 0, 1) if abs(v * bins - round(v * bins)) > 1e-9 or v in (0.0, 1.0)]
    if len(exact) == len(values):
        assert got == want.tolist()
    assert sum(got) == len(values)


def test_histogram_svg_is_well_formed_and_escaped():
    import xml.etree.ElementTree as ET

    svg = histogram_svg([0.0, 0.0, 0.5, 1.0], title="<t&>", xlabel="x", partial_at=0.2, contaminated_at=0.8)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}rect")) == 3  # three non-empty bins
    assert root.attrib["aria-label"] == "<t&>"


# ------------------------------------------------------------------------------ a real browser
def _png_rows(pixels: np.ndarray, filters: list[int]) -> bytes:
    """Encode rows with the given PNG filter types (a plain reference encoder)."""
    h, w, c = pixels.shape
    rows = pixels.reshape(h, w * c).astype(np.int32)
    out = bytearray()
    for y in range(h):
        f, cur = filters[y % len(filters)], rows[y]
        prev = rows[y - 1] if y else np.zeros_like(cur)
        left = np.concatenate([np.zeros(c, np.int32), cur[:-c]])
        upleft = np.concatenate([np.zeros(c, np.int32), prev[:-c]])
        if f == 0:
            pred = np.zeros_like(cur)
        elif f == 1:
            pred = left
        elif f == 2:
            pred = prev
        elif f == 3:
            pred = (left + prev) // 2
        else:
            p = left + prev - upleft
            pa, pb, pc = abs(p - left), abs(p - prev), abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, prev, upleft))
        out += bytes([f]) + ((cur - pred) & 0xFF).astype(np.uint8).tobytes()
    return bytes(out)


@pytest.mark.parametrize("channels", [3, 4])
def test_png_reader_decodes_every_filter_type(tmp_path, channels):
    import struct

    rng = np.random.default_rng(channels)
    pixels = rng.integers(0, 256, (10, 7, channels), dtype=np.uint8)
    body = _png_rows(pixels, [0, 1, 2, 3, 4])

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour = {3: 2, 4: 6}[channels]
    p = tmp_path / "t.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 7, 10, 8, colour, 0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b""))
    assert np.array_equal(read_png(p), pixels)
    write_png(tmp_path / "w.png", pixels[..., :3])
    assert np.array_equal(read_png(tmp_path / "w.png"), pixels[..., :3])


def screenshot(page: Path, png: Path, size: str = "1280,1600") -> np.ndarray:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (CI installs Debian's chromium)")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={png}",
           f"--window-size={size}", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and png.is_file(), proc.stderr[-2000:]
    return read_png(png)


def test_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    write_html(realistic_report(), page)
    img = screenshot(page, tmp_path / "report.png")[..., :3]
    assert img.shape == (1600, 1280, 3)
    flat = img.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[np.argmax(counts)]
    assert len(colours) > 200  # text antialiasing, badges, bars, highlights
    assert (flat != background).any(axis=1).mean() > 0.15  # a page, not an empty canvas
    # the verdict colours are on screen: the contaminated red of the badges and bars
    red = (np.abs(flat.astype(int) - [0xC8, 0x37, 0x2D]).sum(axis=1) < 30).sum()
    assert red > 200


def test_blank_page_screenshot_is_recognised_as_blank(tmp_path):
    """The checks above can fail: an empty page gives one colour."""
    page = tmp_path / "blank.html"
    page.write_text("<!DOCTYPE html><html><body></body></html>")
    img = screenshot(page, tmp_path / "blank.png", size="320,200")[..., :3]
    assert len(np.unique(img.reshape(-1, 3), axis=0)) < 5


# ------------------------------------------------------------------------------ a real scan
def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def test_real_scan_report_renders_with_matches_highlighted_on_both_sides(tmp_path):
    from _scan_fixtures import write_scan_fixture

    fx = write_scan_fixture(tmp_path / "fixture")
    rep = seenit.scan(fx.corpus, fx.benchmarks, methods=("ngram", "minhash", "embed"), embed="hashed", out=tmp_path / "run")
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert rep.html is not None and page == render_html(report)  # seenit scan writes the page through write_html
    root = parse(page)
    names = [b["name"] for b in report["benchmarks"]]
    cards = {c.attrs["id"] for c in root.find_all("article", "item")}
    flagged = {f"b{b}-i{it['index']}" for b, bench in enumerate(report["benchmarks"]) for it in bench["items"] if it["verdict"] != "clean"}
    assert cards == flagged
    assert {f"b{names.index(name)}-i{i}" for name, i in fx.planted} <= cards
    n_matches = 0
    for b, bench in enumerate(report["benchmarks"]):
        for it in bench["items"]:
            match = it["evidence"]["ngram"]["match"]
            if it["verdict"] == "clean" or match is None or it["evidence"]["ngram"]["verdict"] == "clean":
                continue
            item_pre, doc_pre = root.by_id(f"b{b}-i{it['index']}").find_all("pre", "text")[:2]
            item_hit = [m for m in item_pre.find_all("mark") if "hl-match" in m.attrs["class"].split()]
            doc_hit = [m for m in doc_pre.find_all("mark") if "hl-match" in m.attrs["class"].split()]
            assert "".join(m.text for m in item_hit) == it["text"][match["item_start"] : match["item_end"]]
            # the scan matches normalised text, so both highlighted passages agree after normalisation
            assert _norm("".join(m.text for m in doc_hit)) == _norm("".join(m.text for m in item_hit)) != ""
            n_matches += 1
    assert n_matches >= 3


@given(st.lists(st.sampled_from(["a", "b", "c", "B"]), max_size=14), st.lists(st.sampled_from(["a", "b", "c", "A"]), max_size=14),
       st.integers(1, 4))
def test_shared_shingle_spans_match_brute_force(wa, wb, k):
    a, b = " ".join(wa), "  ".join(wb)
    def words(t):
        return [(m.group().lower(), m.start(), m.end()) for m in re.finditer(r"\w+", t)]
    xa, xb = words(a), words(b)
    kk = min(k, len(xa), len(xb))
    want_a, want_b = [], []
    for i in range(len(xa) - kk + 1 if kk else 0):
        for j in range(len(xb) - kk + 1):
            if [w for w, _, _ in xa[i : i + kk]] == [w for w, _, _ in xb[j : j + kk]]:
                want_a.append((xa[i][1], xa[i + kk - 1][2]))
                want_b.append((xb[j][1], xb[j + kk - 1][2]))
    assert shared_shingle_spans(a, b, k) == (merge_spans(want_a), merge_spans(want_b))
