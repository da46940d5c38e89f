"""seenit.export_lm_eval_ngrams: a corpus' 13-grams in the directory lm-eval-harness'
``--decontamination_ngrams_path`` reads, checked by reading it back with lm-eval's own
decontamination code (it must flag exactly the benchmark items planted in the corpus)."""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path

import pytest

import seenit
from seenit.ngram.lm_eval_export import janitor_ngrams

QUESTIONS = [
    "Janet has three apples and buys seven more at the market on Monday; how many apples does she have now?",
    "A train leaves the station at noon travelling sixty miles per hour toward a city two hundred miles away.",
    "Write a function that returns the sum of the squares of all the odd numbers in a given list of integers.",
    "Short item with few words.",
    "The quick brown fox jumps over the lazy dog while the farmer counts his sheep in the green field today.",
]


def _corpus(tmp_path: Path) -> Path:
    docs = ["Some text before. " + QUESTIONS[0].upper() + " And after it, more words follow here.",
            "unrelated document about the weather in spring and the flowers that bloom " * 3,
            "Forum post: " + QUESTIONS[2].replace(",", "") + " thanks!",
            QUESTIONS[3] + " plus a few extra words to make it longer than thirteen words in all of it"]
    p = tmp_path / "corpus.jsonl"
    p.write_text("".join(json.dumps({"text": d}) + "\n" for d in docs), encoding="utf-8")
    return p


def test_janitor_normalisation_matches_lm_eval() -> None:
    janitor = pytest.importorskip("lm_eval.decontamination.janitor")
    text = "Hello, World! It's 3.5 — naïve CAFÉ; x_y (z)\n  tabs\tand  spaces " + string.punctuation
    assert janitor_ngrams(text, 3) == list(janitor.word_ngrams(janitor.Janitor().normalize_string(text), 3))
    assert janitor_ngrams("one two", 3) == []


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # lm-eval's reader leaves its files open
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_lm_eval_reads_the_export_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decontaminate = pytest.importorskip("lm_eval.decontamination.decontaminate")
    if shutil.which("zstd") is None:
        pytest.skip("lm-eval's reader decompresses with the zstd command")
    corpus = _corpus(tmp_path)
    full = seenit.export_lm_eval_ngrams(corpus, tmp_path / "full")
    small = seenit.export_lm_eval_ngrams(corpus, tmp_path / "small", only=QUESTIONS, buckets=3)
    assert json.loads((tmp_path / "full" / "info.json").read_text()) == {"ngram_size": 13}
    assert full["documents"] == small["documents"] == 4 and 0 < small["ngrams"] < full["ngrams"]
    assert len(small["files"]) == 3
    monkeypatch.chdir(tmp_path)  # lm-eval caches its lookups under ./data
    for out in ("full", "small"):
        shutil.rmtree(tmp_path / "data", ignore_errors=True)
        (tmp_path / "data").mkdir()
        got = decontaminate.get_train_overlap({("bench", "test"): QUESTIONS}, str(tmp_path / out), limit=len(QUESTIONS))
        assert got == {"bench": {0, 2}}, out  # the short item has no 13-gram; the others are not in the corpus


def test_export_refusals(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    seenit.export_lm_eval_ngrams(corpus, tmp_path / "x")
    with pytest.raises(ValueError, match="already exists"):
        seenit.export_lm_eval_ngrams(corpus, tmp_path / "x")
    seenit.export_lm_eval_ngrams(corpus, tmp_path / "x", overwrite=True, n=5)
    assert json.loads((tmp_path / "x" / "info.json").read_text()) == {"ngram_size": 5}
    with pytest.raises(ValueError, match="is a file"):
        seenit.export_lm_eval_ngrams(corpus, corpus, overwrite=True)
    with pytest.raises(ValueError, match="n must be"):
        seenit.export_lm_eval_ngrams(corpus, tmp_path / "y", n=0)
    with pytest.raises(TypeError, match="only must be a list"):
        seenit.export_lm_eval_ngrams(corpus, tmp_path / "y", only="text")
    with pytest.raises(FileNotFoundError):
        seenit.export_lm_eval_ngrams(tmp_path / "missing.jsonl", tmp_path / "y")
    assert not (tmp_path / "y").exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".y.")]


def test_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from seenit.cli import app

    corpus = _corpus(tmp_path)
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"question": q}) + "\n" for q in QUESTIONS), encoding="utf-8")
    res = CliRunner().invoke(app, ["lm-eval-ngrams", str(corpus), "--out", str(tmp_path / "ng"), "--bench", f"{bench}:question"])
    assert res.exit_code == 0, res.output
    want = seenit.export_lm_eval_ngrams(corpus, tmp_path / "api", only=QUESTIONS)
    assert f"{want['ngrams']:,} 13-grams of 4 documents" in " ".join(res.output.split())
    res = CliRunner().invoke(app, ["lm-eval-ngrams", str(corpus), "--out", str(tmp_path / "ng")])
    assert res.exit_code == 1 and res.output.count("error:") == 1 and "already exists" in res.output
