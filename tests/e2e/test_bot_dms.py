"""The bot in a fan's DMs, end to end: the real bot (discord.py) on the Discord emulator.

Fans who installed medalbot to their own account (a user-installable app) use its fans'
commands in a DM with the bot and in group DMs, answered in their own Discord language with
no server's settings to read; the moderators' /alerts stays in servers."""

from __future__ import annotations

import pytest
from discord_emulator import CommandNotAvailable

from medalbot.client import MedalBot
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import replay_all
from tests.e2e.test_bot_fans import games_clock, replay
from tests.e2e.test_bot_languages import RACE_EVENING, shown

pytestmark = pytest.mark.e2e

FANS_COMMANDS = ["athlete", "medals", "podium", "records", "schedule"]


async def started(sb: Sandbox) -> MedalBot:
    bot = await sb.start_bot()
    await sb.emulator.wait_for(lambda: bot.services.live.current is not None, timeout=5)
    return bot


async def test_medals_from_a_dm_of_the_app_installed_to_a_fans_account() -> None:
    # on the race evening: with today's clock the table is the Games' final one
    async with Sandbox(sample_files("w1000m"), clock=games_clock(RACE_EVENING)) as sb:
        world = sb.emulator.world
        fan = world.add_user("skate_fan_anywhere")  # in no server with the bot
        world.install_for_user(fan)
        dm = world.dm_with_bot(fan)
        await started(sb)
        await replay_all(sb)

        table = await sb.emulator.invoke_private("/medals", user=fan, channel=dm, locale="fr")
        assert table.payload["context"] == 1 and "guild_id" not in table.payload
        (embed,) = table.embeds
        assert str(embed["title"]).startswith("Tableau des médailles · "), embed["title"]
        assert "🇳🇱 Pays-Bas" in str(embed["description"])
        # the fan reads it in the DM, and can turn its pages there
        assert [m.id for m in sb.emulator.transcript(dm, viewer=fan)] == [table.original.id]  # type: ignore[union-attr]

        nation = await sb.emulator.invoke_private(
            "/medals", {"nation": "NED"}, user=fan, channel=dm, locale="de"
        )
        assert "Niederlande" in shown(nation)
        podium = await sb.emulator.invoke_private(
            "/podium", {"event": "SSKW1000M"}, user=fan, channel=dm, locale="ja"
        )
        assert str(podium.embeds[0]["title"]).startswith("スピードスケート · ")
        # a mistake gets the same clear answer as in a server, in the fan's language
        wrong = await sb.emulator.invoke_private(
            "/medals", {"nation": "XYZ"}, user=fan, channel=dm, locale="nl"
        )
        assert wrong.ephemeral and wrong.content == "Land “XYZ” doet niet mee aan deze Spelen."
        # while typing, the nations are offered in the fan's language too
        offered = await sb.emulator.autocomplete_private(
            "/medals", "nation", "pays", user=fan, channel=dm, locale="fr"
        )
        assert {"name": "🇳🇱 Pays-Bas (NED)", "value": "NED"} in offered


async def test_a_group_dm_gets_answers_from_the_app_a_member_installed() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        world = sb.emulator.world
        fan, friend = world.add_user("ines"), world.add_user("tomas")
        world.install_for_user(fan)
        group = world.add_group_dm(fan, [friend], name="Skating night")
        await started(sb)
        await replay_all(sb)
        assert sb.emulator.commands_offered(fan, group) == FANS_COMMANDS
        assert sb.emulator.commands_offered(friend, group) == []  # not installed by them
        records = await sb.emulator.invoke_private(
            "/records", user=fan, channel=group, locale="es-ES"
        )
        assert records.payload["context"] == 2
        assert "Femke KOK" in shown(records)
        assert [m.id for m in sb.emulator.transcript(group, viewer=friend)] == [
            records.original.id  # type: ignore[union-attr]
        ]


async def test_moderators_commands_are_not_offered_in_dms() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        moderator = sb.demo.moderator.user  # a moderator of a server with the bot
        sb.emulator.world.install_for_user(moderator)
        dm = sb.emulator.world.dm_with_bot(moderator)
        assert sb.emulator.commands_offered(moderator, dm) == FANS_COMMANDS
        with pytest.raises(CommandNotAvailable, match="/alerts is not offered"):
            await sb.emulator.invoke_private("/alerts list", user=moderator, channel=dm)
        # in the server, the same moderator still has it
        listed = await sb.emulator.invoke(
            "/alerts list", member=sb.demo.moderator, channel=sb.demo.general
        )
        assert listed.ephemeral
        synced = {c.name: c.payload for c in sb.emulator.synced_commands()}
        assert synced["alerts"]["contexts"] == [0]
        assert synced["alerts"]["integration_types"] == [0]
        for name in FANS_COMMANDS:
            assert synced[name]["contexts"] == [0, 1, 2], name
            assert synced[name]["integration_types"] == [0, 1], name


async def test_the_table_turns_its_pages_in_a_dm() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        world = sb.emulator.world
        fan = world.add_user("page_turner")
        world.install_for_user(fan)
        dm = world.dm_with_bot(fan)
        await started(sb)
        await replay(sb)
        table = await sb.emulator.invoke_private("/medals", user=fan, channel=dm, locale="it")
        message = table.original
        assert message is not None
        assert str(table.embeds[0]["footer"]["text"]).startswith("Pagina 1 di 2")
        (next_page,) = [
            b["custom_id"]
            for row in message.components
            for b in row["components"]
            if b["label"] == "▶"
        ]
        await sb.emulator.click(message, next_page, member=fan, locale="it")
        now = sb.emulator.message(message.id)
        assert now is not None
        assert str(now.embeds[0]["footer"]["text"]).startswith("Pagina 2 di 2")
        assert "🇸🇪 Svezia" in str(now.embeds[0]["description"])
