"""The database lost while the bot runs, and back: the real bot on PostgreSQL through a TCP path
the test cuts mid fan-out and opens again (tests/rigs/tcp_proxy.py), the emulator as Discord.

What a person sees: every channel gets every alert once, in order (nothing lost, nothing
doubled); fans' /medals is answered during the outage; /healthz says failing, with the reason,
then ok again; the outage is one line in the log, not one per attempt."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
import pytest

from medalbot.client import MedalBot
from medalbot.samples import sample_files
from medalbot.sandbox import FAST_DELIVERY, Sandbox
from tests.e2e.test_bot_alerts import messages, titles
from tests.e2e.test_bot_faults import expected_titles, settled
from tests.rigs.tcp_proxy import TcpProxy
from tests.store.conftest import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]

pytestmark = pytest.mark.e2e

CHANNELS = ("all-1", "all-2", "all-3", "all-4")
# One alert a message, and a channel paced to one message every 0.3 s: the day's fan-out
# takes seconds, so the cut after its first message lands in the middle of it.
SLOW_FANOUT = msgspec.structs.replace(
    FAST_DELIVERY, max_embeds_per_message=1, channel_rate=1, channel_period=0.3
)


async def ask_medals(sb: Sandbox) -> dict[str, Any]:
    result = await sb.emulator.invoke("/medals", None, member=sb.demo.fan, channel=sb.demo.general)
    assert not result.ephemeral, result.content
    (table,) = result.embeds
    return table


def outage_of(bot: MedalBot) -> Any:
    outage = bot.background.outage
    assert outage is not None
    return outage


async def test_a_lost_database_pauses_the_bot_and_it_resumes_by_itself_nothing_lost_or_doubled(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    proxy = TcpProxy(postgres_url)
    await proxy.open()
    files = sample_files("gamesday")
    try:
        async with Sandbox(files, store_url=proxy.url(postgres_url), delivery=SLOW_FANOUT) as sb:
            for name in CHANNELS:
                sb.emulator.world.add_channel(sb.demo.guild, name)
            bot = await sb.start_bot()
            assert bot.ops is not None
            for name in CHANNELS:
                await sb.subscribe(name)  # every nation's medals and records
            # the morning, then the relay's medals: a fan-out to every channel
            while sb.feed.current.name != "05-relay-medals.json":
                sb.advance_feed()
            await sb.emulator.wait_for(
                lambda: (s := bot.services.live.current) is not None and s.sequence == 105,
                timeout=10,
                recheck=0.01,
            )
            before = await ask_medals(sb)
            await sb.emulator.wait_for(
                lambda: sum(len(messages(sb, name)) for name in CHANNELS) >= 1, timeout=10
            )
            await proxy.cut()  # the database is gone, mid fan-out

            outage = outage_of(bot)
            await sb.emulator.wait_for(lambda: outage.down, timeout=10, recheck=0.01)
            health = await bot.ops.health()
            assert health.status == "failing"
            assert not health.store.reachable and health.store.error
            assert any(
                p.startswith("store: the database has not answered") for p in health.problems
            )
            sent_when_cut = sum(len(messages(sb, name)) for name in CHANNELS)

            # the rest of the day comes while the database is away: nothing is read and lost
            while sb.advance_feed():
                pass
            assert (await ask_medals(sb)) == before  # fans answered, from memory
            assert bot.services.live.current is not None
            assert bot.services.live.current.sequence == 105  # polling paused

            await proxy.open()  # the database is back
            await sb.emulator.wait_for(lambda: not outage.down, timeout=15, recheck=0.01)
            last = 116
            await sb.emulator.wait_for(
                lambda: (s := bot.services.live.current) is not None and s.sequence == last,
                timeout=15,
                recheck=0.01,
            )
            await settled(bot, within=60)
            for name in CHANNELS:
                expected = await expected_titles(bot, sb, name)
                assert titles(sb, name) == expected, name  # every alert once, in order
            assert sum(len(messages(sb, name)) for name in CHANNELS) > sent_when_cut
            health = await bot.ops.health()
            assert health.store.reachable and health.status == "ok", health.problems
            assert (await ask_medals(sb)) != before  # the afternoon's medals are counted
    finally:
        await proxy.cut()
    said = [r.getMessage() for r in caplog.records if r.name == "medalbot.store.outage"]
    assert len([m for m in said if m.startswith("the database is not answering")]) == 1, said
    assert len([m for m in said if m.startswith("the database answers again")]) == 1, said
    # and no traceback for it, from the bot or its driver (a poll cut off by the sandbox's
    # shutdown at the end is not the outage's)
    assert not [
        (r.name, r.getMessage())
        for r in caplog.records
        if r.exc_info and not isinstance(r.exc_info[1], asyncio.CancelledError)
    ]
