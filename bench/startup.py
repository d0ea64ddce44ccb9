"""Start-up of the whole sandbox: the Discord emulator, the feed server and the real bot, until
discord.py reports ready (login, application info, command sync, gateway READY, GUILD_CREATE).

Every end-to-end test pays this, so it must stay well under half a second. The baseline is
starting the emulator alone in the same process: the part that is not the bot's own doing."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from dataclasses import dataclass
from typing import Final

from discord_emulator import Emulator

from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox

RUNS: Final = 9
TARGET_S: Final = 0.5


@dataclass(frozen=True)
class Run:
    servers_s: float  # emulator + feed server listening
    whole_s: float  # ... and the bot ready
    ready_wait_s: float  # discord.py's quiet wait after the last GUILD_CREATE


async def sandbox_with_bot() -> Run:
    """From nothing to a ready bot (stopping afterwards is not counted)."""
    sandbox = Sandbox(sample_files("w1000m"))
    started = time.perf_counter()
    try:
        await sandbox.start()
        servers = time.perf_counter()
        await sandbox.start_bot()
        ready = time.perf_counter()
        wait = sandbox.settings().discord.guild_ready_timeout
        return Run(servers - started, ready - started, wait)
    finally:
        await sandbox.stop()


async def emulator_alone_s() -> float:
    emulator = Emulator(host="127.0.0.1", port=0)
    started = time.perf_counter()
    try:
        await emulator.start()
        return time.perf_counter() - started
    finally:
        await emulator.stop()


async def measure(runs: int) -> tuple[list[Run], list[float]]:
    await sandbox_with_bot()  # warm-up: first-use imports and caches are not start-up
    await emulator_alone_s()
    whole = [await sandbox_with_bot() for _ in range(runs)]
    alone = [await emulator_alone_s() for _ in range(runs)]
    return whole, alone


def main() -> bool:
    # A poll skipped while the loop is busy starting the next sandbox is expected here: keep
    # those warnings out of the figures (errors still show, and exceptions propagate).
    logging.disable(logging.WARNING)
    try:
        runs, alone = asyncio.run(measure(RUNS))
    finally:
        logging.disable(logging.NOTSET)
    whole = [r.whole_s for r in runs]
    whole_s, alone_s = statistics.median(whole), statistics.median(alone)
    servers_s = statistics.median(r.servers_s for r in runs)
    wait_s = runs[0].ready_wait_s
    print(f"emulator + feed server + bot until ready: {whole_s * 1000:7.1f} ms (median of {RUNS})")
    print(f"  fastest {min(whole) * 1000:.1f} ms, slowest {max(whole) * 1000:.1f} ms")
    print(
        f"  servers listening after {servers_s * 1000:.1f} ms; of the rest, {wait_s * 1000:.0f} ms"
    )
    print("  is discord.py's guild_ready_timeout (quiet time after the last GUILD_CREATE)")
    print(f"emulator alone (baseline):                {alone_s * 1000:7.1f} ms (median of {RUNS})")
    print(f"ratio whole / emulator alone:             {whole_s / alone_s:7.1f}")
    met = whole_s < TARGET_S
    print(f"target: ready under {TARGET_S * 1000:.0f} ms: {'met' if met else 'NOT met'}")
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
