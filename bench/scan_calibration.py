"""Detection power of ``seenit scan`` under n-gram settings variants, measured with ``--calibrate``
(recall and false positives, not time): the MIMIR Pile test split (``--field original``) scanned for
GSM8K test, HumanEval, MBPP and TruthfulQA, K items of each planted in five forms
(seenit/scan/calibrate.py). Per variant: the calibration table, and the items each benchmark has
flagged in the real corpus (none of GSM8K, HumanEval or MBPP occurs in it; 3 short TruthfulQA
questions do verbatim), i.e. false positives on unplanted items at corpus scale.

    python bench/scan_calibration.py [--k 100] [--variants default,strip,...] [--out /tmp/scan_calibration]

Writes bench/results/scan_calibration.json (``--json`` to write elsewhere).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import seenit

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: name -> (strip_punctuation, scan() n-gram arguments). Names before 2026-12-08 (results files of
#: then) meant punctuation kept unless "strip" was in the name; since then stripping is the default.
VARIANTS: dict[str, tuple[bool, dict[str, Any]]] = {
    "default": (True, {}),  # punctuation stripped, 13-gram coverage + template-aware 8-gram near-copy rule
    "keep_punct": (False, {}),  # the default before 2026-12-08
    "near_off": (True, {"near_n": 0}),  # the 13-gram rule alone
    "near_at_0.4": (True, {"near_at": 0.4}),
    "near_at_0.3": (True, {"near_at": 0.3}),
    "n8": (True, {"n": 8}),
    "n6": (True, {"n": 6}),
    "clean_below_0.1": (True, {"clean_below": 0.1}),
}
BENCHES = {"gsm8k": ("gsm8k/test.jsonl", "question"), "humaneval": ("humaneval/HumanEval.jsonl.gz", "prompt"),
           "mbpp": ("mbpp/mbpp.jsonl", "text"), "truthfulqa": ("truthfulqa/TruthfulQA.csv", "Question")}


def run(name: str, k: int, out: Path, data: Path) -> dict[str, Any]:
    strip, kw = VARIANTS[name]
    t0 = time.perf_counter()
    rep = seenit.scan(sorted((data / "mimir_pile_nonmembers").glob("*.jsonl.gz")),
                      {b: (data / f, fld) for b, (f, fld) in BENCHES.items()}, field="original",
                      methods="ngram,minhash", out=out / ("strip" if strip else "plain"), calibrate=k, html=False,
                      strip_punctuation=strip, overwrite=True, **kw)
    d = rep.to_dict()
    flagged = {b: {"ngram": len(rep.flagged(b, "ngram")), "overall": len(rep.flagged(b))} for b in BENCHES}
    table = {b["name"]: {t: {m: {x: r[x] for x in ("recall", "contaminated", "false_positives")} for m, r in row.items()}
                         for t, row in b["results"].items()} for b in d["calibration"]["benchmarks"]}
    return {"strip_punctuation": strip, "ngram": d["settings"]["ngram"], "corpus_flagged": flagged,
            "calibration": table, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--out", type=Path, default=Path("/tmp/scan_calibration"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "scan_calibration.json")
    a = ap.parse_args()
    cpu = subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout.split(":")[-1]
    res: dict[str, Any] = {"k": a.k, "seed": 0, "host": cpu.strip() or platform.processor(),
                           "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                                    text=True).stdout.strip(), "variants": {}}
    for name in a.variants.split(","):
        res["variants"][name] = v = run(name, a.k, a.out, a.data)
        print(f"== {name} ({v['seconds']} s) corpus flagged (ngram/overall): "
              + ", ".join(f"{b} {f['ngram']}/{f['overall']}" for b, f in v["corpus_flagged"].items()))
        for b, rows in v["calibration"].items():
            print(f"  {b:11s}" + "".join(f" {t}: {100 * r['ngram']['recall']:.0f}/{100 * r['ngram']['contaminated']:.0f}"
                                         f"/fp{r['ngram']['false_positives']}" for t, r in rows.items()))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
