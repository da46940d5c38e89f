"""The package's shape: the public API and the command list are pinned, and the import graph keeps
the layout's rules (docs/architecture.md): no cycles between modules, library code never imports
the plain references or the report renderer, and no private name is reached across areas."""

from __future__ import annotations

import ast
from pathlib import Path

import seenit
from seenit.cli import app

PACKAGE = Path(seenit.__file__).resolve().parent

PUBLIC_API = {
    "__version__", "ContaminationItem", "ContaminationReport", "ExactDuplicates", "LongestMatch", "NgramIndex",
    "Normalisation", "Overlap", "contamination", "export_lm_eval_ngrams", "exact_duplicates", "Duplicates", "LSH", "ReferenceMatches",
    "cpu_features", "jaccard", "jaccard_exact", "minhash", "minhash_from_hashes", "shingle_hashes",
    "jaccard_exact_pairs", "get_num_threads", "lcp_array", "near_duplicates", "set_num_threads", "suffix_array",
    "TokenStats", "token_stats", "segment_reduce", "segment_quantiles", "topk", "Interval", "auroc", "bootstrap",
    "roc_curve", "tpr_at_fpr", "SurprisalProbes", "dcpdd", "mia_scores", "mink", "minkpp", "perplexity",
    "perplexity_filter", "surprisal_probes", "truth_ratio", "truth_ratio_summary", "zlib_ratio", "Cartography",
    "cartography", "range_pairs", "kmeans", "KMeans", "semdedup", "SemDedupResult", "familiarity",
    "FamiliarityResult", "nearest_training", "NearestTraining", "scan", "ScanReport", "scan_shard", "merge_scan_shards", "compare_scans",
    "learning_percentage", "select_stratified", "kmq_select", "KMQSelection", "cluster_weights", "resample", "d4",
    "D4Result", "effective_tokens", "EffectiveTokens", "perplexity_correlations", "PerplexityCorrelations",
    "ShardedLikelihood", "sharded_likelihood_test", "DatasetInference", "dataset_inference", "BlindBaseline",
    "blind_baseline", "HoldoutTests", "holdout_tests", "Inflation", "inflation", "LikelihoodGap", "likelihood_gap",
    "GapCorrelation", "gap_correlation", "DedupClusters", "read_clusters",
}

COMMANDS = {"contamination", "lm-eval-ngrams", "demo", "mia", "neighbors", "scan", "scan merge", "scan compare", "index build",
            "index info", "dedup minhash", "dedup rethreshold", "dedup exact", "dedup semantic", "select kmq", "select d4",
            "select lp", "probe"}

#: Top-level modules shared by every area (they may be imported from anywhere, private or not).
INFRASTRUCTURE = {"_core", "_runtime", "_validate", "_progress", "io", "sources", "text_blocks", "tokenize", "gpu"}
#: Who may import the report renderer: the audit writes report.html, the CLI writes plots.
MAY_IMPORT_REPORT = {"scan", "cli", "report"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["seenit", *parts])


def is_module(dotted: str) -> bool:
    """Whether ``seenit.a.b`` names a module or package (the compiled ``_core`` included)."""
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists() \
        or any(PACKAGE.glob(f"{rel}.*.so")) or (PACKAGE / rel).with_suffix(".pyi").exists()


