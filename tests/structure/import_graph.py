"""The import graph of ``src/stagewise``, read with ``ast`` (nothing is imported).

The rules it enforces are written in ``docs/architecture.md`` ("Import rules"):

1. Every import of a stagewise module is an edge, wherever it stands (module level,
   inside a function, under ``if TYPE_CHECKING:``). A function-level import may defer a
   heavy *third-party* import (torch, inspect_ai...), or a heavy stagewise module, but it
   never closes a circle: the module graph has no cycles.
2. A module or name starting with ``_`` is private to the package it lives in: it may be
   imported only from inside that package (``stagewise._atomic`` is open to all of
   stagewise; ``stagewise.compare._stats`` only to ``stagewise.compare.*``).

An edge goes to the module named: ``from stagewise.evals import xstest`` is an edge to
``stagewise.evals.xstest`` when that is a module, ``from stagewise.evals import BENCHMARKS``
an edge to ``stagewise.evals`` (its ``__init__``). The implicit import of parent packages
is not an edge (else every ``__init__`` that re-exports a submodule would close a circle).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "stagewise"


@dataclass(frozen=True)
class Edge:
    """One import: ``importer`` imports ``target`` (and, for ``from`` imports, ``name``)."""

    importer: str
    target: str  # the module named in the import statement
    name: str | None
    line: int
    runs: str = ""  # the module the import runs (differs from `target` for lazy members)

    @property
    def module(self) -> str:
        return self.runs or self.target

    def __str__(self) -> str:
        what = f"{self.target}.{self.name}" if self.name else self.target
        return f"{self.importer} -> {what} (line {self.line})"


def modules(src: Path = SRC) -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    out: dict[str, Path] = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_package(name: str, mods: dict[str, Path]) -> bool:
    return mods[name].name == "__init__.py"


def _resolve_from(importer: str, node: ast.ImportFrom, mods: dict[str, Path]) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not _is_package(importer, mods):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def lazy_members(mods: dict[str, Path], trees: dict[str, ast.Module]) -> dict[str, dict[str, str]]:
    """Per lazy package (an ``__init__`` with a module ``__getattr__``), the names it declares
    under ``if TYPE_CHECKING:`` -> the module that defines each (``stagewise._lazy``)."""
    out: dict[str, dict[str, str]] = {}
    for name, tree in trees.items():
        if not _is_package(name, mods):
            continue
        if not any(isinstance(n, (ast.Assign, ast.FunctionDef)) and "__getattr__" in _bound(n) for n in tree.body):
            continue
        table: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                for sub in node.body:
                    if isinstance(sub, ast.ImportFrom):
                        target = _resolve_from(name, sub, mods)
                        for alias in sub.names:
                            table[alias.asname or alias.name] = target
        out[name] = table
    return out


def _bound(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef):
        return {node.name}
    return {t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)}


def edges(src: Path = SRC) -> list[Edge]:
    """Every import of a stagewise module inside stagewise.

    ``from pkg import name`` where ``pkg`` is a lazy package (PEP 562, ``stagewise._lazy``) is an
    edge to the module that defines ``name``: that module is all the import runs."""
    mods = modules(src)
    trees = {m: ast.parse(p.read_text(), filename=str(p)) for m, p in mods.items()}
    lazy = lazy_members(mods, trees)
    out: list[Edge] = []
    for importer, path in mods.items():
        tree = trees[importer]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == ROOT and alias.name in mods:
                        out.append(Edge(importer, alias.name, None, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve_from(importer, node, mods)
                if target.split(".")[0] != ROOT or target not in mods:
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in mods:
                        out.append(Edge(importer, sub, None, node.lineno))
                    elif importer != target and alias.name in lazy.get(target, {}):
                        out.append(Edge(importer, target, alias.name, node.lineno, lazy[target][alias.name]))
                    else:
                        out.append(Edge(importer, target, alias.name, node.lineno))
    return out


def _package(module: str, mods: dict[str, Path]) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    return module if _is_package(module, mods) else module.rsplit(".", 1)[0]


def _private_owner(target: str, name: str | None, mods: dict[str, Path]) -> str | None:
    """The package that owns the first private part of ``target[.name]``, or None.

    A private module or subpackage belongs to the package it sits in; a private name
    in a module belongs to that module's package (siblings may share it)."""
    parts = target.split(".") + ([name] if name else [])
    for i, part in enumerate(parts):
        if part.startswith("_") and not (part.startswith("__") and part.endswith("__")):
            owner = ".".join(parts[:i])
            return _package(owner, mods)
    return None


def private_imports(src: Path = SRC) -> list[Edge]:
    """Imports of a ``_private`` module or name from outside the package that owns it."""
    mods = modules(src)
    bad = []
    for edge in edges(src):
        owner = _private_owner(edge.target, edge.name, mods)
        if owner is None:
            continue
        home = _package(edge.importer, mods)
        if home != owner and not home.startswith(owner + "."):
            bad.append(edge)
    return bad


def cycles(src: Path = SRC) -> list[list[str]]:
    """The import circles: one list of modules per strongly connected component (> 1 module,
    or a module importing itself), each in an order where each imports the next."""
    graph: dict[str, set[str]] = {}
    for edge in edges(src):
        graph.setdefault(edge.importer, set()).add(edge.module)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    comps: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # Tarjan; the graph is small, recursion is fine
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph.get(v, ()):
                comps.append(_circle(sorted(comp), graph))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return comps


def _circle(comp: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete circle through the component's first module (breadth-first)."""
    members = set(comp)
    start = comp[0]
    prev: dict[str, str] = {}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ()) & members):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


if __name__ == "__main__":
    for c in cycles():
        print("circle:", " -> ".join(c))
    for e in private_imports():
        print("private:", e)
