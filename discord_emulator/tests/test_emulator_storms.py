"""Emulator additions for the fault suite (tests/faults): faults armed for a while (a 429 storm
of N seconds), requests held until the test releases them, and crafted interactions naming
another server's channel or role."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from discord_emulator import (
    Emulator,
    EmulatorConfig,
    ManualClock,
    running_bot,
)
from emulator_testkit import DemoWorld, EmulatorFactory, build_demo_world

BotFactory = Callable[..., commands.Bot]
MESSAGE_CREATE = "POST /channels/{channel_id}/messages"


async def test_a_fault_with_a_duration_answers_every_match_until_it_ends(
    emulator_factory: EmulatorFactory,
) -> None:
    clock = ManualClock()
    emulator = await emulator_factory(EmulatorConfig(clock=clock))
    demo = build_demo_world(emulator.world)
    auth = {"Authorization": f"Bot {emulator.token}"}
    storm = emulator.rate_limit(MESSAGE_CREATE, 0.5, is_global=True, times=None, duration=2.0)
    burst = emulator.fail(MESSAGE_CREATE, 503, times=1, duration=10.0, channel=demo.golds)

    async def post(channel_id: int) -> tuple[int, object]:
        url = f"{emulator.api_base}/channels/{channel_id}/messages"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json={"content": "x"}, headers=auth) as response,
        ):
            return response.status, (await response.json()).get("global")

    assert [await post(demo.oranje.id) for _ in range(3)] == [(429, True)] * 3
    clock.advance(1.999)
    assert await post(demo.general.id) == (429, True)  # still storming
    clock.advance(0.001)
    assert await post(demo.oranje.id) == (200, None)  # the storm is over
    assert storm.hits == 4
    assert await post(demo.golds.id) == (503, None)
    assert await post(demo.golds.id) == (200, None)  # `times` ran out before the duration
    assert burst.hits == 1
    assert emulator.invalid_requests == 4  # the 429s; a 503 is not an invalid request
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["x"]


async def test_a_held_request_is_handled_when_released_and_not_before(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory()
    demo = build_demo_world(emulator.world)
    auth = {"Authorization": f"Bot {emulator.token}"}
    held = emulator.hold(MESSAGE_CREATE, channel=demo.oranje)

    async def post(channel_id: int, content: str) -> int:
        url = f"{emulator.api_base}/channels/{channel_id}/messages"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json={"content": content}, headers=auth) as response,
        ):
            return response.status

    on_the_wire = asyncio.create_task(post(demo.oranje.id, "held"))
    await emulator.wait_for(lambda: held.hits == 1, recheck=None)  # woken by the hold itself
    assert await post(demo.oranje.id, "after") == 200  # `times=1`: only the first is held
    assert await post(demo.golds.id, "elsewhere") == 200
    assert not on_the_wire.done() and emulator.requests_to("POST", "/messages")[-1].status == 200
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["after"]
    held.release()
    assert await on_the_wire == 200
    assert [m.content for m in emulator.transcript(demo.oranje)] == ["after", "held"]
    assert [r.fault for r in emulator.requests_to("POST", f"/{demo.oranje.id}/")] == [None, "hold"]


async def test_stopping_the_emulator_answers_what_it_holds(
    emulator_factory: EmulatorFactory,
) -> None:
    emulator = await emulator_factory()
    demo = build_demo_world(emulator.world)
    held = emulator.hold(MESSAGE_CREATE, times=None)
    url = f"{emulator.api_base}/channels/{demo.oranje.id}/messages"
    async with aiohttp.ClientSession() as http:
        on_the_wire = asyncio.create_task(
            http.post(
                url, json={"content": "x"}, headers={"Authorization": f"Bot {emulator.token}"}
            )
        )
        await emulator.wait_for(lambda: held.hits == 1, recheck=None)
        await emulator.stop()  # would wait for the held request forever
        async with await on_the_wire as response:
            assert response.status == 200


class PickCog(commands.Cog):
    @app_commands.command(name="pick", description="Name a channel and a role")
    async def pick(
        self,
        interaction: discord.Interaction,
        where: app_commands.AppCommandChannel,
        ping: discord.Role,
    ) -> None:
        await interaction.response.send_message(f"{where.id} {ping.id}", ephemeral=True)


async def test_a_crafted_interaction_can_name_another_servers_channel_and_role(
    emulator: Emulator, demo: DemoWorld, bot_factory: BotFactory
) -> None:
    other = emulator.world.add_guild("Elsewhere")
    elsewhere = emulator.world.add_channel(other, "secret")
    their_role = emulator.world.add_role(other, "their role")
    bot = bot_factory()

    async def setup_hook() -> None:
        await bot.add_cog(PickCog())
        await bot.tree.sync()

    # discord.py declares its hooks as methods; this one client's is replaced
    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_bot(bot, emulator):
        options = {"where": elsewhere, "ping": their_role}
        # what Discord's client lets a user do: only this server's channels and roles
        with pytest.raises(ValueError, match="channel of Oranje Fans"):
            await emulator.invoke("/pick", options, member=demo.moderator, channel=demo.general)
        with pytest.raises(ValueError, match="role of Oranje Fans"):
            await emulator.invoke(
                "/pick",
                {"where": demo.oranje, "ping": their_role},
                member=demo.moderator,
                channel=demo.general,
            )
        crafted = await emulator.invoke(
            "/pick",
            options,
            member=demo.moderator,
            channel=demo.general,
            cross_guild_options=True,
        )
    assert crafted.content == f"{elsewhere.id} {their_role.id}"
    resolved = crafted.payload["data"]["resolved"]
    assert resolved["channels"][str(elsewhere.id)]["guild_id"] == str(other.id)
    assert str(their_role.id) in resolved["roles"]
    assert crafted.payload["guild_id"] == str(demo.guild.id)  # sent from Oranje Fans
