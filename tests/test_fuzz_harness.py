"""The fuzzing harness (tests/fuzz): every public entry point and every _core function has a
target, and every target runs cleanly on a handful of fixed inputs (in process, no libFuzzer).
The real fuzzing is ``python -m tests.fuzz all`` (see docs/reliability.md)."""

from __future__ import annotations

import dataclasses
import inspect
import random
import re
from pathlib import Path

import pytest

pytest.importorskip("atheris")

import seenit  # noqa: E402
from seenit import _core  # noqa: E402
from tests.fuzz import KNOWN, load_targets  # noqa: E402
from tests.fuzz.runner import run_input  # noqa: E402

TARGETS = load_targets()
FUZZ_DIR = Path(__file__).parent / "fuzz"

#: Public names that are not entry points: result records and the version string.
NOT_ENTRY_POINTS = {"__version__"}


def _public_entry_points() -> set[str]:
    out: set[str] = set()
    for name in seenit.__all__:
        obj = getattr(seenit, name)
        if name in NOT_ENTRY_POINTS:
            continue
        if inspect.isclass(obj):
            if dataclasses.is_dataclass(obj) and not callable(getattr(obj, "__call__", None)):
                continue
            methods = [m for m, v in vars(obj).items()
                       if not m.startswith("_") and (inspect.isfunction(v) or isinstance(v, classmethod))]
            if dataclasses.is_dataclass(obj) and "__call__" not in vars(obj):
                continue  # a result record (its methods only read its own fields)
            out.add(f"seenit.{name}")
            out.update(f"seenit.{name}.{m}" for m in methods if m not in ("to_dict", "from_dict"))
        elif callable(obj):
            out.add(f"seenit.{name}")
    return out


def _core_entry_points() -> set[str]:
    out: set[str] = set()
    for name in dir(_core):
        if name.startswith("__"):
            continue
        obj = getattr(_core, name)
        if inspect.isclass(obj):
            out.add(f"_core.{name}")
            out.update(f"_core.{name}.{m}" for m, v in vars(obj).items() if not m.startswith("_") and callable(v))
        elif callable(obj):
            out.add(f"_core.{name}")
    return out


def test_every_entry_point_has_a_target():
    covered = {c for t in TARGETS.values() for c in t.covers}
    missing = sorted((_public_entry_points() | _core_entry_points()) - covered)
    assert not missing, f"entry points without a fuzz target (add one in tests/fuzz/targets_*.py): {missing}"


def test_targets_cover_only_real_entry_points():
    for t in TARGETS.values():
        for c in t.covers:
            root, *path = c.split(".")
            obj = seenit if root == "seenit" else _core
            for part in path:
                obj = getattr(obj, part)  # AttributeError names a stale "covers" entry


def test_every_known_issue_is_still_used():
    source = "\n".join(p.read_text() for p in [*FUZZ_DIR.glob("targets_*.py"), FUZZ_DIR / "decode.py"])
    used = set(re.findall(r"known\(\"([^\"]+)\"\)", source))
    assert set(KNOWN) <= used, f"KNOWN entries no target checks: {sorted(set(KNOWN) - used)}"
    assert used <= set(KNOWN) | used  # ids no longer listed simply stop steering inputs away


#: Fixed inputs: empty, short, and random bytes of a few lengths from fixed seeds.
INPUTS = [b"", b"\x00", b"\xff" * 8] + [random.Random(s).randbytes(n) for s in range(4) for n in (16, 200, 1200)]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_runs_on_fixed_inputs(name, tmp_path):
    t = TARGETS[name]
    outcomes = [run_input(t, data, tmp_path) for data in INPUTS]
    assert set(outcomes) <= {"ok", "rejected", "skipped"}
