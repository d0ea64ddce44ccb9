"""The emulator is a package of its own: it imports nothing from the project it was born in."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import discord_emulator

SOURCE = Path(discord_emulator.__file__).parent
FOREIGN = "medalbot"


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_imports_medalbot() -> None:
    files = sorted(SOURCE.rglob("*.py"))
    assert len(files) > 20, f"the package's modules are not in {SOURCE}"
    assert [str(f.relative_to(SOURCE)) for f in files if FOREIGN in _imported_roots(f)] == []


def test_importing_every_module_loads_no_medalbot() -> None:
    """Also catches an import made by name at run time, which the static check cannot see."""
    script = (
        "import importlib, pkgutil, sys\n"
        "import discord_emulator\n"
        "for m in pkgutil.walk_packages(discord_emulator.__path__, 'discord_emulator.'):\n"
        "    if m.name != 'discord_emulator.__main__':\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'medalbot'))\n"
        "print(sum(n.startswith('discord_emulator.') for n in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    loaded, count = done.stdout.splitlines()
    assert loaded == "[]"
    assert int(count) > 20


def test_the_package_declares_its_types() -> None:
    assert (SOURCE / "py.typed").is_file()
