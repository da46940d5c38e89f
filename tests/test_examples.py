"""README's tour (examples/tour.py) runs and finds what it planted."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_tour_runs_and_finds_the_planted_items():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "tour.py")], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    assert "benchmark items with a near-copy in the corpus: [0]" in out
    assert "verdicts: ['contaminated', 'clean']" in out
    assert "nearest training ids: [0, 1, 2," in out
    assert "minkpp_0.2" in out


def _readme_tour() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## A short tour")
    block = text[text.index("```python", start) + len("```python"):]
    return block[: block.index("```")]


def test_readme_tour_imports_and_names_exist():
    """Every import in README's tour runs as written, and every seenit.NAME it calls exists."""
    import ast
    import importlib
    import re

    import seenit

    tree = ast.parse(_readme_tour())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            mod = importlib.import_module(node.module)
            for alias in node.names:
                if not hasattr(mod, alias.name):
                    importlib.import_module(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                importlib.import_module(alias.name)
    for name in set(re.findall(r"\bseenit\.([A-Za-z_]\w*)", _readme_tour())):
        assert hasattr(seenit, name), name
    # a class-like name the tour uses (Path, IndexOptions, ...) is imported by the tour itself
    bound = {a.asname or a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
             for a in n.names}
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id[:1].isupper()}
    assert used <= bound, f"README tour uses {sorted(used - bound)} without importing them"


def test_readme_mia_scores_call_works_on_batched_stats():
    """The tour's token_stats -> mia_scores line, as written, on (batch, seq, vocab) logits."""
    import numpy as np

    import seenit

    line = next(x for x in _readme_tour().splitlines() if "seenit.mia_scores(" in x)
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 16, 50)).astype(np.float32)
    targets = rng.integers(0, 50, size=(3, 16))
    st = seenit.token_stats(logits, targets)
    offsets = np.arange(0, 3 * 16 + 1, 16, dtype=np.int64)
    texts = ["a b c", "d e f", "g h i"]
    ns = {"seenit": seenit, "st": st, "offsets": offsets, "texts": texts}
    exec(line.split("#")[0].strip(), ns)
    assert len(ns["scores"]["loss"]) == 3
