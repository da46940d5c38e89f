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
