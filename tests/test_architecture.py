"""The layers of docs/architecture.md hold: no module imports a higher layer, no cycles.

The layer contracts live in pyproject.toml ([tool.importlinter]); this runs them, and adds
what import-linter's layer contracts do not see: a cycle between modules of one layer.
Imports inside functions count too (they are how commands load their code lazily).
"""

from __future__ import annotations

import grimp
import pytest
from importlinter.application.use_cases import lint_imports

from conftest import REPO


def test_layer_contracts_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert lint_imports(config_filename=str(REPO / "pyproject.toml")) == 0  # 0: all kept


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among calcert's modules, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph.modules):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("calcert", cache_dir=None)
    # A package imports nothing of its own here: only its modules' arrows count.
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_one() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycle(graph) == ["a.x", "a.y", "a.z", "a.x"]
