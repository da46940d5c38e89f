"""The corpus written back after a scan (seenit.scan.writeback): ``annotate`` adds the flagged items
each document holds; ``purify`` cuts them out with a margin, drops what is left too short or too
split, and keeps every other document byte for byte. Checked on the generated fixture, on every
rule of the cut, on refusals, and on real Pile documents with GSM8K / HumanEval items planted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import seenit
from _scan_fixtures import write_scan_fixture
from seenit.cli import app
from seenit.scan.writeback import PIECE_SEPARATOR, purify_text
from seenit.tokenize import Normalisation

NORM = Normalisation(lowercase=True, strip_punctuation=True, collapse_whitespace=True)


def _lines(path: Path) -> list[bytes]:
    op = gzip.open if path.suffix == ".gz" else open
    with op(path, "rb") as fh:
        return fh.read().splitlines(keepends=True)


def _ngrams(text: str, n: int) -> set[str]:
    w = NORM(text).split()
    return {" ".join(w[i : i + n]) for i in range(max(1, len(w) - n + 1))}


def test_purify_text_rules() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(2000))
    # one span: cut with the margin on both sides, the two pieces joined by the separator
    new, how = purify_text(text, [[1000, 1010]], 200, 200, 10)
    assert how == "cut" and new == text[:800] + PIECE_SEPARATOR + text[1210:]
    # margins clip at the ends; overlapping cuts merge
    assert purify_text(text, [[0, 5], [1990, 2000]], 200, 200, 10)[0] == text[205:1790]
    assert purify_text(text, [[500, 510], [700, 720]], 200, 200, 10)[0] == text[:300] + PIECE_SEPARATOR + text[920:]
    # fewer than min_chars left: dropped; more than max_pieces: dropped
    assert purify_text(text, [[150, 1850]], 200, 200, 10) == (None, "too_short")
    spans = [[k * 180, k * 180 + 1] for k in range(1, 12)]
    assert purify_text(text, spans, 10, 200, 10) == (None, "too_many_pieces")
    assert purify_text(text, spans, 10, 200, 12)[1] == "cut"
    assert purify_text(text, [[100, 101]], 0, 0, 10)[0] == text[:100] + PIECE_SEPARATOR + text[101:]


def test_annotate_and_purify_the_fixture(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    rep = seenit.scan(fx.corpus, fx.benchmarks, html=False, out=tmp_path / "run",
                      purify=tmp_path / "pure.jsonl.gz", annotate=tmp_path / "ann.jsonl")
    d = rep.to_dict()
    hosts = {doc for doc, _ in fx.planted.values()}
    assert d["purify"]["n_documents"] == 60 and d["purify"]["unchanged"] == 60 - len(hosts)
    assert d["purify"]["cut"] + d["purify"]["dropped"] == len(hosts)
    assert d["purify"]["dropped"] == d["purify"]["dropped_too_short"] + d["purify"]["dropped_too_many_pieces"]
    # the report on disk carries the blocks
    assert json.loads((tmp_path / "run" / "report.json").read_text())["purify"] == d["purify"]

    # annotate: every document, in order, with the field added; the planted ones name their item
    ann = [json.loads(line) for line in _lines(tmp_path / "ann.jsonl")]
    src = [json.loads(line) for line in _lines(fx.corpus)]
    assert [{k: v for k, v in a.items() if k != "seenit"} for a in ann] == src
    found = {(m["benchmark"], m["item"]): a["id"] for a in ann for m in a["seenit"]["matches"]}
    assert found == {k: doc for k, (doc, _) in fx.planted.items()}
    verbatim = next(m for m in ann[10]["seenit"]["matches"])
    assert verbatim["methods"][0] == "ngram" and verbatim["spans"]
    a0 = rep.items("alpha")[0]["text"]
    c0, c1 = verbatim["spans"][0]
    assert NORM(ann[10]["text"][c0:c1]).strip() == NORM(a0).strip()
    assert d["annotate"]["annotated"] == len(hosts)

    # purify: every other line byte for byte; the planted items' 8-grams gone
    pure = _lines(tmp_path / "pure.jsonl.gz")
    orig = _lines(fx.corpus)
    kept = {json.loads(line)["id"]: line for line in pure}
    assert len(kept) == 60 - d["purify"]["dropped"]
    for i, line in enumerate(orig):
        if i not in hosts:
            assert kept[i] == line
    corpus_grams = set().union(*(_ngrams(json.loads(line)["text"], 8) for line in pure))
    for (bench, item), _ in fx.planted.items():
        text = rep.items(bench)[item]["text"]
        assert not (_ngrams(text, 8) & corpus_grams), (bench, item)


def test_a_clean_scan_copies_the_corpus(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    bench = tmp_path / "other.jsonl"
    bench.write_text(json.dumps({"question": "nothing of this occurs anywhere in the corpus at all"}) + "\n")
    rep = seenit.scan(fx.corpus, {"o": (bench, "question")}, html=False, purify=tmp_path / "p.jsonl",
                      annotate=tmp_path / "a.jsonl")
    assert (tmp_path / "p.jsonl").read_bytes() == fx.corpus.read_bytes()
    assert rep.to_dict()["purify"]["items"] == 0 and rep.to_dict()["annotate"]["annotated"] == 0


def test_other_input_formats_are_written_as_json_rows(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    fx = write_scan_fixture(tmp_path / "fx")
    rows = [json.loads(line) for line in fx.corpus.read_text().splitlines()]
    seenit.scan(pa.Table.from_pylist(rows), fx.benchmarks, html=False, purify=tmp_path / "p.jsonl")
    out = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    hosts = {doc for doc, _ in fx.planted.values()}
    assert [r for r in out if r["id"] not in hosts] == [r for r in rows if r["id"] not in hosts]


def _dir(p: Path) -> Path:
    p.mkdir()
    return p


def test_refusals_before_any_work(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    run = tmp_path / "run"
    bad: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"purify": fx.corpus}, ValueError, "is also an input"),
        ({"purify": f"{fx.corpus}"}, ValueError, "is also an input"),
        ({"annotate": fx.benchmarks["alpha"][0]}, ValueError, "is also an input"),
        ({"purify": tmp_path / "x.jsonl", "annotate": tmp_path / "x.jsonl"}, ValueError, "same file"),
        ({"purify": tmp_path / "x.txt"}, ValueError, "must end in .jsonl"),
        ({"purify": tmp_path / "fx"}, ValueError, "must end in .jsonl"),
        ({"purify": _dir(tmp_path / "d.jsonl")}, ValueError, "is a directory"),
        ({"purify": 3}, TypeError, "purify must be a path"),
        ({"purify": tmp_path / "x.jsonl", "purify_margin": -1}, ValueError, "purify_margin"),
        ({"purify": tmp_path / "x.jsonl", "purify_max_pieces": 0}, ValueError, "purify_max_pieces"),
    ]
    for kw, err, msg in bad:
        with pytest.raises(err, match=msg):
            seenit.scan(fx.corpus, fx.benchmarks, out=run, html=False, **kw)
        assert not run.exists()  # nothing was started
    with pytest.raises(ValueError, match="not to a shard"):
        seenit.scan_shard(fx.corpus, fx.benchmarks, "0/2", out=tmp_path / "s", purify=tmp_path / "x.jsonl")
    assert not any(p.name.startswith(".x.jsonl") for p in tmp_path.iterdir())


def test_cli_flags(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    base = ["scan", "--corpus", str(fx.corpus), "--bench", f"alpha={fx.benchmarks['alpha'][0]}:question",
            "--no-progress"]
    res = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "r1"), "--purify", str(tmp_path / "p.jsonl"),
                                   "--annotate", str(tmp_path / "a.jsonl.zst"), "--purify-margin", "50"])
    assert res.exit_code == 0, res.output
    assert "purified corpus" in res.output and (tmp_path / "a.jsonl.zst").is_file()
    assert json.loads((tmp_path / "r1" / "report.json").read_text())["purify"]["margin_chars"] == 50
    res = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "r2"), "--purify", str(fx.corpus)])
    assert res.exit_code == 1 and "Traceback" not in res.output and res.output.count("error:") == 1
    assert "is also an input" in res.output


@pytest.mark.slow
def test_real_data_planted_items_purified(shared_data: Path, tmp_path: Path) -> None:
    """Real Pile documents with GSM8K-test and HumanEval items planted verbatim and edited
    (tests/scan/test_scan_real.py's corpus): every planted item found by n-grams is gone from
    the purified corpus, every document holding no flagged item is byte-identical, and the
    annotated corpus names exactly the planted (document, item) pairs."""
    from test_scan_real import build_corpus

    planted = build_corpus(shared_data, tmp_path)
    corpus = tmp_path / "corpus.jsonl"
    benches = {"gsm8k": (shared_data / "gsm8k" / "test.jsonl", "question"),
               "humaneval": (shared_data / "humaneval" / "HumanEval.jsonl.gz", "prompt")}
    rep = seenit.scan(corpus, benches, html=False, purify=tmp_path / "pure.jsonl", annotate=tmp_path / "ann.jsonl")
    cut = {(b, i): doc for b in ("gsm8k", "humaneval") for i, (doc, how) in planted[b].items()
           if how in ("verbatim", "edited")}
    ann = [json.loads(line) for line in _lines(tmp_path / "ann.jsonl")]
    found = {(m["benchmark"], m["item"]): k for k, a in enumerate(ann) for m in a["seenit"]["matches"]}
    assert found == cut
    hosts = set(cut.values())
    orig = _lines(corpus)
    pure = _lines(tmp_path / "pure.jsonl")
    d = rep.to_dict()["purify"]
    assert d["unchanged"] == len(orig) - len(hosts) and d["cut"] + d["dropped"] == len(hosts)
    assert [line for k, line in enumerate(orig) if k not in hosts] == [line for line in pure if line in set(orig)]
    pure_texts = [json.loads(line)["text"] for line in pure]
    grams = set().union(*(_ngrams(t, 13) for t in pure_texts))
    norm_all = "\n".join(NORM(t) for t in pure_texts)
    for (bench, item), doc in cut.items():
        planted_text = json.loads(orig[doc])["text"]
        item_text = rep.items(bench)[item]["text"]
        assert NORM(item_text).strip() not in norm_all, (bench, item)
        assert not (_ngrams(item_text, 13) & grams), (bench, item)
        # the host's own text before the cut and its margin survives, byte for byte
        c0 = min(sp[0] for m in ann[doc]["seenit"]["matches"] for sp in m["spans"])
        if c0 > 400:
            assert any(t.startswith(planted_text[: c0 - 200]) for t in pure_texts), (bench, item)


def test_merged_shards_write_back_the_whole_corpus(tmp_path: Path) -> None:
    fx = write_scan_fixture(tmp_path / "fx")
    whole = seenit.scan(fx.corpus, fx.benchmarks, html=False, purify=tmp_path / "w.jsonl", annotate=tmp_path / "wa.jsonl")
    half = fx.corpus.read_text().splitlines(keepends=True)
    parts = [tmp_path / "p0.jsonl", tmp_path / "p1.jsonl"]
    parts[0].write_text("".join(half[:30]))
    parts[1].write_text("".join(half[30:]))
    dirs = [seenit.scan_shard(parts, fx.benchmarks, f"{i}/2", out=tmp_path / f"s{i}").parent for i in range(2)]
    merged = seenit.merge_scan_shards(dirs, html=False, purify=tmp_path / "m.jsonl", annotate=tmp_path / "ma.jsonl")
    assert (tmp_path / "m.jsonl").read_bytes() == (tmp_path / "w.jsonl").read_bytes()
    assert (tmp_path / "ma.jsonl").read_bytes() == (tmp_path / "wa.jsonl").read_bytes()
    assert {k: v for k, v in merged.to_dict()["purify"].items() if k != "path"} == \
        {k: v for k, v in whole.to_dict()["purify"].items() if k != "path"}
    with pytest.raises(TypeError, match="unknown options: purifyy"):
        seenit.merge_scan_shards(dirs, purifyy=tmp_path / "m.jsonl")
