"""Running targets: one input in process (pytest smoke test, --repro), a libFuzzer session
under atheris (one target per process), and every target, each in its own process (``all``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from . import Rejected, Skip, Target

REPO = Path(__file__).resolve().parents[2]
STATS_TAG = "FUZZSTATS "


def run_input(t: Target, data: bytes, workdir: Path | None = None) -> str:
    """Run target ``t`` on ``data``: "ok", "rejected" (an allowed exception) or "skipped"
    (steered around). Any other exception -- and any warning -- propagates: a finding."""
    from seenit.io import EmptyTextWarning

    from .decode import Decoder

    own = workdir is None
    d = Decoder(data, workdir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            # a documented warning about the input (most texts empty: a wrong field?), not a defect
            warnings.simplefilter("ignore", EmptyTextWarning)
            t.fn(d)
        return "ok"
    except Rejected:
        return "rejected"
    except Skip:
        return "skipped"
    finally:
        wd = d._workdir
        if wd is not None:
            if own:
                shutil.rmtree(wd, ignore_errors=True)
            else:
                for p in wd.iterdir():
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def instrument(t: Target) -> float:
    """Coverage feedback for libFuzzer: instrument the bytecode of the Python modules behind
    ``t``'s entry points (plus input validation, the target and the decoders). Only these, since
    instrumenting all of seenit costs ~3 s per process; atheris' import hook is not used because it
    does not see through the editable-install finder. Returns the seconds spent."""
    import importlib
    import types

    import atheris

    import seenit

    t0 = time.perf_counter()
    mods = {"seenit._validate", t.module, "tests.fuzz.decode"}
    for c in t.covers:
        root, *path = c.split(".")
        if root != "seenit":
            continue
        obj: Any = seenit
        for part in path:
            obj = getattr(obj, part)
        mod = getattr(obj, "__module__", None)
        if mod:
            mods.add(mod)
            if mod.startswith("seenit.scan"):
                mods.update(m for m in sys.modules if m.startswith("seenit.scan."))
    for name in sorted(mods):
        mod = importlib.import_module(name)
        for obj in list(vars(mod).values()):
            if isinstance(obj, types.FunctionType) and obj.__module__ == name:
                atheris.instrument_func(obj)
            elif isinstance(obj, type) and obj.__module__ == name:
                for v in list(vars(obj).values()):
                    f = v.__func__ if isinstance(v, (classmethod, staticmethod)) else v
                    if isinstance(f, types.FunctionType):
                        atheris.instrument_func(f)
    return time.perf_counter() - t0


def fuzz(name: str, *, runs: int, seed: int, max_time: int, timeout: int, max_len: int,
         corpus: list[str], artifacts: Path) -> None:
    """A libFuzzer session on one target; does not return (libFuzzer exits the process)."""
    import atheris

    from . import load_targets

    t = load_targets()[name]
    instrument(t)
    stats = {"ok": 0, "rejected": 0, "skipped": 0}
    workdir = Path(tempfile.mkdtemp(prefix=f"seenit-fuzz-{name}-", dir=_tmp_root()))
    t0 = time.perf_counter()

    def one(data: bytes) -> None:
        stats[run_input(t, data, workdir)] += 1

    def report() -> None:
        total = sum(stats.values())
        sys.stderr.write(STATS_TAG + json.dumps({"target": name, "inputs": total, **stats,
                                                 "seconds": round(time.perf_counter() - t0, 2)}) + "\n")
        sys.stderr.flush()
        shutil.rmtree(workdir, ignore_errors=True)
        from .decode import cleanup

        cleanup()

    _at_c_exit(report)
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], f"-seed={seed}", f"-timeout={timeout}", f"-max_len={max_len}",
            f"-artifact_prefix={artifacts}/{name}-", "-rss_limit_mb=3072", "-print_final_stats=1"]
    argv.append("-len_control=0")  # use the whole -max_len from the start (sizes are bounded by the decoders)
    if runs:
        argv.append(f"-runs={runs}")
    if max_time:
        argv.append(f"-max_total_time={max_time}")
    atheris.Setup(argv + corpus, one)
    atheris.Fuzz()


_KEEP: list[Any] = []


def _at_c_exit(fn: Any) -> None:
    """Run ``fn`` when libFuzzer calls exit() (Python's atexit does not run then)."""
    import ctypes

    cb = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(lambda _arg: fn())
    _KEEP.append(cb)
    ctypes.CDLL(None).__cxa_atexit(cb, None, None)


def _tmp_root() -> str | None:
    from .decode import _tmp_root as root

    return root()


# ---------------------------------------------------------------------- all targets
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_UNITS = re.compile(r"stat::number_of_executed_units: (\d+)")


def run_all(names: list[str], *, runs: int, seed: int, max_time: int, timeout: int, max_len: int, jobs: int,
            artifacts: Path, json_out: Path | None, nice: int) -> int:
    """Every target in its own process, ``jobs`` at a time; a table of counts; rc 1 on any finding."""
    artifacts.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="seenit-fuzz-run-", dir=_tmp_root())

    def one(name: str) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "tests.fuzz", name, f"--runs={runs}", f"--seed={seed}",
               f"--max-time={max_time}", f"--timeout={timeout}", f"--max-len={max_len}", f"--artifacts={artifacts}"]
        if nice:
            cmd = ["nice", "-n", str(nice)] + cmd
        t0 = time.perf_counter()
        limit = (max_time or 600) * 2 + timeout + 120
        try:
            p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=limit,
                               env={**os.environ, "PYTHONWARNINGS": "ignore", "SEENIT_FUZZ_TMP": scratch})
            rc, out = p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired as e:
            rc, out = -999, f"whole run exceeded {limit} s\n{e.stdout or ''}{e.stderr or ''}"
        res: dict[str, Any] = {"target": name, "rc": rc, "wall": round(time.perf_counter() - t0, 1)}
        for line in out.splitlines():
            if line.startswith(STATS_TAG):
                res.update(json.loads(line[len(STATS_TAG):]))
        if "inputs" not in res and (m := _DONE.search(out) or _UNITS.search(out)):
            res["inputs"] = int(m.group(1))  # a finding ended the run: inputs executed until then
        if rc != 0:
            log = artifacts / f"{name}.log"
            log.write_text(out)
            res["log"] = str(log)
            res["finding"] = _summary(out)
        return res

    try:
        with ThreadPoolExecutor(max(1, jobs)) as ex:
            results = []
            for r in ex.map(one, names):
                results.append(r)
                _print_row(r)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    wall = time.perf_counter() - t_start
    bad = [r for r in results if r["rc"] != 0]
    total = sum(r.get("inputs", 0) for r in results)
    print(f"\n{len(results)} targets, {total} inputs, {wall:.0f} s wall, {len(bad)} with findings")
    for r in bad:
        print(f"  FINDING {r['target']}: {r.get('finding', '')}  (log: {r.get('log')})")
    if json_out:
        json_out.write_text(json.dumps({"seed": seed, "runs": runs, "max_time": max_time, "wall": round(wall, 1),
                                        "results": results}, indent=1))
    return 1 if bad else 0


def _print_row(r: dict[str, Any]) -> None:
    status = "ok" if r["rc"] == 0 else f"FINDING (rc {r['rc']})"
    print(f"{r['target']:<34} {r.get('inputs', 0):>8} inputs  ok {r.get('ok', '-'):>7}  rejected "
          f"{r.get('rejected', '-'):>7}  skipped {r.get('skipped', '-'):>6}  {r['wall']:>6.1f} s  {status}", flush=True)


_EXC = re.compile(r"^[A-Za-z_][\w.]*(: .*)?$")


def _summary(out: str) -> str:
    """The finding in one line: the exception of an uncaught-exception report, or libFuzzer's error."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if "Uncaught Python exception" in line:
            for x in lines[i + 1:]:
                if _EXC.match(x):
                    return x.strip()
        if "ERROR: libFuzzer" in line or "ERROR: AddressSanitizer" in line or "deadly signal" in line:
            return line.strip()
    return lines[-1] if lines else ""
