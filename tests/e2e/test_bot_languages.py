"""Each server's language end to end: the real bot (discord.py) on the Discord emulator.

A moderator picks the server's language with /alerts language; alerts, moderators' replies and
refusals and the notice about a paused channel then read in it, whatever language the
moderator's own Discord is set to; a fan's answers are in the fan's own Discord language
(tests/e2e/test_bot_server_language.py: a server's Discord language). Slash commands carry
names and descriptions in every language we speak.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from discord_emulator import InteractionResult, Member
from discord_emulator.permissions import Permission

from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_alerts import messages, replay_all, wait_titles
from tests.e2e.test_bot_fans import games_clock
from tests.e2e.test_bot_faults import settled
from tests.e2e.test_bot_moderation import started

pytestmark = pytest.mark.e2e


async def run(
    sb: Sandbox,
    command: str,
    options: dict[str, Any] | None = None,
    *,
    member: Member | None = None,
    locale: str = "en-US",
) -> InteractionResult:
    """A member (the moderator unless told) runs a command in #general, from an English
    Discord client unless told: the server's language, not the moderator's, decides a
    moderator's reply; a fan's own language decides theirs."""
    return await sb.emulator.invoke(
        command,
        options,
        member=member or sb.demo.moderator,
        channel=sb.demo.general,
        locale=locale,
    )


def shown(result: InteractionResult) -> str:
    """Everything a reply shows, as one text."""
    parts = [result.content or ""]
    for e in result.embeds:
        parts += [str(e.get("title", "")), str(e.get("description", ""))]
        parts += [f"{f['name']}\n{f['value']}" for f in e.get("fields", [])]
        parts.append(str(e.get("footer", {}).get("text", "")))
    return "\n".join(parts)


RACE_EVENING = datetime(2026, 2, 9, 18, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Seen:
    """What a person reads in one language."""

    language_set: str | None  # the reply to /alerts language (None: never set, the default)
    subscribed: str
    record: str
    gold: str
    table_title: str
    nation: str
    podium_status: str
    sport: str
    no_nation: str


ENGLISH = Seen(
    language_set=None,
    subscribed="Subscribed: ",
    record="⚡ New Olympic record: Femke KOK, 🇳🇱 Netherlands",
    gold="🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands",
    table_title="Medal table · ",
    nation="🇳🇱 Netherlands",
    podium_status="✅ Official",
    sport="Speed Skating · ",
    no_nation="No nation “XYZ” takes part in these Games.",
)
DUTCH = Seen(
    language_set=(
        "Meldingen en antwoorden op deze server zijn nu in het Nederlands. Eigen vragen van "
        "leden worden nog steeds beantwoord in hun Discord-taal."
    ),
    subscribed="Geabonneerd: ",
    record="⚡ Nieuw olympisch record: Femke KOK, 🇳🇱 Nederland",
    gold="🥇 Jutta LEERDAM wint goud voor 🇳🇱 Nederland",
    table_title="Medaillespiegel · ",
    nation="🇳🇱 Nederland",
    podium_status="✅ Officieel",
    sport="Schaatsen · ",
    no_nation="Land “XYZ” doet niet mee aan deze Spelen.",
)


@pytest.mark.parametrize(("language", "seen"), [(None, ENGLISH), ("nl", DUTCH)])
async def test_alerts_replies_and_refusals_speak_the_servers_language(
    language: str | None, seen: Seen
) -> None:
    # played on the evening of the race: a month later the table would be the final one
    async with Sandbox(sample_files("w1000m"), clock=games_clock(RACE_EVENING)) as sb:
        await started(sb)
        demo = sb.demo
        if language is not None:
            chosen = await run(sb, "/alerts language", {"language": language})
            assert chosen.ephemeral and chosen.content == seen.language_set
        subscribed = await run(
            sb, "/alerts subscribe", {"channel": demo.oranje.id, "nation": "NED"}
        )
        assert (subscribed.content or "").startswith(seen.subscribed), subscribed.content

        await replay_all(sb)
        alerts = await wait_titles(sb, "oranje", 3)
        assert alerts[0] == seen.record, alerts
        assert alerts[2] == seen.gold, alerts

        # a fan whose Discord speaks the language reads the answers in it
        fan_locale = language or "en-US"
        table = await run(sb, "/medals", member=demo.fan, locale=fan_locale)
        (table_embed,) = table.embeds
        assert str(table_embed["title"]).startswith(seen.table_title)
        assert seen.nation in str(table_embed["description"])

        podium = await run(
            sb, "/podium", {"event": "SSKW1000M"}, member=demo.fan, locale=fan_locale
        )
        (podium_embed,) = podium.embeds
        assert str(podium_embed["title"]).startswith(seen.sport)
        assert str(podium_embed["description"]).startswith(seen.podium_status)

        refused = await run(sb, "/medals", {"nation": "XYZ"}, member=demo.fan, locale=fan_locale)
        assert refused.ephemeral and refused.content == seen.no_nation

        # a fan whose Discord is in English reads English, whatever the server speaks
        english = await run(sb, "/podium", {"event": "SSKW1000M"}, member=demo.fan)
        assert str(english.embeds[0]["title"]).startswith(ENGLISH.sport)


async def test_a_dutch_server_reads_its_moderator_replies_in_dutch() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        demo = sb.demo
        await run(sb, "/alerts language", {"language": "nl"})
        await run(sb, "/alerts subscribe", {"channel": demo.oranje.id, "nation": "NED"})
        listing = await run(sb, "/alerts list")
        text = shown(listing)
        assert "Abonnementen op meldingen (1/25)" in text
        assert "🇳🇱 Nederland · alle sporten · alle medailles · records aan" in text
        assert "Ik kan daar posten." in text
        # sports and nations are offered in the typing moderator's own language (only they
        # see the suggestions), found by their Dutch or English name
        for typed in ("schaat", "speed"):
            offered = await sb.emulator.autocomplete(
                "/alerts subscribe",
                "sport",
                typed,
                member=demo.moderator,
                channel=demo.general,
                locale="nl",
            )
            assert offered == [{"name": "Schaatsen", "value": "Speed Skating"}]
        nations = await sb.emulator.autocomplete(
            "/alerts subscribe",
            "nation",
            "neder",
            member=demo.moderator,
            channel=demo.general,
            locale="nl",
        )
        assert nations == [{"name": "🇳🇱 Nederland (NED)", "value": "NED"}]
        in_english = await sb.emulator.autocomplete(
            "/alerts subscribe", "sport", "speed", member=demo.moderator, channel=demo.general
        )
        assert in_english == [{"name": "Speed Skating", "value": "Speed Skating"}]
        everyone = await run(
            sb, "/alerts subscribe", {"channel": demo.oranje.id, "role": demo.guild.id}
        )
        assert everyone.content == "Ik ping nooit @everyone. Kies liever een specifieke rol."
        # a fan's crafted interaction (Discord hides the command from fans)
        not_a_fan_command = await sb.emulator.invoke(
            "/alerts list",
            member=demo.fan,
            channel=demo.general,
            ignore_default_permissions=True,
        )
        assert not_a_fan_command.content == (
            "Alleen moderators (Server beheren) kunnen dit commando gebruiken."
        )
        back = await run(sb, "/alerts language", {"language": "en"})
        assert back.content == (
            "Alerts and replies on this server are now in English. Members' own questions are "
            "still answered in their Discord language."
        )
        assert "all sports · all medals · records on" in shown(await run(sb, "/alerts list"))


# Discord's locales for the languages we speak, and the names two commands get in each.
DISCORD_LOCALES = ("nl", "fr", "de", "it", "es-ES", "es-419", "pt-BR", "ja")
MEDALS = (
    "medailles",
    "médailles",
    "medaillen",
    "medaglie",
    "medallas",
    "medallas",
    "medalhas",
    "メダル",
)
ALERTS = ("meldingen", "alertes", "meldungen", "avvisi", "alertas", "alertas", "alertas", "通知")


async def test_synced_commands_carry_names_and_descriptions_in_every_language() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        synced = {c.name: c.payload for c in sb.emulator.synced_commands()}
        assert synced["medals"]["name_localizations"] == dict(
            zip(DISCORD_LOCALES, MEDALS, strict=True)
        )
        assert synced["medals"]["description_localizations"]["nl"] == (
            "De medaillespiegel, de medailles van één land, of de medaillerace"
        )
        assert synced["medals"]["description_localizations"]["fr"] == (
            "Le tableau des médailles, les médailles d'une nation, ou la course aux médailles"
        )
        medals_options = {o["name"]: o for o in synced["medals"]["options"]}
        assert medals_options["nation"]["name_localizations"]["nl"] == "land"
        order_choices = {c["value"]: c for c in medals_options["order"]["choices"]}
        assert order_choices["medals"]["name_localizations"]["nl"] == "Eerst goud (IOC)"
        assert order_choices["medals"]["name_localizations"]["de"] == "Gold zuerst (IOC)"
        assert synced["schedule"]["name_localizations"]["nl"] == "programma"
        assert synced["schedule"]["name_localizations"]["ja"] == "日程"

        alerts = synced["alerts"]
        assert alerts["name_localizations"] == dict(zip(DISCORD_LOCALES, ALERTS, strict=True))
        subcommands = {o["name"]: o for o in alerts["options"]}
        assert subcommands["language"]["name_localizations"]["nl"] == "taal"
        assert subcommands["logchannel"]["name_localizations"]["nl"] == "logkanaal"
        (language,) = subcommands["language"]["options"]
        # every language we speak is offered, named in itself, for everyone
        assert [(c["name"], c["value"]) for c in language["choices"]] == [
            ("English", "en"),
            ("Nederlands", "nl"),
            ("Français", "fr"),
            ("Deutsch", "de"),
            ("Italiano", "it"),
            ("Español", "es"),
            ("Português (Brasil)", "pt_BR"),
            ("日本語", "ja"),
        ]
        assert all(not c.get("name_localizations") for c in language["choices"])

        # Nothing was left out: every command, subcommand and option describes itself in every
        # language (a name spelt as in English, "podium", is sent without a localisation).
        def untranslated(item: dict[str, Any], locale: str) -> list[str]:
            described = (item.get("description_localizations") or {}).get(locale)
            missing = [] if described else [item["name"]]
            for option in item.get("options") or []:
                missing += [f"{item['name']} {m}" for m in untranslated(option, locale)]
            return missing

        for locale in DISCORD_LOCALES:
            assert [m for p in synced.values() for m in untranslated(p, locale)] == [], locale


PAUSED_NOTICE = (
    "⏸️ Meldingen in <#{channel}> zijn gepauzeerd: Rechten ontbreken: de bot mag hier geen "
    "berichten met embeds plaatsen. Herstel de rechten van het kanaal en gebruik daarna "
    "/alerts resume."
)


@pytest.mark.parametrize("log_channel", ["mods", None])
async def test_the_paused_channel_notice_is_told_once_in_dutch(log_channel: str | None) -> None:
    """In the log channel if one is set, else in the system channel (#general here)."""
    async with Sandbox(sample_files("w1000m")) as sb:
        mods = sb.emulator.world.add_channel(sb.demo.guild, "mods")
        bot = await started(sb)
        demo = sb.demo
        await run(sb, "/alerts language", {"language": "nl"})
        if log_channel is not None:
            log_set = await run(sb, "/alerts logchannel", {"channel": mods.id})
            assert log_set.ephemeral and log_set.content == (
                "Als meldingen in een kanaal gepauzeerd worden, laat ik dat de moderators weten "
                f"in <#{mods.id}>."
            )
        # two subscriptions in #oranje: one pause of the channel, so one notice
        await run(sb, "/alerts subscribe", {"channel": demo.oranje.id, "nation": "NED"})
        await run(sb, "/alerts subscribe", {"channel": demo.oranje.id, "medals": "gold"})
        await run(sb, "/alerts subscribe", {"channel": demo.golds.id, "nation": "NED"})
        sb.emulator.set_overwrite(demo.oranje, demo.bot, deny=int(Permission.SEND_MESSAGES))

        await replay_all(sb)  # two records, then the gold: refused in #oranje, shown in #golds
        golds = await wait_titles(sb, "golds", 3)
        assert "wint goud" in golds[2]
        await sb.emulator.wait_for(lambda: bot.sender.stats.paused_channels == 1, timeout=5)
        await settled(bot)

        told_in = log_channel or "general"
        notices = [m.content for m in messages(sb, told_in) if (m.content or "").startswith("⏸️")]
        assert notices == [PAUSED_NOTICE.format(channel=demo.oranje.id)]
        elsewhere = {"mods", "general", "golds"} - {told_in}
        assert not [m for name in elsewhere for m in messages(sb, name) if m.content]
        listing = shown(await run(sb, "/alerts list"))
        assert listing.count("⏸️ Gepauzeerd: Rechten ontbreken") == 2


async def test_without_a_channel_the_log_channel_is_the_system_channel_again() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        mods = sb.emulator.world.add_channel(sb.demo.guild, "mods")
        await started(sb)
        await run(sb, "/alerts language", {"language": "nl"})
        await run(sb, "/alerts logchannel", {"channel": mods.id})
        reset = await run(sb, "/alerts logchannel")
        assert reset.ephemeral and reset.content == (
            "Als meldingen in een kanaal gepauzeerd worden, laat ik dat de moderators weten "
            f"in het systeemkanaal, <#{sb.demo.general.id}>."
        )
        sb.emulator.set_overwrite(mods, sb.demo.bot, deny=int(Permission.SEND_MESSAGES))
        refused = await run(sb, "/alerts logchannel", {"channel": mods.id})
        assert refused.content == (
            f"Ik kan niet posten in <#{mods.id}>: daar mis ik deze rechten: Berichten verzenden. "
            "Geef me die rechten in de instellingen van het kanaal en probeer het opnieuw."
        )


def discord_name_problem(name: str) -> str | None:
    """Discord's rule for chat input command and option names, ``^[-_'\\p{L}\\p{N}]{1,32}$``
    (any script) and lowercase where the script has case; None when the name keeps it."""
    if not 1 <= len(name) <= 32:
        return f"{name!r}: {len(name)} characters"
    bad = [c for c in name if c not in "-_'" and unicodedata.category(c)[0] not in "LN"]
    if bad:
        return f"{name!r}: {bad}"
    return f"{name!r}: not lowercase" if name != name.lower() else None


async def test_every_localisation_keeps_discords_rules() -> None:
    async with Sandbox(sample_files("w1000m")) as sb:
        await started(sb)
        synced = [c.payload for c in sb.emulator.synced_commands()]
        problems: list[str] = []

        def check(items: list[dict[str, Any]], where: str) -> None:
            for locale in DISCORD_LOCALES:
                # siblings' names, as a client in this locale shows them, must differ
                shown = [(i.get("name_localizations") or {}).get(locale, i["name"]) for i in items]
                if len(set(shown)) != len(shown):
                    problems.append(f"{where}: duplicate names in {locale}: {shown}")
            for item in items:
                here = f"{where}/{item['name']}"
                for locale, name in (item.get("name_localizations") or {}).items():
                    if (problem := discord_name_problem(name)) is not None:
                        problems.append(f"{here} [{locale}] {problem}")
                for locale, text in (item.get("description_localizations") or {}).items():
                    if not 1 <= len(text) <= 100:
                        problems.append(f"{here} [{locale}] description of {len(text)}: {text!r}")
                for choice in item.get("choices") or []:
                    names = [choice["name"], *(choice.get("name_localizations") or {}).values()]
                    problems.extend(f"{here} choice {n!r}" for n in names if not 1 <= len(n) <= 100)
                check(item.get("options") or [], here)

        check(synced, "")
        assert problems == []
        localised = sum(len(p.get("name_localizations") or {}) for p in synced)
        assert localised >= len(synced) * 6  # the check above had localisations to look at
