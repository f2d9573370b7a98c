"""The import rules of docs/architecture.md ("Import rules"), checked statically with `ast`."""

from __future__ import annotations

import textwrap
from pathlib import Path

from import_graph import cycles, edges, private_imports


def test_no_import_circles() -> None:
    found = cycles()
    assert not found, "import circles (break each by moving what both sides need into a third module):\n" + "\n".join(
        " -> ".join(c) for c in found)


def test_no_private_imports_across_packages() -> None:
    found = private_imports()
    assert not found, ("imports of another package's _private module or name (import it from that package's "
                       "public surface instead):\n" + "\n".join(map(str, found)))


def test_the_graph_sees_every_kind_of_import() -> None:
    # The checks above are only as good as the edges: absolute, relative, `import a.b`, lazy
    # (function-level) and TYPE_CHECKING imports all count, as does a lazy package member.
    seen = {(e.importer, e.module) for e in edges()}
    assert ("stagewise.evaluate.runner", "stagewise.evaluate.runner_ray") in seen  # lazy, in a function
    assert ("stagewise.evaluate.results", "stagewise.compare._stats") in seen  # lazy member of compare
    assert ("stagewise.cli", "stagewise.errors") in seen


def _tree(tmp: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp / "stagewise" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp


def test_a_lazy_circle_and_a_private_import_are_named(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "__init__.py": "",
        "_util.py": "",
        "a/__init__.py": "",
        "a/_impl.py": "X = 1\n",
        "a/one.py": "from stagewise.a import two\nfrom ._impl import X\nfrom stagewise import _util\n",
        "a/two.py": "def f():\n    from . import one\n",
        "b/__init__.py": "",
        "b/user.py": "import stagewise.a._impl\n\ndef g():\n    from stagewise.a.one import _hidden\n",
    })
    assert cycles(src) == [["stagewise.a.one", "stagewise.a.two", "stagewise.a.one"]]
    assert [str(e) for e in private_imports(src)] == [
        "stagewise.b.user -> stagewise.a._impl (line 1)",
        "stagewise.b.user -> stagewise.a.one._hidden (line 4)",
    ]


def test_a_lazy_package_member_is_an_edge_to_its_module(tmp_path: Path) -> None:
    src = _tree(tmp_path, {
        "__init__.py": "",
        "p/__init__.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from stagewise.p._x import f\n"
                          "__getattr__ = None\n"),
        "p/_x.py": "from stagewise.q import g\n",
        "q.py": "from stagewise.p import f\n",
    })
    # q -> p._x -> q: a real circle at runtime, found through the lazy member; q's import is public.
    assert cycles(src) == [["stagewise.p._x", "stagewise.q", "stagewise.p._x"]]
    assert private_imports(src) == []


def test_the_cli_command_table_cannot_close_a_circle() -> None:
    # `stagewise.cli` names its command modules as strings (imported only when the command runs),
    # which are not `import` statements: they stay out of circles only because nothing imports
    # the CLI front, and they are public modules.
    from stagewise.cli import COMMANDS

    assert not [e for e in edges() if e.module == "stagewise.cli"]
    assert all(not any(p.startswith("_") for p in module.split(".")) for module, _ in COMMANDS.values())
