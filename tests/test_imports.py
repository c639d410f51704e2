"""Import rules of the layout (docs/architecture.md), checked on the source with ``ast``.

Every import counts, including function-level (lazy) ones: a lazy import is
still a dependency, only a later one. Imports under ``if TYPE_CHECKING:``
never run and are left out.

* the core never imports ``guardians.commands`` or ``guardians.cli``;
* rules and models do no I/O (no ``open``, ``os``, ``shutil``, ``subprocess``,
  no pathlib I/O) and import no store;
* gates never import the engine's commit module;
* there is no import cycle among guardians modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "guardians"

# Modules that may do I/O or wire the process: never imported by the core.
EDGE = ("guardians.cli", "guardians.__main__", "guardians.commands")

# Migration modules that are part of the rules: parsers, the rule engine,
# suppressions. analyze.py reads files (the engine's I/O edge) and lint.py
# renders reports; both are left out on purpose.
MIGRATION_RULE_MODULES = (
    "guardians.migrations",
    "guardians.migrations.alembic",
    "guardians.migrations.django",
    "guardians.migrations.engine",
    "guardians.migrations.nodes",
    "guardians.migrations.pyast",
    "guardians.migrations.sql",
    "guardians.migrations.statement",
    "guardians.migrations.suppress",
)

IO_MODULES = ("os", "shutil", "subprocess", "tempfile", "socket", "urllib", "http", "io", "glob", "fcntl", "mmap")
PURE_PATHLIB = {"PurePath", "PurePosixPath", "PureWindowsPath"}
# Path methods that touch the file system (str.replace and friends share no name with these).
PATH_IO = {
    "read_text", "read_bytes", "write_text", "write_bytes", "open", "exists", "is_file", "is_dir",
    "is_symlink", "iterdir", "glob", "rglob", "mkdir", "rmdir", "unlink", "rename", "touch", "stat",
    "lstat", "chmod", "resolve", "readlink", "symlink_to", "samefile", "expanduser", "home", "cwd",
}  # fmt: skip


@dataclass(frozen=True)
class Import:
    target: str  # the guardians module imported (or the external top-level name)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(), str(modules()[name]))


def _type_checking_only(tree_: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree_):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped.update(id(n) for n in ast.walk(inner))
    return skipped


def _resolve(name: str) -> str:
    """The guardians module a dotted name refers to (a name inside a module -> the module)."""
    while name not in modules() and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(tree_: ast.Module, package: str) -> list[Import]:
    """Every module name imported in TREE_ (of a module in PACKAGE), at any depth, with its line."""
    skipped = _type_checking_only(tree_)
    found: list[Import] = []
    for node in ast.walk(tree_):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                full = f"{source}.{alias.name}"
                found.append(Import(full if full in modules() else source, node.lineno))
    return found


@cache
def raw_imports(name: str) -> tuple[Import, ...]:
    package = name if modules()[name].name == "__init__.py" else name.rsplit(".", 1)[0]
    return tuple(imports_of(tree(name), package))


def guardians_imports(name: str) -> set[str]:
    return {_resolve(i.target) for i in raw_imports(name) if i.target.split(".")[0] == "guardians"} - {name}


def graph() -> dict[str, set[str]]:
    return {name: guardians_imports(name) for name in modules()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def under(*prefixes: str) -> list[str]:
    return [m for m in modules() if any(m == p or m.startswith(p + ".") for p in prefixes)]


def _params(names: list[str], known: dict[str, str]) -> list[object]:
    """One case per module; a known violation is a strict xfail, so it flips when fixed."""
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=known[n])) if n in known else n for n in names]


# --- the checker itself ---------------------------------------------------------------------------


def test_graph_sees_lazy_imports_and_skips_type_checking_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from guardians.store.layout import Epic\n"
        "def f():\n    from guardians.views import status\n    import guardians.errors\n"
        "    from . import base\n"
    )
    found = imports_of(ast.parse(source), "guardians.rules")
    assert [(i.target, i.line) for i in found] == [
        ("typing", 1),
        ("guardians.views.status", 5),
        ("guardians.errors", 6),
        ("guardians.rules.base", 7),
    ]
    # cli imports every command module inside its functions only
    assert "guardians.commands.run" in guardians_imports("guardians.cli")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert len(modules()) > 50


# --- the rules ------------------------------------------------------------------------------------


CORE = [m for m in modules() if m not in under(*EDGE)]


@pytest.mark.parametrize("name", CORE)
def test_core_never_imports_the_cli_or_commands(name: str) -> None:
    bad = sorted(m for m in guardians_imports(name) if m in under(*EDGE))
    assert not bad, f"{modules()[name]} imports {bad}"


PURE = under("guardians.rules", "guardians.protocol.models") + list(MIGRATION_RULE_MODULES)


def io_uses(name: str) -> list[str]:
    return io_uses_of(tree(name), list(raw_imports(name)))


def io_uses_of(tree_: ast.Module, imports: list[Import]) -> list[str]:
    found = []
    for imp in imports:
        top = imp.target.split(".")[0]
        if top in IO_MODULES:
            found.append(f"line {imp.line}: imports {imp.target}")
        if top == "guardians" and _resolve(imp.target).startswith("guardians.store"):
            found.append(f"line {imp.line}: imports the store ({imp.target})")
    for node in ast.walk(tree_):
        if isinstance(node, ast.ImportFrom) and node.module == "pathlib":
            impure = [a.name for a in node.names if a.name not in PURE_PATHLIB]
            if impure:
                found.append(f"line {node.lineno}: imports pathlib.{', '.join(impure)} (use PurePath)")
        if isinstance(node, ast.Import) and any(a.name == "pathlib" for a in node.names):
            found.append(f"line {node.lineno}: imports pathlib")
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                found.append(f"line {node.lineno}: calls open()")
            if isinstance(func, ast.Attribute) and func.attr in PATH_IO:
                found.append(f"line {node.lineno}: calls .{func.attr}()")
    return found


@pytest.mark.parametrize("name", PURE)
def test_rules_and_models_do_no_io_and_import_no_store(name: str) -> None:
    assert io_uses(name) == [], modules()[name]


def test_the_io_check_catches_io() -> None:
    source = (
        "import os\nfrom pathlib import Path, PurePath\n"
        "def f(p):\n    from guardians.store.layout import Epic\n    open(p)\n"
        "    return Path(p).read_text().replace('a', 'b')\n"
    )
    tree_ = ast.parse(source)
    found = io_uses_of(tree_, imports_of(tree_, "guardians.rules"))
    assert found == [
        "line 1: imports os",
        "line 4: imports the store (guardians.store.layout)",
        "line 2: imports pathlib.Path (use PurePath)",
        "line 5: calls open()",
        "line 6: calls .read_text()",
    ]
    pure = ast.parse("from pathlib import PurePath\ndef f(s):\n    return PurePath(s.replace('a', 'b')).name\n")
    assert io_uses_of(pure, imports_of(pure, "guardians.rules")) == []


GATES = under("guardians.gates")
GATES_KNOWN: dict[str, str] = {}  # module -> reason, for a violation being fixed elsewhere


@pytest.mark.parametrize("name", _params(GATES, GATES_KNOWN))
def test_gates_never_import_the_commit_module(name: str) -> None:
    assert "guardians.engine.commit" not in guardians_imports(name), modules()[name]


# Cycles that exist today in modules being reworked elsewhere: each names the
# edge that closes it. Its test is a strict xfail, so it flips once the cycle is gone.
KNOWN_CYCLES: dict[tuple[str, str], str] = {}


def reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


def test_no_import_cycle_besides_the_known_ones() -> None:
    edges = graph()
    for source, target in KNOWN_CYCLES:
        edges[source].discard(target)
    assert cycles(edges) == []


@pytest.mark.parametrize(
    ("source", "target"),
    [pytest.param(s, t, marks=pytest.mark.xfail(strict=True, reason=why)) for (s, t), why in KNOWN_CYCLES.items()],
)
def test_known_cycle_is_gone(source: str, target: str) -> None:
    edges = graph()
    assert not (target in edges[source] and reaches(edges, target, source))
