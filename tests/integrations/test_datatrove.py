"""seenit.integrations.datatrove: the decontamination step inside a real datatrove pipeline
(JsonlReader -> SeenitDecontaminate -> JsonlWriter on a LocalPipelineExecutor), in each mode."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scan"))
from _scan_fixtures import write_scan_fixture  # noqa: E402


def _run(tmp_path: Path, tag: str, step) -> list[dict]:
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    fx_dir = tmp_path / "fx"
    out = tmp_path / f"out-{tag}"
    LocalPipelineExecutor([JsonlReader(str(fx_dir), glob_pattern="corpus.jsonl"), step,
                           JsonlWriter(str(out), output_filename="docs.jsonl.gz")],
                          tasks=1, workers=1, logging_dir=str(tmp_path / f"logs-{tag}")).run()
    with gzip.open(out / "docs.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # datatrove's own imports
def test_drop_purify_annotate(tmp_path: Path) -> None:
    from seenit.integrations.datatrove import SeenitDecontaminate

    fx = write_scan_fixture(tmp_path / "fx")
    src = [json.loads(line) for line in fx.corpus.read_text().splitlines()]
    alpha0 = json.loads(fx.benchmarks["alpha"][0].read_text().splitlines()[0])["question"]
    benches = {"alpha": fx.benchmarks["alpha"], "beta": fx.benchmarks["beta"]}
    verbatim = {10, 40}  # alpha 0 and beta 0, planted whole (the fixture's other plants are partial copies)

    kept = _run(tmp_path, "drop", SeenitDecontaminate(benches, mode="drop"))
    gone = {d["text"] for d in src} - {d["text"] for d in kept}
    assert {src[i]["text"] for i in verbatim} <= gone and len(kept) == len(src) - len(gone)

    pure = _run(tmp_path, "purify", SeenitDecontaminate(benches, mode="purify", margin=0, min_chars=0))
    assert len(pure) == len(src) and all(alpha0 not in d["text"] for d in pure)
    untouched = [d for d in src if d["text"] in {p["text"] for p in pure}]
    assert len(untouched) >= len(src) - 4

    ann = _run(tmp_path, "annotate", SeenitDecontaminate(benches, mode="annotate"))
    assert [d["text"] for d in ann] == [d["text"] for d in src]
    marked = {i: d["metadata"]["seenit"]["matches"] for i, d in enumerate(ann) if "seenit" in d.get("metadata", {})}
    assert {(m["benchmark"], m["item"]) for m in marked[10]} == {("alpha", 0)}
    assert {(m["benchmark"], m["item"]) for m in marked[40]} == {("beta", 0)}


def test_bad_arguments_fail_when_the_step_is_made(tmp_path: Path) -> None:
    from seenit.integrations.datatrove import SeenitDecontaminate

    fx = write_scan_fixture(tmp_path / "fx")
    with pytest.raises(ValueError, match="mode must be one of drop, purify, annotate"):
        SeenitDecontaminate({"alpha": fx.benchmarks["alpha"]}, mode="scrub")
    with pytest.raises(FileNotFoundError, match="benchmark 'x': file not found"):
        SeenitDecontaminate({"x": tmp_path / "missing.jsonl"})
    with pytest.raises(ValueError, match="n must be"):
        SeenitDecontaminate({"alpha": fx.benchmarks["alpha"]}, n=0)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_minhash_dedup_step_matches_near_duplicates(tmp_path: Path) -> None:
    import seenit
    from seenit.integrations.datatrove import SeenitMinhashDedup

    fx = write_scan_fixture(tmp_path / "fx")
    src = [json.loads(line) for line in fx.corpus.read_text().splitlines()]
    for i in (3, 17, 33):  # near-copies of earlier documents
        src[i + 20]["text"] = src[i]["text"].replace(" ", "  ", 1) + " end"
    fx.corpus.write_text("".join(json.dumps(d) + "\n" for d in src), encoding="utf-8")
    kept = _run(tmp_path, "dedup", SeenitMinhashDedup(0.7))
    want = seenit.near_duplicates([d["text"] for d in src], threshold=0.7).keep
    assert [d["text"] for d in kept] == [d["text"] for d, k in zip(src, want) if k]
    assert len(kept) == len(src) - 3
    with pytest.raises(ValueError, match="threshold"):
        SeenitMinhashDedup(1.5)
