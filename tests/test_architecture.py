"""Layering rules that keep the core testable without Discord, and an import graph without
cycles."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import medalbot

PACKAGE = Path(medalbot.__file__).parent
EMULATOR = Path(__file__).resolve().parents[1] / "discord_emulator" / "src" / "discord_emulator"
FORBIDDEN_IN_DOMAIN = {"discord", "aiohttp", "aiosqlite", "apscheduler", "asyncpg", "asyncio"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_no_io_library() -> None:
    files = sorted((PACKAGE / "domain").rglob("*.py"))
    assert files, "the domain package has no modules"
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(_imported_roots(f) & FORBIDDEN_IN_DOMAIN)
        for f in files
        if _imported_roots(f) & FORBIDDEN_IN_DOMAIN
    }
    assert offenders == {}


def test_the_emulator_imports_nothing_from_medalbot() -> None:
    """discord_emulator is a distribution of its own, for any discord.py project."""
    files = sorted(EMULATOR.rglob("*.py"))
    assert files, f"no modules in {EMULATOR}"
    offenders = [str(f.relative_to(EMULATOR)) for f in files if "medalbot" in _imported_roots(f)]
    assert offenders == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import discord.ext.commands\nfrom aiohttp import web\n", encoding="utf-8")
    assert _imported_roots(bad) & FORBIDDEN_IN_DOMAIN == {"discord", "aiohttp"}


def test_only_cogs_and_bot_import_discord() -> None:
    allowed = {
        "cogs",
        "delivery",
        "render",
        "app.py",
        "client.py",
        "demo.py",
        "sandbox.py",
        "cli.py",
        "discord_translator.py",  # i18n: slash command localisations for discord.py
    }
    offenders = []
    for f in sorted(PACKAGE.rglob("*.py")):
        rel = f.relative_to(PACKAGE)
        if rel.parts[0] in allowed or rel.name in allowed:
            continue
        if "discord" in _imported_roots(f):
            offenders.append(str(rel))
    assert offenders == []


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_domain_and_routing_import_nothing_from_the_store() -> None:
    # Routing is pure: the entities it reads and makes are the domain's (domain/subscriptions).
    files = [*sorted((PACKAGE / "domain").rglob("*.py")), PACKAGE / "services" / "routing.py"]
    offenders = {
        str(f.relative_to(PACKAGE)): sorted(m for m in _imported_modules(f) if "store" in m)
        for f in files
        if any(m.startswith("medalbot.store") for m in _imported_modules(f))
    }
    assert offenders == {}


def module_name(path: Path, root: Path) -> str:
    """``medalbot/cogs/errors.py`` -> ``medalbot.cogs.errors``; a package is its __init__."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Which modules of the package at ``root`` each of its modules imports: every import
    statement, those under ``if TYPE_CHECKING:`` and inside functions included."""
    files = {module_name(f, root): f for f in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # "from pkg import mod" imports the module pkg.mod; "from mod import name", mod
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                # "import a.b.c" (or a name in it) depends on the innermost module it names
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> Iterator[None]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                yield from visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
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

    for node in sorted(graph):
        if node not in index:
            for _ in visit(node):
                pass
    return sorted(found)


def test_medalbot_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE)
    assert "medalbot.client" in graph["medalbot.cogs.errors"]  # TYPE_CHECKING imports count
    assert cycles(graph) == []


def test_the_check_sees_a_cycle_through_type_checking_and_relative_imports(
    tmp_path: Path,
) -> None:
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("", encoding="utf-8")
    (root / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (root / "a.py").write_text("from pkg.sub import b\n", encoding="utf-8")
    (root / "sub" / "b.py").write_text("from . import c\n", encoding="utf-8")
    (root / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n",
        encoding="utf-8",
    )
    (root / "d.py").write_text("import pkg.a\n", encoding="utf-8")
    assert cycles(import_graph(root)) == [["pkg.a", "pkg.sub.b", "pkg.sub.c"]]
