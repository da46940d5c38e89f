"""Regenerate docs/report.png: a real `seenit.scan` of generated data, its report.html, and a
headless Chromium screenshot of the page.

    python docs/make_report_png.py [--out docs/report.png] [--keep DIR]

The data are generated here: a corpus of short web-like pages, two benchmarks written for this
script (arithmetic word problems and Python function stubs), and some benchmark items planted
in the corpus verbatim, with light edits, or half of them. Needs Debian's `chromium` on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import seenit
from seenit.report import write_html

NAMES = ["Mara", "Tomas", "Ines", "Kofi", "Lena", "Ravi", "Yuki", "Omar", "Ada", "Jonas"]
THINGS = [("apples", "baskets"), ("stamps", "albums"), ("pencils", "boxes"), ("tiles", "rows"), ("eggs", "cartons"),
          ("marbles", "jars"), ("books", "shelves")]
TOPICS = ["the town council", "a local bakery", "the river trail", "a used bicycle", "the school library",
          "a winter storm", "the farmers market", "a new bus route", "the museum", "a garden club"]
VERBS = ["announced", "reviewed", "discussed", "postponed", "celebrated", "criticised", "funded", "photographed"]
TAILS = ["after a long meeting on Tuesday.", "despite the rain.", "for the third year in a row.",
         "with help from volunteers.", "to mixed reactions online.", "ahead of the holiday weekend."]
FUNCS = ["running_max", "count_vowels", "merge_sorted", "is_palindrome", "rotate_left", "chunk_list",
         "flatten_once", "dedupe_keep_order", "pairwise_sums", "longest_run"]


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(TOPICS).capitalize()} {rng.choice(VERBS)} {rng.choice(TOPICS)} {rng.choice(TAILS)}"


def page(rng: random.Random, n: int) -> str:
    return " ".join(sentence(rng) for _ in range(n))


def question(rng: random.Random) -> str:
    who, (obj, box) = rng.choice(NAMES), rng.choice(THINGS)
    a, b, c = rng.randint(3, 40), rng.randint(2, 12), rng.randint(1, 9)
    return (f"{who} has {a} {box} with {b} {obj} in each. {who} gives away {c} {box} to a neighbour and then "
            f"buys {a // 2 + 1} more {box}. How many {obj} does {who} have now?")


def stub(rng: random.Random, k: int) -> str:
    f = FUNCS[k % len(FUNCS)] + (f"_{k}" if k >= len(FUNCS) else "")
    arg = rng.choice(["values", "items", "xs", "numbers"])
    return (f"def {f}({arg}: list[int]) -> list[int]:\n    \"\"\"Return the {FUNCS[k % len(FUNCS)].replace('_', ' ')} "
            f"of {arg}, keeping the order of first appearance.\n    >>> {f}([3, 1, 4, 1, 5])\n    \"\"\"\n")


def write_data(d: Path, seed: int = 7) -> tuple[Path, dict[str, tuple[Path, str]]]:
    rng = random.Random(seed)
    docs = [page(rng, rng.randint(3, 9)) for _ in range(3000)]
    arith = [question(rng) for _ in range(160)]
    code = [stub(rng, k) for k in range(60)]
    slots = iter(rng.sample(range(len(docs)), 60))
    for i in range(0, len(arith), 9):  # verbatim inside a page
        j = next(slots)
        docs[j] = page(rng, 2) + " Practice problem: " + arith[i] + " Answer below. " + page(rng, 3)
    for i in range(4, len(arith), 23):  # light edits
        j = next(slots)
        docs[j] = "Homework forum. " + arith[i].replace(" and then buys", ", then purchases").replace("How many", "how many") + " I got 96, is that right?"
    for i in range(7, len(arith), 31):  # its first half only
        j = next(slots)
        docs[j] = page(rng, 1) + " " + arith[i][: len(arith[i]) // 2] + " ... " + page(rng, 2)
    for i in range(0, len(code), 8):  # a copied utility module
        j = next(slots)
        docs[j] = "# utils.py from a public repository\nimport itertools\n\n" + code[i] + "    out = []\n    for v in values:\n        out.append(v)\n    return out\n"
    corpus = d / "web-pages.jsonl"
    corpus.write_text("".join(json.dumps({"text": t}) + "\n" for t in docs), encoding="utf-8")
    a, c = d / "arith_test.jsonl", d / "pyfunc.jsonl"
    a.write_text("".join(json.dumps({"question": q}) + "\n" for q in arith), encoding="utf-8")
    c.write_text("".join(json.dumps({"prompt": p}) + "\n" for p in code), encoding="utf-8")
    return corpus, {"arith-test": (a, "question"), "pyfunc": (c, "prompt")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "report.png")
    ap.add_argument("--keep", type=Path, help="keep the data, report.json and report.html here")
    ap.add_argument("--size", default="1280,1900", help="browser window, WIDTH,HEIGHT")
    args = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found (apt-get install chromium)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="seenit-report-png-"))
    work.mkdir(parents=True, exist_ok=True)
    cwd = Path.cwd()
    os.chdir(work)  # relative paths: the page shows web-pages.jsonl:LINE, not a temporary directory
    try:
        corpus, benches = write_data(Path("."))
        report = seenit.scan(corpus, benches, methods=("ngram", "minhash"), out=Path("run"), html=False).to_dict()
    finally:
        os.chdir(cwd)
    html = work / "report.html"
    write_html(report, html)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={args.out.resolve()}", f"--window-size={args.size}", html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    print(f"{args.out} from {html}")
    if args.keep is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
