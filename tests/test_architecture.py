"""Layering rules that keep the core testable without Discord."""

from __future__ import annotations

import ast
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
        "bot.py",
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
