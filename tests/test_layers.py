"""The import direction of the layers (DESIGN.md section 1), checked on the source with `ast`.

A module may import only from its own layer or the layers before it. Imports
inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "carbonest"

LAYERS: list[tuple[int, tuple[str, ...]]] = [
    (0, ("carbonest.errors", "carbonest.units", "carbonest._version", "carbonest._lazy")),
    (1, ("carbonest.records", "carbonest.estimate_records", "carbonest.run_records")),
    (2, ("carbonest.formulas",)),
    (3, ("carbonest.catalog",)),
    (4, ("carbonest.inputs", "carbonest.config", "carbonest.runinfo", "carbonest.assumptions", "carbonest.probes.base", "carbonest.store.base",
         "carbonest.intensity.base")),
    (5, ("carbonest.probes", "carbonest.store", "carbonest.intensity", "carbonest.sampler", "carbonest.data")),
    (6, ("carbonest.estimator", "carbonest.resolve", "carbonest.estimate_extras", "carbonest.tracker", "carbonest.whatif", "carbonest.api", "carbonest.doctor",
         "carbonest.scenarios", "carbonest.runs_api", "carbonest.doctor", "carbonest.run_summary", "carbonest.tracker_setup", "carbonest.tracker_signals")),
    (7, ("carbonest",)),
    (8, ("carbonest.cli", "carbonest.__main__")),
]


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for level, prefixes in LAYERS:
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = level, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


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
            out.add(mod)
            for a in node.names:
                out.add(f"{mod}.{a.name}")
    return {m for m in out if m == "carbonest" or m.startswith("carbonest.")}


def test_layers_import_only_downwards() -> None:
    problems = []
    for path in sorted(PKG.rglob("*.py")):
        here = module_name(path)
        if here == "carbonest":
            continue  # the public face re-exports lazily from everywhere below it
        mine = layer_of(here)
        for target in imported(ast.parse(path.read_text()), here, path.name == "__init__.py"):
            if target == "carbonest":
                continue
            try:
                theirs = layer_of(target)
            except AssertionError:
                continue  # "from carbonest.x import name": the name part is no module
            if theirs > mine:
                problems.append(f"{here} (L{mine}) imports {target} (L{theirs})")
    assert not problems, "\n".join(problems)


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
