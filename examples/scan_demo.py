"""Generated data for README's `seenit scan` example (tests/test_examples.py runs it).

    python examples/scan_demo.py demo
    seenit scan --corpus demo/corpus --bench math=demo/math.jsonl:question \\
        --bench code=demo/code.csv:prompt --out demo/scan

writes demo/corpus/ (2,000 generated documents in two .jsonl.gz files) with benchmark items
planted in it, and two benchmarks: math.jsonl (word problems, field ``question``) and
code.csv (function stubs, column ``prompt``). Planted: math 0-2 verbatim inside longer
documents, math 3-4 with a number and a word changed, code 0 verbatim; the other items
appear nowhere. The same shape as tests/scan/test_scan_real.py's check on real GSM8K/HumanEval
items in real Pile documents, on data any machine can make.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import numpy as np

from seenit.demo import synthetic_corpus, vocabulary

NAMES = ["Janet", "Ravi", "Mina", "Tomas", "Aiko", "Bola", "Carmen", "Dmitri", "Elif", "Farah"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def math_items(n: int, rng: np.random.Generator, words: list[str]) -> list[str]:
    """Word problems: names, numbers and made-up nouns drawn at random, so two items share no long n-gram."""
    out = []
    for _ in range(n):
        a, b, c, e = (int(x) for x in rng.integers(3, 90, 4))
        who, other = rng.choice(NAMES, 2, replace=False)
        t1, t2, place, day = rng.choice(words, 3).tolist() + [str(rng.choice(DAYS))]
        out.append(f"{who} has {a} {t1} and buys {b} {t2} at the {place} on {day}. {who} then gives {c} {t1} "
                   f"to {other}, who already had {e} of them. How many {t1} does {other} have now, and how many "
                   f"{t2} would {who} need to have {a + e} {t2}?")
    return out


def code_items(n: int, rng: np.random.Generator, words: list[str]) -> list[str]:
    ops = ["sum", "product", "maximum", "minimum", "count of even numbers", "mean", "median", "range"]
    out = []
    for i in range(n):
        name, noun, extra = rng.choice(words, 3).tolist()
        out.append(f'def {name}_{noun}(values: list) -> float:\n    """Return the {ops[i % len(ops)]} of the {noun} '
                   f'values, or {int(rng.integers(0, 9))} when there are no {extra} values.\n    """\n')
    return out


def main(out: Path) -> None:
    rng = np.random.default_rng(0)
    docs = synthetic_corpus(2000, words_per_doc=120, dup_fraction=0.0, seed=7).docs
    words = vocabulary(3000, seed=11)
    math, code = math_items(40, rng, words), code_items(12, rng, words)
    for j in range(3):  # verbatim, in the middle of a document
        d = docs[100 * (j + 1)]
        cut = d.find(" ", len(d) // 2)
        docs[100 * (j + 1)] = d[:cut] + "\n\n" + math[j] + "\n\n" + d[cut:]
    for j in (3, 4):  # lightly edited: another first number, "How many" -> "How much"
        toks = math[j].split(" ")
        toks[2] = str(int(toks[2]) + 5)
        docs[900 + j] = "Q: " + " ".join(toks).replace("How many", "How much", 1)
    docs[1500] = docs[1500] + "\n\n" + code[0] + "    return sum(values) if values else 0\n"
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for k, part in enumerate((docs[:1000], docs[1000:])):
        with gzip.open(corpus / f"part-{k}.jsonl.gz", "wt", encoding="utf-8") as fh:
            fh.writelines(json.dumps({"text": t}) + "\n" for t in part)
    with open(out / "math.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"question": q, "answer": "#"}) + "\n" for q in math)
    with open(out / "code.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["task_id", "prompt"])
        w.writerows([i, p] for i, p in enumerate(code))
    print(f"wrote {corpus}/ (2000 documents), {out / 'math.jsonl'} (40 items), {out / 'code.csv'} (12 items)")
    print(f"now: seenit scan --corpus {corpus} --bench math={out / 'math.jsonl'}:question "
          f"--bench code={out / 'code.csv'}:prompt --out {out / 'scan'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "demo"))
