"""The import direction of the layers (DESIGN.md section 1), checked on the source with `ast`.

A module may import only from its own layer or the layers before it. Imports
inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "carbonest"

LAYERS: list[tuple[float, tuple[str, ...]]] = [
    (0, ("carbonest.errors", "carbonest.units", "carbonest.textnum", "carbonest._version", "carbonest._lazy", "carbonest._values")),
    (1, ("carbonest.records",)),
    (2, ("carbonest.formulas",)),
    (3, ("carbonest.catalog", "carbonest.data")),
    (4, ("carbonest.inputs", "carbonest.config", "carbonest.probes.base", "carbonest.store.base",
         "carbonest.store.runinfo", "carbonest.intensity.base", "carbonest.integrations.base")),
    # Metric sinks work on records only (like the stores), so the tracker may drive them (log_to).
    (5, ("carbonest.probes", "carbonest.store", "carbonest.intensity", "carbonest.integrations.sinks",
         "carbonest.integrations.mlflow", "carbonest.integrations.wandb")),
    (6, ("carbonest.estimate", "carbonest.measure", "carbonest.whatif", "carbonest.report", "carbonest.schedule")),
    (6.5, ("carbonest.integrations",)),
    (7, ("carbonest",)),
    (8, ("carbonest.cli", "carbonest.__main__")),
]

# The ways in (L6) are siblings: each wires the layers below it and none calls another,
# except that the what-if engine shares the calculator's stated assumptions.
SIBLINGS = ("carbonest.estimate", "carbonest.measure", "carbonest.whatif", "carbonest.report", "carbonest.schedule")
# carbon-aware timing takes the job's energy from the calculator (see carbonest/schedule/__init__.py).
SIBLING_ALLOWED = {("carbonest.whatif", "carbonest.estimate.assumptions"),
                   ("carbonest.schedule", "carbonest.estimate.pipeline")}

# The calculator's steps, in pipeline order: a step may import earlier steps, never later ones.
ESTIMATE_STEPS = ("assumptions", "request", "resolve", "vcpu", "power", "compute", "duration", "serving", "energy",
                  "lifecycle", "bounds", "pipeline")


def layer_of(module: str) -> float:
    best, best_len = None, -1
    for level, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = level, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def is_module(name: str) -> bool:
    """Whether a dotted name is a module or package of carbonest (rather than a name inside one)."""
    parts = name.split(".")[1:]
    base = PKG.joinpath(*parts) if parts else PKG
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST, here: str, is_package: bool = False) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = here.split(".")
                drop = node.level - 1 if is_package else node.level
                base = parts[: len(parts) - drop]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            submodules = {f"{mod}.{a.name}" for a in node.names if is_module(f"{mod}.{a.name}")}
            out |= submodules
            if len(submodules) < len(node.names):  # a name defined in ``mod`` itself
                out.add(mod)
    return {m for m in out if m == "carbonest" or m.startswith("carbonest.")}


def imports_of(path: Path) -> tuple[str, set[str]]:
    here = module_name(path)
    return here, imported(ast.parse(path.read_text()), here, path.name == "__init__.py")


def test_layers_import_only_downwards() -> None:
    problems = []
    for path in sorted(PKG.rglob("*.py")):
        here, targets = imports_of(path)
        mine = layer_of(here)  # a module in no layer fails here
        if here == "carbonest":
            continue  # the public face re-exports lazily from everywhere below it
        for target in targets:
            if target == "carbonest":
                continue
            assert is_module(target), f"{here} imports {target}, which is no module of carbonest"
            theirs = layer_of(target)  # an import that cannot be placed fails here
            if theirs > mine:
                problems.append(f"{here} (L{mine}) imports {target} (L{theirs})")
    assert not problems, "\n".join(problems)


def _package(module: str, prefixes: tuple[str, ...]) -> str | None:
    return next((p for p in prefixes if module == p or module.startswith(p + ".")), None)


def test_ways_in_do_not_call_each_other() -> None:
    problems = []
    for path in sorted(PKG.rglob("*.py")):
        here, targets = imports_of(path)
        mine = _package(here, SIBLINGS)
        if mine is None:
            continue
        for target in targets:
            theirs = _package(target, SIBLINGS)
            if theirs not in (None, mine) and (mine, target) not in SIBLING_ALLOWED:
                problems.append(f"{here} imports {target}")
    assert not problems, "\n".join(problems)


def test_estimate_steps_never_call_back() -> None:
    folder = PKG / "estimate"
    on_disk = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    assert on_disk == set(ESTIMATE_STEPS), "add new calculator modules to ESTIMATE_STEPS, in pipeline order"
    problems = []
    for step in ESTIMATE_STEPS:
        here, targets = imports_of(folder / f"{step}.py")
        for target in targets:
            if target.startswith("carbonest.estimate."):
                other = target.split(".")[2]
                if ESTIMATE_STEPS.index(other) >= ESTIMATE_STEPS.index(step):
                    problems.append(f"{here} imports the later step {target}")
            elif target == "carbonest.estimate":
                problems.append(f"{here} imports its package face")
    assert not problems, "\n".join(problems)


def test_the_layer_check_catches_a_wrong_import(tmp_path: Path) -> None:
    """The check itself: an upward import and an unplaceable one are both reported."""
    tree = ast.parse("from carbonest.measure.tracker import track\nimport carbonest.nowhere\n")
    targets = imported(tree, "carbonest.formulas.energy")
    assert "carbonest.measure.tracker" in targets and layer_of("carbonest.measure.tracker") > layer_of(
        "carbonest.formulas.energy")
    assert not is_module("carbonest.nowhere")
    with pytest.raises(AssertionError):
        layer_of("carbonest_other.thing")


def test_formulas_are_pure() -> None:
    banned = {"os", "time", "logging", "datetime", "random", "socket", "requests", "subprocess", "pathlib", "io"}
    for path in (PKG / "formulas").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            assert not (set(names) & banned), f"{path.name} imports {names}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print"}, f"{path.name} calls {node.func.id}"
