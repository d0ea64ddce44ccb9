"""Fixtures for the emulator's tests: an emulator on loopback and the real discord.py client.

* `emulator`: an Emulator on 127.0.0.1, port 0, started and stopped around the test.
* `emulator_factory(config=None)`: more emulators with a custom EmulatorConfig.
* `point_discord(emulator)`: patch discord.py to talk to that emulator (undone by monkeypatch).
* `demo`: the "Oranje Fans" server (`emulator_testkit`) built in `emulator`, with discord.py
  pointed at it.
* `bot_factory(cls=commands.Bot, **kwargs)`: a bot with `guild_ready_timeout=0.05` (on_ready
  otherwise waits 2 s after the last GUILD_CREATE) and an instant `before_identify_hook`
  (discord.py sleeps 5 s before every IDENTIFY but the first: each extra shard and each
  re-identify after INVALID_SESSION). Run it with `async with running_bot(bot, emulator): ...`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
import pytest
from discord.ext import commands

from discord_emulator import Emulator, EmulatorConfig, patch_targets
from emulator_testkit import DemoWorld, EmulatorFactory, build_demo_world


@pytest.fixture
async def emulator_factory() -> AsyncIterator[EmulatorFactory]:
    started: list[Emulator] = []

    async def make(config: EmulatorConfig | None = None) -> Emulator:
        emulator = await Emulator(config, host="127.0.0.1", port=0).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in reversed(started):
        await emulator.stop()


@pytest.fixture
async def emulator(emulator_factory: EmulatorFactory) -> Emulator:
    return await emulator_factory()


@pytest.fixture
def point_discord(monkeypatch: pytest.MonkeyPatch) -> Callable[[Emulator], None]:
    """Point discord.py's REST base and default gateway at an emulator, for this test only."""

    def point(emulator: Emulator) -> None:
        for owner, name, value in patch_targets(emulator.api_base, emulator.gateway_url):
            monkeypatch.setattr(owner, name, value)

    return point


@pytest.fixture
def demo(emulator: Emulator, point_discord: Callable[[Emulator], None]) -> DemoWorld:
    world = build_demo_world(emulator.world)
    point_discord(emulator)
    return world


@pytest.fixture
def bot_factory() -> Callable[..., commands.Bot]:
    def make(cls: type[commands.Bot] = commands.Bot, **kwargs: Any) -> commands.Bot:
        kwargs.setdefault("command_prefix", commands.when_mentioned)
        kwargs.setdefault("intents", discord.Intents.default())
        kwargs.setdefault("guild_ready_timeout", 0.05)
        bot = cls(**kwargs)

        async def identify_now(shard_id: int | None, *, initial: bool = False) -> None:
            return None

        # discord.py declares its hooks as methods; this one client's is replaced
        bot.before_identify_hook = identify_now  # type: ignore[method-assign]
        return bot

    return make
