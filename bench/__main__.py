"""Runs every benchmark module of the package in turn; exit status 1 if a target was missed."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path


def main() -> int:
    missed: list[str] = []
    for module_info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)])):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{module_info.name}")
        run: Callable[[], bool] | None = getattr(module, "main", None)
        if run is None:
            continue
        print(f"== bench.{module_info.name} ==")
        if not run():
            missed.append(module_info.name)
        print()
    if missed:
        print(f"targets missed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
