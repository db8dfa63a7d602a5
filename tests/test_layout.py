"""The library's shape: no two modules import each other, directly or around a loop."""

import ast
import os

from tests.conftest import ROOT

PACKAGE = os.path.join(ROOT, "pyimagesearch")


def imported_modules(path):
    """Names of pyimagesearch modules that `path` imports, at the top or inside functions."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pyimagesearch":
                found.update(f"pyimagesearch.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
    return {name.split(".")[1] for name in found
            if name.startswith("pyimagesearch.") and name.count(".") >= 1}


def import_graph():
    modules = [name[:-3] for name in os.listdir(PACKAGE)
               if name.endswith(".py") and name != "__init__.py"]
    return {module: imported_modules(os.path.join(PACKAGE, f"{module}.py")) - {module}
            for module in modules}


def find_cycle(graph):
    """One import loop as a list of modules, or None."""
    state = {}

    def visit(module, trail):
        state[module] = "open"
        for other in sorted(graph.get(module, ())):
            if state.get(other) == "open":
                return trail[trail.index(other):] + [other]
            if other not in state:
                loop = visit(other, trail + [other])
                if loop:
                    return loop
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            loop = visit(module, [module])
            if loop:
                return loop
    return None


def test_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_library_import_graph_has_no_cycles():
    assert find_cycle(import_graph()) is None