def imports_of(path: Path) -> list[tuple[str, list[str], bool]]:
    """(imported module, names, at module level) for every import in ``path``, made absolute."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names = [a.name for a in node.names]
            # `from pkg import submodule` imports the submodule
            subs = [f"{mod}.{n}" for n in names if is_module(f"{mod}.{n}")]
            for s in subs:
                out.append((s, [], id(node) in top))
            rest = [n for n in names if f"{mod}.{n}" not in subs]
            if rest:
                out.append((mod, rest, id(node) in top))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], id(node) in top) for a in node.names)
    return [(m, n, t) for m, n, t in out if m == "seenit" or m.startswith("seenit.")]


def area_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def library_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "reference" not in p.relative_to(PACKAGE).parts)


def test_public_api_is_unchanged() -> None:
    assert set(seenit.__all__) == PUBLIC_API
    for name in PUBLIC_API:
        assert hasattr(seenit, name), name


def test_command_list_is_unchanged() -> None:
    import typer.main

    root = typer.main.get_command(app)
    found = set()
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):
            found |= {f"{name} {sub}" for sub in cmd.commands}
            if cmd.invoke_without_command:  # a command of its own too (seenit scan)
                found.add(name)
        else:
            found.add(name)
    assert found == COMMANDS


def test_top_level_holds_only_infrastructure() -> None:
    modules = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= 10, modules


def test_no_import_cycles() -> None:
    # imports inside functions count too: a lazy import that hides a cycle is still a cycle
    graph: dict[str, set[str]] = {}
    for path in library_modules():
        graph[module_name(path)] = {m for m, _, _ in imports_of(path)}
    # a package's __init__ importing its own submodules is how re-exports work, not a cycle
    def edges(m: str) -> set[str]:
        return {t for t in graph.get(m, ()) if t in graph and not m == t.rsplit(".", 1)[0] and t != m}

    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in edges(m):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_library_never_imports_references_or_the_report() -> None:
    bad = []
    for path in library_modules():
        me = area_of(module_name(path))
        for mod, _, _ in imports_of(path):
            if area_of(mod) == "reference":
                bad.append(f"{module_name(path)} imports {mod}")
            if area_of(mod) == "report" and me not in MAY_IMPORT_REPORT:
                bad.append(f"{module_name(path)} imports {mod}")
    assert not bad, bad


def test_no_private_names_across_areas() -> None:
    bad = []
    for path in library_modules():
        me = area_of(module_name(path))
        for mod, names, _ in imports_of(path):
            other = area_of(mod)
            if other in ("", me) or other in INFRASTRUCTURE:
                continue
            private_module = any(p.startswith("_") for p in mod.split(".")[2:])
            private_names = [n for n in names if n.startswith("_")]
            if private_module or private_names:
                bad.append(f"{module_name(path)} imports {mod}: {private_names or 'a private module'}")
    assert not bad, bad


AREAS = {"sketch", "ngram", "search", "logprob"}


def test_native_layout_is_one_folder_and_one_binding_per_area() -> None:
    root = PACKAGE.parents[1]
    src = root / "cpp" / "src"
    if not src.is_dir():  # an installed package without its sources
        return
    assert not [p.name for p in src.iterdir() if p.is_file()], "cpp/src holds area folders only"
    assert {p.name for p in src.iterdir() if p.is_dir()} == AREAS | {"common"}
    bindings = {p.stem for p in (root / "cpp" / "bindings").glob("bind_*.cpp")}
    assert bindings == {f"bind_{a}" for a in AREAS} | {"bind_runtime"}
    for area in AREAS:  # and the same word in every other layer
        assert (PACKAGE / area / "__init__.py").is_file(), area
        assert (PACKAGE / "reference" / f"{area}.py").is_file(), area
        assert (root / "tests" / area).is_dir(), area
        assert (root / "docs" / f"{area}.md").is_file(), area
        assert any((root / "bench").glob(f"{area}*.py")), area


#: Areas without native code: every layer but cpp/, bindings and bench (nothing in them is timed).
PYTHON_AREAS = {"probe", "select"}


def test_python_areas_have_every_other_layer() -> None:
    root = PACKAGE.parents[1]
    if not (root / "tests").is_dir():  # an installed package without its sources
        return
    for area in PYTHON_AREAS:
        assert (PACKAGE / area / "__init__.py").is_file(), area
        assert (PACKAGE / "reference" / f"{area}.py").is_file(), area
        assert (PACKAGE / "cli" / f"{area}.py").is_file(), area
        assert (root / "tests" / area).is_dir(), area
        assert (root / "docs" / f"{area}.md").is_file(), area


def test_every_import_resolves() -> None:
    # imports inside functions run only when called: a moved module must not leave one dangling
    import importlib
    import importlib.util

    bad = []
    for path in library_modules():
        for mod, names, _ in imports_of(path):
            if importlib.util.find_spec(mod) is None:
                bad.append(f"{module_name(path)}: no module {mod}")
                continue
            m = importlib.import_module(mod)
            bad += [f"{module_name(path)}: {mod} has no {n}" for n in names
                    if not hasattr(m, n) and importlib.util.find_spec(f"{mod}.{n}") is None]
    assert not bad, bad
