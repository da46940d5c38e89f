"""python -m tests.fuzz {list | all | TARGET} [--runs N] [--seed S] [--max-time SEC] ...

    list                       the targets, their area and the entry points they cover
    TARGET --runs N            one libFuzzer session (this process); rc != 0 on a finding
    all --runs N [-j 2]        every target (or --area AREA), each in its own process, with a table
    TARGET --repro FILE...     run saved inputs (e.g. an artifact) in process and show the traceback
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import load_targets
from .runner import REPO, fuzz, run_all, run_input


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", help="a target name, 'all' or 'list'")
    ap.add_argument("corpus", nargs="*", help="libFuzzer corpus directories / files (single target)")
    ap.add_argument("--runs", type=int, default=0, help="inputs per target (0: until --max-time)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-time", type=int, default=0, help="seconds per target (0: no limit)")
    ap.add_argument("--timeout", type=int, default=10, help="per-input time limit in seconds (hang detection)")
    ap.add_argument("--max-len", type=int, default=2048, help="longest fuzzer input in bytes")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="processes at a time for 'all'")
    ap.add_argument("--area", action="append", help="with 'all': only targets of this area (repeatable)")
    ap.add_argument("--only", action="append", help="with 'all': only this target (repeatable)")
    ap.add_argument("--nice", type=int, default=0, help="with 'all': run each target under nice -n")
    ap.add_argument("--artifacts", type=Path, default=REPO / "build" / "fuzz-artifacts",
                    help="where crashing inputs and logs are written")
    ap.add_argument("--json", type=Path, help="with 'all': write the per-target counts here")
    ap.add_argument("--markdown", action="store_true", help="with 'list': a Markdown table")
    ap.add_argument("--repro", nargs="+", type=Path, help="run these input files in process")
    a = ap.parse_args(argv)

    targets = load_targets()
    if a.target == "list":
        rows = sorted(targets.values(), key=lambda t: (t.area, t.name))
        if a.markdown:  # the table in docs/reliability.md
            print("| target | area | entry points | checks |\n|---|---|---|---|")
            for t in rows:
                covers = ", ".join(f"`{c}`" for c in t.covers)
                print(f"| `{t.name}` | {t.area} | {covers} | {t.doc.replace('|', '/')} |")
            return 0
        for t in rows:
            print(f"{t.name:<34} {t.area:<8} {', '.join(t.covers)}")
        return 0
    if a.target == "all":
        if not a.runs and not a.max_time:
            ap.error("'all' needs --runs or --max-time")
        names = sorted(n for n, t in targets.items()
                       if (not a.area or t.area in a.area) and (not a.only or n in a.only))
        return run_all(names, runs=a.runs, seed=a.seed, max_time=a.max_time, timeout=a.timeout, max_len=a.max_len,
                       jobs=a.jobs, artifacts=a.artifacts, json_out=a.json, nice=a.nice)
    if a.target not in targets:
        ap.error(f"unknown target {a.target!r}; see 'python -m tests.fuzz list'")
    if a.repro:
        rc = 0
        for f in a.repro:
            try:
                print(f"{f}: {run_input(targets[a.target], f.read_bytes())}")
            except BaseException:  # noqa: BLE001 - show whatever the finding is
                traceback.print_exc()
                rc = 1
        return rc
    if not a.runs and not a.max_time:
        ap.error("give --runs or --max-time")
    fuzz(a.target, runs=a.runs, seed=a.seed, max_time=a.max_time, timeout=a.timeout, max_len=a.max_len,
         corpus=a.corpus, artifacts=a.artifacts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
