"""`python -m discord_emulator [--host H] [--port P] [--token T]`."""

from __future__ import annotations

import argparse
import logging

from .config import EmulatorConfig
from .standalone import run_standalone


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m discord_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8990)
    parser.add_argument("--token", default=EmulatorConfig().token)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    run_standalone(args.host, args.port, config=EmulatorConfig(token=args.token))


if __name__ == "__main__":
    main()
