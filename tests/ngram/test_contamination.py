"""Contamination scans: verdict logic, recipes, CLI, and planted GSM8K items in real text."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest

from seenit import NgramIndex, contamination
from seenit.io import read_texts

WORDS = re.compile(r"\S+")


def coverage_after_edits(n_words: int, changed: set[int], n: int) -> float:
    """Expected covered fraction when only the n-grams avoiding ``changed`` words are
    in the corpus (plain Python, the definition in words)."""
    g = min(n, n_words)
    covered = [False] * n_words
    for j in range(n_words - g + 1):
        if not any(j <= c < j + g for c in changed):
            for k in range(j, j + g):
                covered[k] = True
    return sum(covered) / n_words


def replace_words(text: str, positions: set[int]) -> str:
    out, last = [], 0
    for i, m in enumerate(WORDS.finditer(text)):
        if i in positions:
            out.append(text[last : m.start()])
            out.append(f"qx{i}zq")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def verdict_for(cov: float) -> str:
    return "contaminated" if cov >= 0.8 else ("clean" if cov < 0.2 else "partial")


def test_small_verdicts_and_recipes(tmp_path):
    q = [
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
        "alpha beta gamma",  # short: checked as a whole
        "nothing here matches at all in this little corpus of words okay fine sure yes",
        "one two three four five six seven eight nine ten eleven twelve thirteen and then different words entirely x y z w",
    ]
    corpus = ["prefix " + q[0] + " suffix", "greek: alpha beta gamma!", "unrelated"]
    idx = NgramIndex.build(corpus, tmp_path / "i", progress=False)
    rep = contamination(q, idx)
    assert [it.index for it in rep.items] == [0, 1, 2, 3]
    assert [it.verdict for it in rep.items] == ["contaminated", "contaminated", "clean", "partial"]
    it0 = rep.items[0]
    assert (it0.n_units, it0.n_ngrams, it0.n_present, it0.covered_fraction) == (14, 2, 2, 1.0)
    assert it0.longest_match_text == q[0] and it0.longest_match_chars == len(q[0]) and it0.doc_ids == (0,)
    assert rep.items[1].doc_ids == (1,) and rep.items[1].n_ngrams == 1
    it3 = rep.items[3]
    assert it3.covered_fraction == pytest.approx(13 / 22) and it3.n_present == 1
    assert rep.summary == {"items": 4, "clean": 1, "clean_pct": 25.0, "partial": 1, "partial_pct": 25.0,
                           "contaminated": 2, "contaminated_pct": 50.0}
    gpt3 = contamination(q, idx, recipe="gpt3")
    assert [it.verdict for it in gpt3.items] == ["contaminated", "contaminated", "clean", "contaminated"]
    palm = contamination(q, idx, recipe="palm")
    assert palm.settings["n"] == 8 and palm.items[3].verdict == "clean"  # 6 of 15 8-grams < 70 %
    assert palm.items[3].ngram_fraction == pytest.approx(6 / 15)
    custom = contamination(q, idx, n=3, metric="ngram_fraction", clean_below=0.1, contaminated_at=0.9)
    assert custom.items[3].verdict == "partial"
    # JSON round trip
    rep.write(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"] == rep.summary and data["items"][0]["doc_ids"] == [0]
    assert data["settings"]["units"] == "words" and data["format_version"] == 1


def test_normalisation_applies_to_benchmark(tmp_path):
    idx = NgramIndex.build(["The Cat, sat on the mat; it was FAT."], tmp_path / "n", progress=False, lowercase=True,
                           strip_punctuation=True, collapse_whitespace=True)
    rep = contamination(["the cat sat  on THE mat it was fat"], idx, n=5)
    assert rep.items[0].verdict == "contaminated" and rep.items[0].covered_fraction == 1.0
    raw = NgramIndex.build(["The Cat, sat on the mat; it was FAT."], tmp_path / "r", progress=False)
    assert contamination(["the cat sat  on THE mat it was fat"], raw, n=5).items[0].verdict == "clean"


def test_token_index_units_are_tokens(tmp_path):
    idx = NgramIndex.build(["a b c d e f g", "x y"], tmp_path / "w", tokenizer="whitespace", progress=False)
    rep = contamination(["a b c d e f g h", "x y"], idx, n=3)
    assert rep.settings["units"] == "tokens"
    assert rep.items[0].n_ngrams == 6 and rep.items[0].n_present == 5
    assert rep.items[1].verdict == "contaminated"  # short item found as a whole


def test_bad_input(tmp_path):
    idx = NgramIndex.build(["a b c"], tmp_path / "i", progress=False)
    with pytest.raises(ValueError, match="method must be one of 'ngram'"):
        contamination(["a"], idx, method="embedding")
    with pytest.raises(ValueError, match="recipe must be one of"):
        contamination(["a"], idx, recipe="gpt5")
    with pytest.raises(ValueError, match="metric must be one of"):
        contamination(["a"], idx, metric="bleu")
    with pytest.raises(ValueError, match=r"clean_below must be a number in \[0, 1\]"):
        contamination(["a"], idx, clean_below=2)
    with pytest.raises(ValueError, match="clean_below .* must be <= contaminated_at"):
        contamination(["a"], idx, clean_below=0.9, contaminated_at=0.5)
    with pytest.raises(ValueError, match="n must be in"):
        contamination(["a"], idx, n=0)
    with pytest.raises(ValueError, match="benchmark holds no items"):
        contamination([], idx)
    with pytest.raises(TypeError, match=r"docs_or_paths\[0\] must be str"):
        contamination([3], idx)
    with pytest.raises(FileNotFoundError, match="index directory not found"):
        contamination(["a"], tmp_path / "missing")


def test_cli_index_build_and_contamination(tmp_path):
    from typer.testing import CliRunner

    from seenit.cli import app

    corpus = tmp_path / "corpus.jsonl"
    qs = ["how many apples does john have if he buys three more and eats two of them today",
          "a question that is nowhere in the corpus at all and should be reported clean by the scan"]
    corpus.write_text(json.dumps({"text": "story: " + qs[0] + " the end"}) + "\n" + json.dumps({"text": "other"}) + "\n")
    bench = tmp_path / "bench.jsonl"
    bench.write_text("".join(json.dumps({"question": q}) + "\n" for q in qs))
    r = CliRunner().invoke(app, ["index", "build", str(corpus), "--out", str(tmp_path / "idx")])
    assert r.exit_code == 0, r.output
    assert "documents" in r.output
    r = CliRunner().invoke(app, ["contamination", str(bench), "--index", str(tmp_path / "idx"), "--out",
                                 str(tmp_path / "rep.json")])
    assert r.exit_code == 0, r.output
    assert "contaminated" in r.output
    rep = json.loads((tmp_path / "rep.json").read_text())
    assert [it["verdict"] for it in rep["items"]] == ["contaminated", "clean"]
    r = CliRunner().invoke(app, ["index", "info", str(tmp_path / "idx"), "--verify"])
    assert r.exit_code == 0 and "checksums verified" in r.output
    (tmp_path / "idx" / "sa.bin").write_bytes(b"")
    r = CliRunner().invoke(app, ["index", "info", str(tmp_path / "idx")])
    assert r.exit_code == 1 and "error:" in r.output and "sa.bin" in r.output and "Traceback" not in r.output


@pytest.mark.slow
def test_planted_gsm8k_in_real_corpus(shared_data, tmp_path):
    """Plant GSM8K test questions into real Pile documents and Shakespeare: verbatim,
    with a few words changed, and half rewritten. Exactly the planted ones are found,
    each with the verdict and coverage its edits imply."""
    questions = read_texts(shared_data / "gsm8k" / "test.jsonl", field="question")
    docs: list[str] = []
    for name in ("wikipedia_(en)_0_test_raw.jsonl.gz", "pubmed_abstracts_0_test_raw.jsonl.gz"):
        with gzip.open(shared_data / "mimir_pile_nonmembers" / name, "rt", encoding="utf-8") as fh:
            docs += [json.loads(line)["original"] for line in fh]
    lines = (shared_data / "tinyshakespeare" / "input.txt").read_text().split("\n")
    docs += ["\n".join(lines[i : i + 40]) for i in range(0, len(lines), 40)]
    rng = np.random.default_rng(2024)
    long_q = [i for i, q in enumerate(questions) if len(q.split()) >= 30]
    chosen = rng.choice(long_q, 30, replace=False).tolist()
    verbatim, light, heavy = chosen[:10], chosen[10:20], chosen[20:]
    expected: dict[int, tuple[str, float]] = {}
    planted: list[tuple[int, str]] = []
    for i in verbatim:
        planted.append((i, questions[i]))
        expected[i] = ("contaminated", 1.0)
    for i in light:  # two words changed, at 1/3 and 2/3
        L = len(questions[i].split())
        ch = {L // 3, 2 * L // 3}
        planted.append((i, replace_words(questions[i], ch)))
        cov = coverage_after_edits(L, ch, 13)
        expected[i] = (verdict_for(cov), cov)
    for i in heavy:  # first half verbatim, every third word of the second half changed
        L = len(questions[i].split())
        ch = set(range(L // 2, L, 3))
        planted.append((i, replace_words(questions[i], ch)))
        cov = coverage_after_edits(L, ch, 13)
        expected[i] = (verdict_for(cov), cov)
    hosts = rng.choice(len(docs), len(planted), replace=False)
    for (i, text), h in zip(planted, hosts):
        d = docs[h]
        cut = d.find(" ", len(d) // 2)
        cut = cut if cut >= 0 else len(d)
        docs[h] = d[:cut] + " " + text + " " + d[cut:]
    idx = NgramIndex.build(docs, tmp_path / "corpus", progress=False)
    rep = contamination(questions, idx)
    got = {it.index: (it.verdict, it.covered_fraction) for it in rep.items if it.verdict != "clean"}
    want = {i: v for i, v in expected.items() if v[0] != "clean"}
    assert set(got) == set(want)
    for i, (verdict, cov) in want.items():
        assert got[i][0] == verdict
        assert got[i][1] == pytest.approx(cov)
    assert {v[0] for v in want.values()} >= {"contaminated", "partial"}
    host_of = {i: int(h) for (i, _), h in zip(planted, hosts)}
    for i in verbatim:
        it = rep.items[i]
        assert it.longest_match_text == questions[i] and host_of[i] in it.doc_ids
    # with all items any-13-gram (GPT-3), the heavily edited ones still count if any 13-gram survived
    gpt3 = contamination(questions, idx, recipe="gpt3")
    assert {it.index for it in gpt3.flagged()} == {i for i, (_, cov) in expected.items() if cov > 0}


@pytest.mark.slow
def test_gsm8k_train_not_flagged_against_test(shared_data, tmp_path):
    """GSM8K train and test share no question; an index of the test questions must not
    call any train question contaminated. The few partial hits are real shared 13-word
    templates, which the brute-force check below confirms."""
    test_q = read_texts(shared_data / "gsm8k" / "test.jsonl", field="question")
    idx = NgramIndex.build(test_q, tmp_path / "gsm_test", progress=False)
    rep = contamination(shared_data / "gsm8k" / "train.jsonl", idx)
    assert rep.summary["contaminated"] == 0
    assert rep.summary["partial"] <= 0.001 * len(rep)
    joined = "\n".join(test_q)
    for it in rep.flagged():
        assert it.longest_match_text in joined and it.n_present > 0
