"""The Discord emulator in a process of its own for ``bench/latency.py``, with Discord's limits
(50 requests/s global, 5 messages per 5 s per channel) and a small control API:
``GET /posts`` (every message the bot created: channel and time) and ``POST /stop``.

Times are the emulator's request log times (``time.monotonic()``, recorded as the message is
created); CLOCK_MONOTONIC is system-wide on Linux, so they compare with the bench's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import re
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any, Final

from aiohttp import web

from medalbot.emulator import Emulator, EmulatorConfig

MESSAGE_CREATE: Final = re.compile(r"^/channels/(\d+)/messages$")


def _run(reply: Connection, layout: Sequence[tuple[str, int]]) -> None:
    logging.disable(logging.WARNING)
    asyncio.run(_serve(reply, layout))


async def _serve(reply: Connection, layout: Sequence[tuple[str, int]]) -> None:
    async with Emulator(EmulatorConfig()) as emulator:  # Discord's limits, as documented
        guilds: list[tuple[int, list[int]]] = []
        for name, channels in layout:
            guild = emulator.world.add_guild(name)
            ids = [emulator.world.add_channel(guild, f"alerts-{c}").id for c in range(channels)]
            guilds.append((guild.id, ids))
        stopped = asyncio.Event()

        async def posts(_request: web.Request) -> web.Response:
            found = []
            for r in emulator.requests_to("POST", "/messages"):
                match = MESSAGE_CREATE.match(r.path)
                if match and r.status == 200:
                    found.append((r.at, int(match.group(1))))
            return web.json_response({"posts": found, "rate_limited": emulator.rate_limited})

        async def stop(_request: web.Request) -> web.Response:
            stopped.set()
            return web.json_response({})

        app = web.Application()
        app.router.add_get("/posts", posts)
        app.router.add_post("/stop", stop)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        reply.send(
            {
                "api_base": emulator.api_base,
                "gateway_url": emulator.gateway_url,
                "token": emulator.token,
                "control": f"http://127.0.0.1:{runner.addresses[0][1]}",
                "guilds": guilds,
            }
        )
        try:
            await stopped.wait()
        finally:
            await runner.cleanup()


@contextlib.contextmanager
def emulator_process(layout: Sequence[tuple[str, int]]) -> Iterator[dict[str, Any]]:
    """Start the emulator with one server per ``(name, channels)``; yields its addresses, token,
    control URL and ``guilds`` as ``[(guild_id, [channel_id, ...]), ...]``. The caller stops it
    with ``POST {control}/stop``; it is terminated if it does not end by itself."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, no inherited loop
    ours, theirs = context.Pipe(duplex=False)
    process = context.Process(target=_run, args=(theirs, list(layout)), name="emulator")
    process.start()
    try:
        deadline = time.monotonic() + 60
        while not ours.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the emulator process did not start ({process.exitcode=})")
        yield ours.recv()
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join()
