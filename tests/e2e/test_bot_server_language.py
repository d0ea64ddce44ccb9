"""A new server speaks its own language, end to end: the real bot (discord.py) on the Discord
emulator. Its Discord language (the guild's preferred_locale, from GUILD_CREATE) is in force
until a moderator chooses one with /alerts language; /alerts list says which and why; a fan's
answers are in the fan's own Discord language, whatever the server speaks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from discord_emulator import Channel, Guild, InteractionResult, Member
from discord_emulator.permissions import Permission

from medalbot.client import MedalBot
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import replay_all
from tests.e2e.test_bot_languages import shown

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Server:
    guild: Guild
    alerts: Channel
    moderator: Member
    fan: Member


def french_server(sb: Sandbox) -> Server:
    """A server whose Discord language is French; nobody has said anything to the bot yet."""
    world = sb.emulator.world
    guild = world.add_guild("Les Bleus", locale="fr")
    moderators = world.add_role(guild, "Modération", int(Permission.MANAGE_GUILD))
    alerts = world.add_channel(guild, "alertes")
    return Server(
        guild,
        alerts,
        world.add_member(guild, "claire_mod", [moderators]),
        world.add_member(guild, "kenji_fan"),
    )


async def started(sb: Sandbox) -> MedalBot:
    bot = await sb.start_bot()
    await sb.emulator.wait_for(lambda: bot.services.live.current is not None, timeout=5)
    return bot


async def run(
    sb: Sandbox,
    server: Server,
    command: str,
    options: dict[str, object] | None = None,
    *,
    member: Member | None = None,
    locale: str = "en-US",
) -> InteractionResult:
    return await sb.emulator.invoke(
        command, options, member=member or server.moderator, channel=server.alerts, locale=locale
    )


def alert_titles(sb: Sandbox, channel: Channel) -> list[str]:
    return [
        str(embed.get("title", ""))
        for message in sb.emulator.transcript(channel)
        if message.author.id == sb.emulator.bot_user.id
        for embed in message.embeds
    ]


async def test_a_french_server_gets_its_first_alert_in_french_without_a_moderator_choosing() -> (
    None
):
    async with Sandbox(sample_files("w1000m")) as sb:
        server = french_server(sb)
        await started(sb)
        # the moderator's own Discord is in English; the server's replies are in French
        subscribed = await run(sb, server, "/alerts subscribe", {"channel": server.alerts.id})
        assert (subscribed.content or "").startswith("Abonné\u00a0: "), subscribed.content
        listing = shown(await run(sb, server, "/alerts list"))
        assert "🌐 Langue\u00a0: Français — la langue Discord du serveur" in listing

        await replay_all(sb)
        titles = await sb.emulator.wait_for(
            lambda: t if len(t := alert_titles(sb, server.alerts)) >= 3 else None, timeout=10
        )
        assert titles[0] == "⚡ Record olympique pour Femke KOK, 🇳🇱 Pays-Bas", titles
        assert titles[2] == "🥇 Jutta LEERDAM remporte l'or pour 🇳🇱 Pays-Bas", titles

        # a Japanese fan in that server is answered in Japanese, a French one in French
        podium = await run(
            sb, server, "/podium", {"event": "SSKW1000M"}, member=server.fan, locale="ja"
        )
        (embed,) = podium.embeds
        assert str(embed["title"]).startswith("スピードスケート · "), embed["title"]
        french = await run(
            sb, server, "/podium", {"event": "SSKW1000M"}, member=server.fan, locale="fr"
        )
        assert str(french.embeds[0]["title"]).startswith("Patinage de vitesse · ")
        # and so is a mistake of theirs
        unknown = await run(
            sb, server, "/medals", {"nation": "XYZ"}, member=server.fan, locale="ja"
        )
        assert unknown.ephemeral and "XYZ" in (unknown.content or "")
        assert (
            unknown.content
            != (await run(sb, server, "/medals", {"nation": "XYZ"}, member=server.fan)).content
        )


def knows_discord_language(bot: MedalBot, guild: Guild, locale: str) -> bool:
    """The bot has heard (GUILD_UPDATE) and kept the server's new Discord language."""
    settings = bot.services.guilds.cached(guild.id)
    return settings is not None and settings.discord_locale == locale


async def test_a_moderators_choice_wins_over_the_servers_discord_language() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        server = french_server(sb)
        bot = await started(sb)
        chosen = await run(sb, server, "/alerts language", {"language": "de"})
        assert chosen.content == (
            "Meldungen und Antworten auf diesem Server sind jetzt auf Deutsch. Eigene Fragen "
            "beantworte ich weiterhin in der Discord-Sprache des jeweiligen Mitglieds."
        )
        listing = shown(await run(sb, server, "/alerts list"))
        assert "🌐 Sprache: Deutsch — von einem Moderator gewählt" in listing

        # the owner changes the server's Discord language: the choice stands
        sb.emulator.world.set_preferred_locale(server.guild, "it")
        await sb.emulator.wait_for(lambda: knows_discord_language(bot, server.guild, "it"), 5)
        listing = shown(await run(sb, server, "/alerts list"))
        assert "🌐 Sprache: Deutsch — von einem Moderator gewählt" in listing


async def test_a_server_follows_its_discord_language_when_it_changes(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'bot.db'}"
    async with Sandbox(sample_files("w1000m"), store_url=store_url) as sb:
        server = french_server(sb)
        bot = await started(sb)
        sb.emulator.world.set_preferred_locale(server.guild, "it")
        await sb.emulator.wait_for(lambda: knows_discord_language(bot, server.guild, "it"), 5)
        listing = shown(await run(sb, server, "/alerts list"))
        assert "🌐 Lingua: Italiano — la lingua Discord del server" in listing, listing
        # it survives a restart: the store keeps the Discord language beside the choice
        await sb.stop_bot()
        bot = await started(sb)
        listing = shown(await run(sb, server, "/alerts list"))
        assert "🌐 Lingua: Italiano — la lingua Discord del server" in listing, listing

        # a Discord language we do not speak leaves the server in English, and says so
        sb.emulator.world.set_preferred_locale(server.guild, "ko")
        await sb.emulator.wait_for(lambda: knows_discord_language(bot, server.guild, "ko"), 5)
        listing = shown(await run(sb, server, "/alerts list"))
        assert (
            "🌐 Language: English — the server's Discord language (Korean) isn't one I speak yet"
            in listing
        ), listing
