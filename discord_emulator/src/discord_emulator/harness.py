"""Run a real discord.py client against an emulator for the length of an `async with`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord

from .server import Emulator

log = logging.getLogger(__name__)

ClientT = TypeVar("ClientT", bound=discord.Client)


async def _stop(
    bot: discord.Client, task: asyncio.Task[None], grace: float
) -> BaseException | None:
    """Close the bot, let `start()` return, and hand back what it raised (if anything)."""
    await bot.close()
    done, _ = await asyncio.wait([task], timeout=grace)
    if not done:
        task.cancel()
        await asyncio.wait([task])
        return TimeoutError(f"bot.start() did not return within {grace}s of close()")
    return None if task.cancelled() else task.exception()


@asynccontextmanager
async def running_bot(
    bot: ClientT, emulator: Emulator, *, ready_timeout: float = 5.0
) -> AsyncIterator[ClientT]:
    """Start `bot` with the emulator's token, wait for on_ready, close it afterwards.

    discord.py must already point at the emulator (see `point_discord_at`). Construct bots with
    a small `guild_ready_timeout` (e.g. 0.05): on_ready waits that long after the last
    GUILD_CREATE, 2 s by default. An error raised by `bot.start()` is re-raised here.
    """
    async with bot:  # creates the client's asyncio objects (wait_until_ready needs them)
        task = asyncio.create_task(bot.start(emulator.token), name=f"bot-{id(bot)}")
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            error = await _stop(bot, task, ready_timeout)
            raise error or TimeoutError(f"bot not ready within {ready_timeout}s")
        try:
            yield bot
        finally:
            error = await _stop(bot, task, ready_timeout)
            if error is not None:
                log.warning("bot.start() ended with %r", error)
        if error is not None:
            raise error
