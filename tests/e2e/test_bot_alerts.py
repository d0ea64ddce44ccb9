"""Alerts end to end: a feed server, the real bot (discord.py) and the Discord emulator.

Every assertion reads what a person in a channel sees (the emulator's transcript)."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec
import pytest
from discord_emulator import EmulatorConfig, StoredMessage
from discord_emulator.permissions import Permission

from medalbot.samples import sample_files
from medalbot.sandbox import FAST_DELIVERY, Sandbox

pytestmark = pytest.mark.e2e

# One embed per message, so a backlog is many messages and a restart falls among them.
ONE_PER_MESSAGE = msgspec.structs.replace(
    FAST_DELIVERY, max_embeds_per_message=1, lease_seconds=1.0
)


def embeds_seen(sandbox: Sandbox, channel_name: str) -> list[dict[str, object]]:
    """Every embed a person in the channel sees, oldest first (messages in order)."""
    channel = sandbox.emulator.world.find_channel(sandbox.demo.guild, channel_name)
    return [
        embed
        for message in sandbox.emulator.transcript(channel)
        if message.author.id == sandbox.emulator.bot_user.id
        for embed in message.embeds
    ]


def titles(sandbox: Sandbox, channel_name: str) -> list[str]:
    return [str(e.get("title", "")) for e in embeds_seen(sandbox, channel_name)]


def messages(sandbox: Sandbox, channel_name: str) -> list[StoredMessage]:
    channel = sandbox.emulator.world.find_channel(sandbox.demo.guild, channel_name)
    return [
        m
        for m in sandbox.emulator.transcript(channel)
        if m.author.id == sandbox.emulator.bot_user.id
    ]


async def wait_titles(
    sandbox: Sandbox, channel: str, count: int, within: float = 10.0
) -> list[str]:
    return await sandbox.emulator.wait_for(
        lambda: t if len(t := titles(sandbox, channel)) >= count else None, timeout=within
    )


async def replay_all(sandbox: Sandbox) -> None:
    """Serve the remaining snapshots one by one, waiting until the bot has read each."""
    while sandbox.advance_feed():
        await sandbox.wait_feed_read()


async def test_the_1000m_reaches_a_ned_channel_in_order_once_and_jpn_gets_the_bronze() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        sb.emulator.world.add_channel(sb.demo.guild, "japan")
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("japan", nation="JPN", records=False)
        while sb.advance_feed():
            await sb.wait_feed_read()
        oranje = await wait_titles(sb, "oranje", 3)
        japan = await wait_titles(sb, "japan", 1)
        # let anything that would be a duplicate arrive: wait until the outbox is empty
        await sb.emulator.wait_for(
            lambda: sb.bot is not None and sb.bot.sender.stats.sent >= 4, timeout=5
        )
        assert sb.bot is not None
        await sb.bot.sender.wait_idle()

        oranje = titles(sb, "oranje")
        assert len(oranje) == 3, oranje
        assert "record" in oranje[0].lower() and "Femke KOK" in oranje[0]
        assert "record" in oranje[1].lower() and "Jutta LEERDAM" in oranje[1]
        assert "Jutta LEERDAM" in oranje[2] and "gold" in oranje[2]
        leerdam = embeds_seen(sb, "oranje")[1]
        assert "1:12.59" in str(leerdam["description"]) and "Femke KOK" in str(
            leerdam["description"]
        )
        podium = str(embeds_seen(sb, "oranje")[2]["fields"])
        assert podium.index("LEERDAM") < podium.index("KOK") < podium.index("TAKAGI")

        japan = titles(sb, "japan")
        assert len(japan) == 1 and "Miho TAKAGI" in japan[0] and "bronze" in japan[0]
        # nobody was pinged: no role was chosen
        assert not any(m.pings.anyone for m in messages(sb, "oranje") + messages(sb, "japan"))


async def test_within_seconds_of_the_feed() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        sb.advance_feed()  # KOK's record
        started = time.monotonic()
        await wait_titles(sb, "oranje", 1)
        # The poll runs every 0.05 s here and a new alert wakes the sender at once, so this is
        # a fraction of a second; the bound is loose so a slow machine does not fail it.
        assert time.monotonic() - started < 5.0


async def test_a_chosen_role_is_pinged_and_feed_text_pings_nobody(tmp_path: Path) -> None:
    snapshots = [tmp_path / p.name for p in sample_files("w1000m")]
    for src, dst in zip(sample_files("w1000m"), snapshots, strict=True):
        dst.write_text(
            src.read_text(encoding="utf-8").replace("Femke KOK", "@everyone <@&1> @here"),
            encoding="utf-8",
        )
    async with Sandbox(snapshots) as sb:
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED", role=sb.demo.alerts_role.id)
        await sb.subscribe("general", nation="NED")
        sb.advance_feed()
        await wait_titles(sb, "oranje", 1)
        await wait_titles(sb, "general", 1)
        (with_role,) = messages(sb, "oranje")
        assert with_role.pings.roles == {sb.demo.alerts_role.id}
        assert not with_role.pings.everyone and not with_role.pings.users
        (plain,) = messages(sb, "general")
        assert not plain.pings.anyone
        assert "everyone" in titles(sb, "general")[0]  # shown, but inert


async def test_a_restart_while_a_message_is_on_the_wire_posts_it_once(tmp_path: Path) -> None:
    db = tmp_path / "medalbot.db"
    async with Sandbox(
        sample_files("w1000m"), store_url=f"sqlite:///{db}", delivery=ONE_PER_MESSAGE
    ) as sb:
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        # Discord is slow to answer the first alert: the bot stops while it waits, and Discord
        # creates the message anyway; the restarted bot must not post it a second time.
        on_the_wire = sb.emulator.hold("POST /channels/{channel_id}/messages", times=1)
        sb.advance_feed()
        await sb.emulator.wait_for(lambda: on_the_wire.hits == 1, timeout=30)
        await sb.stop_bot()
        on_the_wire.release()
        await sb.emulator.wait_for(lambda: titles(sb, "oranje"), timeout=30)  # created anyway
        await sb.start_bot()
        await replay_all(sb)
        await wait_titles(sb, "oranje", 3, within=15)
        assert sb.bot is not None
        await sb.bot.sender.wait_idle()
        seen = titles(sb, "oranje")
        assert len(seen) == 3 and "Femke KOK" in seen[0] and "Jutta LEERDAM" in seen[1], seen
        first_nonce = messages(sb, "oranje")[0].nonce
        posts = sb.emulator.requests_to("POST", "/messages")
        resent = [r for r in posts if r.json.get("nonce") == first_nonce]
        assert len(resent) == 2  # before the restart and again after it, with one nonce


async def test_restart_in_the_middle_of_a_delivery_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "medalbot.db"
    # Channels take 5 messages per 0.5 s here (Discord: per 5 s), to keep the test short.
    quick = EmulatorConfig(channel_message_window=0.5)
    delivery = msgspec.structs.replace(ONE_PER_MESSAGE, channel_period=0.5)
    async with Sandbox(
        sample_files("gamesday"),
        store_url=f"sqlite:///{db}",
        delivery=delivery,
        emulator_config=quick,
    ) as sb:
        await sb.start_bot()
        await sb.subscribe("golds", medals="gold")
        await sb.subscribe("oranje", nation="NED")
        # Discord answers slowly, so a restart lands while messages are in flight
        sb.emulator.slow("POST /channels/{channel_id}/messages", 0.2, times=None)
        while sb.advance_feed():
            pass
        await sb.emulator.wait_for(lambda: len(messages(sb, "golds")) >= 1, timeout=10)
        await sb.stop_bot()  # mid-delivery: some rows are claimed, some messages on the wire
        before_restart = len(titles(sb, "golds")) + len(titles(sb, "oranje"))
        sb.emulator.clear_faults()
        bot = await sb.start_bot()
        await sb.emulator.wait_for(lambda: bot.services.live.current is not None, timeout=5)
        for channel in ("golds", "oranje"):
            expected = await expected_alerts(bot, sb, channel)
            await wait_titles(sb, channel, len(expected), within=15.0)
        await bot.sender.wait_idle()
        for channel in ("golds", "oranje"):
            expected = await expected_alerts(bot, sb, channel)
            seen = titles(sb, channel)
            assert len(seen) == len(expected), (channel, seen)
            assert len(set(seen)) == len(seen), "an alert was posted twice"
        total = len(titles(sb, "golds")) + len(titles(sb, "oranje"))
        assert 0 < before_restart < total  # the restart really fell in the middle


async def expected_alerts(bot: object, sb: Sandbox, channel_name: str) -> list[str]:
    """Ids of the logged alerts the channel's subscription asked for."""
    from medalbot.client import MedalBot
    from medalbot.services.routing import matches

    assert isinstance(bot, MedalBot)
    channel = sb.emulator.world.find_channel(sb.demo.guild, channel_name)
    (sub,) = [
        s for s in await bot.services.store.list_subscriptions() if s.channel_id == channel.id
    ]
    state = bot.services.live.current
    assert state is not None
    return [a.id for a in await bot.services.store.list_alerts(state.games_code) if matches(sub, a)]


async def test_a_channel_that_refuses_us_is_paused_and_list_says_why() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.start_bot()
        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("golds", medals="gold")
        # a moderator takes away the bot's right to post in #oranje
        sb.emulator.set_overwrite(sb.demo.oranje, sb.demo.bot, deny=int(Permission.SEND_MESSAGES))
        await replay_all(sb)
        await wait_titles(sb, "golds", 1)
        await sb.emulator.wait_for(
            lambda: sb.bot is not None and sb.bot.sender.stats.paused_channels == 1, timeout=5
        )
        listing = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert listing.ephemeral
        text = str(listing.embeds)
        assert "Paused" in text and "Missing Permissions" in text
        assert titles(sb, "oranje") == []
        # the moderators were told once, in the server's system channel or log channel
