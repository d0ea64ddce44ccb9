"""Fans' slash commands end to end: the real bot (discord.py) on the Discord emulator, fed by
the replayed sample snapshots. Every assertion reads what the person who asked sees."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from discord_emulator import CallbackType, InteractionResult, Member, StoredMessage

from medalbot.domain.models import Snapshot
from medalbot.samples import sample_files
from medalbot.sandbox import Sandbox
from medalbot.services.clock import Clock, utc_now
from medalbot.store.base import GuildSettings
from medalbot.store.memory import MemoryStore

pytestmark = pytest.mark.e2e

DEADLINE = 3.0  # Discord shows "The application did not respond" after 3 s
NOT_YOURS = "Use /medals to get your own table."
AIN_NOT_RANKED = (
    "Not ranked: Individual Neutral Athletes (AIN), who compete without a national team; "
    "the table ranks nations."
)


def games_clock(at: datetime) -> Clock:
    """The wall clock moved to a moment of the replayed Games day (it keeps running)."""
    offset = at - utc_now()
    return lambda: utc_now() + offset


def sequence_of(path: Path) -> int:
    return msgspec.json.decode(path.read_bytes(), type=Snapshot).sequence


async def bot_has_read(sb: Sandbox) -> None:
    """Until the bot has applied the snapshot the feed serves now."""
    wanted = sequence_of(sb.feed.current)
    await sb.emulator.wait_for(
        lambda: (
            sb.bot is not None
            and (state := sb.bot.services.live.current) is not None
            and state.sequence >= wanted
        ),
        timeout=5.0,
        recheck=0.01,  # the bot's state is not an emulator change
    )


async def replay(sb: Sandbox, until_file: str | None = None) -> None:
    """Serve the snapshots one by one (to the end, or up to the file named ``until_file``),
    each read by the bot before the next, so records and statuses are seen as they happened."""
    await bot_has_read(sb)
    while sb.feed.current.stem != until_file and sb.advance_feed():
        await bot_has_read(sb)
    if until_file is not None:
        assert sb.feed.current.stem == until_file


async def ask(
    sb: Sandbox,
    command: str,
    options: Mapping[str, Any] | None = None,
    *,
    member: Member | None = None,
) -> InteractionResult:
    """A member runs a command in #general; the bot must answer within Discord's deadline."""
    result = await sb.emulator.invoke(
        command, options, member=member or sb.demo.fan, channel=sb.demo.general
    )
    assert result.response_latency is not None and result.response_latency < DEADLINE
    return result


async def typing(sb: Sandbox, command: str, option: str, typed: str) -> list[str]:
    """The choices offered while a fan types into an option: 'label = value'."""
    choices = await sb.emulator.autocomplete(
        command, option, typed, member=sb.demo.fan, channel=sb.demo.general
    )
    return [f"{c['name']} = {c['value']}" for c in choices]


async def click(
    sb: Sandbox, message: StoredMessage, label: str, member: Member
) -> InteractionResult:
    button = next(
        b for row in message.components for b in row["components"] if b.get("label") == label
    )
    result = await sb.emulator.click(message, button["custom_id"], member=member)
    assert result.response_latency is not None and result.response_latency < DEADLINE
    return result


def shown_now(sb: Sandbox, message: StoredMessage) -> StoredMessage:
    """The message as people see it now (edits applied)."""
    current = sb.emulator.message(message.id)
    assert current is not None
    return current


def embed(result: InteractionResult | StoredMessage) -> dict[str, Any]:
    (only,) = result.embeds
    return only


def lines(text: object) -> list[str]:
    return [line for line in str(text).split("\n") if line]


def field(result: InteractionResult, name: str) -> list[str]:
    (found,) = [f for f in embed(result).get("fields", []) if f["name"] == name]
    return lines(found["value"])


def buttons(message: StoredMessage) -> dict[str, bool]:
    """Each button's label and whether it can be clicked."""
    return {
        b["label"]: not b.get("disabled", False)
        for row in message.components
        for b in row["components"]
    }


def discord_time(when: str, style: str) -> str:
    return f"<t:{int(datetime.fromisoformat(when).timestamp())}:{style}>"


# /medals ------------------------------------------------------------------------------------


async def test_the_table_ranks_ioc_style_ten_a_page_and_highlights_the_followed_nation() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)

        plain = await ask(sb, "/medals")
        assert not plain.ephemeral and "⭐" not in str(plain.embeds)

        await sb.subscribe("oranje", nation="NED")
        table = await ask(sb, "/medals")
        assert not table.ephemeral
        shown = embed(table)
        assert shown["title"] == "Medal table · Milano Cortina 2026"
        rows = lines(shown["description"])
        assert len(rows) == 10
        # gold first, then silver, then bronze; equal counts share a rank, listed by code
        assert rows[0] == "**`  1.` 🇳🇱 Netherlands — 🥇 1 🥈 2 🥉 0 · 3** ⭐"
        assert rows[1] == "`  1.` 🇳🇴 Norway — 🥇 1 🥈 2 🥉 0 · 3"
        assert rows[2] == "`  3.` 🇮🇹 Italy — 🥇 1 🥈 1 🥉 0 · 2"
        assert [r[:6] for r in rows[3:]] == ["`  4.`"] * 3 + ["`  7.`"] + ["`  8.`"] * 3
        assert "Austria" in rows[6] and "🥈 1" in rows[6]  # a silver beats any number of bronzes
        # the neutral athletes' silver is announced but not ranked
        assert shown["footer"]["text"] == f"Page 1 of 2 · {AIN_NOT_RANKED}"
        assert "Individual Neutral" not in shown["description"]  # not a row of the table
        message = table.original
        assert message is not None
        assert buttons(message) == {"◀": False, "▶": True}
        # another member's click is refused, to them only, and the table stays as it was
        refused = await click(sb, message, "▶", sb.demo.moderator)
        assert refused.ephemeral and refused.content == NOT_YOURS
        assert shown_now(sb, message).embeds == table.embeds

        turned = await click(sb, message, "▶", sb.demo.fan)
        assert turned.response_type is CallbackType.UPDATE_MESSAGE
        now = shown_now(sb, message)
        page_two = lines(embed(now)["description"])
        assert page_two == [
            "`  8.` 🇸🇮 Slovenia — 🥇 0 🥈 0 🥉 1 · 1",
            "`  8.` 🇸🇪 Sweden — 🥇 0 🥈 0 🥉 1 · 1",
        ]
        assert embed(now)["footer"]["text"] == f"Page 2 of 2 · {AIN_NOT_RANKED}"
        assert buttons(now) == {"◀": True, "▶": False}

        back = await click(sb, now, "◀", sb.demo.fan)
        assert back.response_type is CallbackType.UPDATE_MESSAGE
        assert lines(embed(shown_now(sb, message))["description"]) == rows


async def test_the_table_still_turns_its_pages_after_the_bot_restarted(tmp_path: Path) -> None:
    async with Sandbox(
        sample_files("gamesday"), store_url=f"sqlite:///{tmp_path / 'bot.db'}", feed_interval=0.01
    ) as sb:
        await sb.start_bot()
        await replay(sb)
        table = await ask(sb, "/medals", {"order": "total"})
        assert table.original is not None
        await sb.stop_bot()
        await sb.start_bot()
        await bot_has_read(sb)

        turned = await click(sb, table.original, "▶", sb.demo.fan)
        assert turned.response_type is CallbackType.UPDATE_MESSAGE
        now = embed(shown_now(sb, table.original))
        assert now["title"].endswith(" · by total")  # the order chosen is kept
        assert now["footer"]["text"] == f"Page 2 of 2 · {AIN_NOT_RANKED}"
        assert lines(now["description"])[0] == "`  8.` 🇸🇮 Slovenia — 🥇 0 🥈 0 🥉 1 · 1"
        refused = await click(sb, shown_now(sb, table.original), "◀", sb.demo.moderator)
        assert refused.ephemeral and refused.content == NOT_YOURS


async def test_order_total_ranks_by_the_number_of_medals(tmp_path: Path) -> None:
    # The 1000 m with KOK skating for Japan: NED has one gold, JPN a silver and a bronze.
    files = []
    for source in sample_files("w1000m"):
        snapshot = msgspec.json.decode(source.read_bytes(), type=Snapshot)
        events = tuple(
            msgspec.structs.replace(
                event,
                results=tuple(
                    msgspec.structs.replace(
                        r, competitor=msgspec.structs.replace(r.competitor, noc="JPN")
                    )
                    if r.competitor.name == "Femke KOK"
                    else r
                    for r in event.results
                ),
            )
            for event in snapshot.events
        )
        target = tmp_path / source.name
        target.write_bytes(msgspec.json.encode(msgspec.structs.replace(snapshot, events=events)))
        files.append(target)
    async with Sandbox(files, feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        ioc = lines(embed(await ask(sb, "/medals"))["description"])
        by_total = embed(await ask(sb, "/medals", {"order": "total"}))
        assert ioc == [
            "`  1.` 🇳🇱 Netherlands — 🥇 1 🥈 0 🥉 0 · 1",
            "`  2.` 🇯🇵 Japan — 🥇 0 🥈 1 🥉 1 · 2",
        ]
        assert by_total["title"].endswith(" · by total")
        assert lines(by_total["description"]) == [
            "`  1.` 🇯🇵 Japan — 🥇 0 🥈 1 🥉 1 · 2",
            "`  2.` 🇳🇱 Netherlands — 🥇 1 🥈 0 🥉 0 · 1",
        ]


async def test_a_nations_medals_by_event_with_athletes_and_marks() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        ned = await ask(sb, "/medals", {"nation": "NED"})
        assert not ned.ephemeral
        assert embed(ned)["title"] == "🇳🇱 Netherlands"
        assert embed(ned)["description"] == "Rank 1 in the medal table · 🥇 1 🥈 2 🥉 0 · 3"
        start_1000m = discord_time("2026-02-09T16:30:00+01:00", "d")
        start_short_track = discord_time("2026-02-09T20:15:00+01:00", "d")
        assert field(ned, "Medals") == [
            f"🥇 Speed Skating · Women's 1000m — Jutta LEERDAM 1:12.31 · {start_1000m}",
            f"🥈 Speed Skating · Women's 1000m — Femke KOK 1:12.59 · {start_1000m}",
            f"🥈 Short Track Speed Skating · Men's 1000m (fictional) — Daan VERMEULEN 1:20.391 · "
            f"{start_short_track}",
        ]
        # a team medal names its athletes
        nor = await ask(sb, "/medals", {"nation": "NOR"})
        relay = [line for line in field(nor, "Medals") if "Relay" in line]
        assert len(relay) == 1 and "(" in relay[0] and ", " in relay[0]

        # the neutral athletes' silver is theirs, though the table leaves them out
        neutral = await ask(sb, "/medals", {"nation": "AIN"})
        assert embed(neutral)["description"] == "Not ranked in the medal table."
        (silver,) = field(neutral, "Medals")
        assert silver.startswith(
            "🥈 Ski Jumping · Men's Normal Hill Individual (fictional) — Dmitri VOLKOV"
        )

        # a name typed instead of picking a code works too
        by_name = await ask(sb, "/medals", {"nation": "netherlands"})
        assert by_name.embeds == ned.embeds

        unknown = await ask(sb, "/medals", {"nation": "XYZ"})
        assert unknown.ephemeral
        assert unknown.content == "No nation “XYZ” takes part in these Games."
        typo = await ask(sb, "/medals", {"nation": "NDE"})
        assert typo.ephemeral and typo.content is not None
        assert typo.content.endswith("Did you mean NED?")


# /podium ------------------------------------------------------------------------------------


async def test_podium_offers_the_event_while_typing_and_shows_medals_marks_and_records() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        women_1000 = "Speed Skating · Women's 1000m = SSKW1000M"
        assert await typing(sb, "/podium", "event", "1000 women") == [women_1000]
        with_typo = await typing(sb, "/podium", "event", "speed skatin 1000")
        assert (
            with_typo[0] == women_1000
            and "Speed Skating · Men's 1000m (fictional) = SSKM1000M" in with_typo
        )

        podium = await ask(sb, "/podium", {"event": "SSKW1000M"})
        assert not podium.ephemeral
        shown = embed(podium)
        assert shown["title"] == "Speed Skating · Women's 1000m"
        # official since the snapshot that said so (16:30 UTC), as a relative Discord time
        official_at = discord_time("2026-02-09T16:30:00+00:00", "R")
        assert shown["description"] == (
            f"✅ Official · since {official_at} (the bot saw it change)"
        )
        assert field(podium, "Podium") == [
            "🥇 🇳🇱 Jutta LEERDAM (NED) — 1:12.31 `OR`",
            "🥈 🇳🇱 Femke KOK (NED) — 1:12.59 `OR`",
            "🥉 🇯🇵 Miho TAKAGI (JPN) — 1:13.95",
        ]

        # typed and sent without picking a suggestion: a clear match is enough
        typed = await ask(sb, "/podium", {"event": "women's 1000m"})
        assert typed.embeds == podium.embeds


async def test_a_bot_started_after_the_result_says_the_feeds_end_time_not_when_it_started() -> None:
    official = [f for f in sample_files("w1000m") if f.stem == "05-official"]
    async with Sandbox(official, feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        podium = await ask(sb, "/podium", {"event": "SSKW1000M"})
        ended = discord_time("2026-02-09T17:45:00+01:00", "R")
        assert embed(podium)["description"] == f"✅ Official · ended {ended} (the feed's time)"


async def test_an_unknown_or_unclear_event_gets_suggestions_only_the_asker_sees() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        unclear = await ask(sb, "/podium", {"event": "1000m"})
        assert unclear.ephemeral
        assert unclear.content is not None and unclear.content.startswith(
            "Which event do you mean? Perhaps: Speed Skating · Women's 1000m;"
        )
        unknown = await ask(sb, "/podium", {"event": "tiddlywinks"})
        assert unknown.ephemeral
        assert unknown.content == (
            "No event matches “tiddlywinks”. Start typing a sport or an event name."
        )
        # nothing was posted in the channel for everyone
        assert all(m.ephemeral for m in sb.emulator.transcript(sb.demo.general))


# /records -----------------------------------------------------------------------------------


async def test_records_say_how_long_a_beaten_record_stood_and_what_each_beat() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        found = await ask(sb, "/records")
        assert not found.ephemeral
        assert embed(found)["title"] == "Records at these Games"
        kok, leerdam, seo_or, seo_wr = lines(embed(found)["description"])
        kok_set = discord_time("2026-02-09T15:48:00+00:00", "f")
        assert kok == (
            f"~~`OR` **1:12.59** 🇳🇱 Femke KOK (NED) — Speed Skating · Women's 1000m, {kok_set} · "
            "beat 1:13.19 (Miho TAKAGI)~~ stood for 12 minutes"
        )
        assert leerdam.startswith("`OR` **1:12.31** 🇳🇱 Jutta LEERDAM")
        assert leerdam.endswith("beat 1:12.59 (Femke KOK)")
        assert seo_or.startswith("`OR` **1:20.107** 🇰🇷 SEO Jun-ho") and "beat 1:23.042" in seo_or
        assert seo_wr.startswith("`WR` **1:20.107** 🇰🇷 SEO Jun-ho") and "beat 1:20.450" in seo_wr

        assert await typing(sb, "/records", "sport", "short") == [
            "Short Track Speed Skating = Short Track Speed Skating"
        ]
        short_track = await ask(sb, "/records", {"sport": "short track speed skating"})
        assert embed(short_track)["title"] == "Records at these Games · Short Track Speed Skating"
        assert lines(embed(short_track)["description"]) == [seo_or, seo_wr]

        typo = await ask(sb, "/records", {"sport": "Curlin"})
        assert typo.ephemeral
        assert (
            typo.content
            == "There is no sport called “Curlin” at these Games. Did you mean Curling?"
        )


# /schedule ----------------------------------------------------------------------------------


async def test_schedule_lists_medal_events_to_come_with_discord_times_running_ones_live() -> None:
    # 17:00 in Milan: the women's 1000 m and the curling are running
    at = datetime(2026, 2, 9, 16, 0, tzinfo=UTC)
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01, clock=games_clock(at)) as sb:
        await sb.start_bot()
        await replay(sb, until_file="08-1000m-leerdam-or")
        schedule = await ask(sb, "/schedule")
        assert not schedule.ephemeral
        assert embed(schedule)["title"] == "Medal events to come"

        def line(start: str, what: str, live: bool = False) -> str:
            when = f"{discord_time(start, 'f')} ({discord_time(start, 'R')})"
            return f"{'🔴 live · ' if live else ''}{when} — {what}"

        assert lines(embed(schedule)["description"]) == [
            line("2026-02-09T09:05:00+01:00", "Curling · Mixed Doubles (fictional)", live=True),
            line("2026-02-09T16:30:00+01:00", "Speed Skating · Women's 1000m", live=True),
            line(
                "2026-02-09T18:45:00+01:00",
                "Ski Jumping · Men's Normal Hill Individual (fictional)",
            ),
            line(
                "2026-02-09T20:15:00+01:00", "Short Track Speed Skating · Men's 1000m (fictional)"
            ),
            line("2026-02-10T10:30:00+01:00", "Alpine Skiing · Women's Team Combined (fictional)"),
            line("2026-02-10T13:30:00+01:00", "Biathlon · Men's 20km Individual (fictional)"),
            line(
                "2026-02-10T20:00:00+01:00",
                "Short Track Speed Skating · Mixed Team Relay (fictional)",
            ),
            line("2026-02-11T17:30:00+01:00", "Speed Skating · Men's 1000m (fictional)"),
        ]
        # the hockey game is running too, but no medals are awarded in it
        assert "Hockey" not in str(schedule.embeds)

        dutch = await ask(sb, "/schedule", {"nation": "NED", "sport": "short track speed skating"})
        assert embed(dutch)["title"] == (
            "Medal events to come · 🇳🇱 Netherlands · Short Track Speed Skating"
        )
        short_track = lines(embed(dutch)["description"])
        assert short_track and all("Short Track" in x for x in short_track), short_track

        wrong = await ask(sb, "/schedule", {"nation": "Narnia"})
        assert wrong.ephemeral and wrong.content == "No nation “Narnia” takes part in these Games."


# /athlete -----------------------------------------------------------------------------------


async def test_athlete_found_while_typing_shows_medals_and_records() -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        await sb.start_bot()
        await replay(sb)
        assert await typing(sb, "/athlete", "name", "leerdam") == [
            "Jutta LEERDAM (NED) = Jutta LEERDAM|NED"
        ]
        picked = await ask(sb, "/athlete", {"name": "Jutta LEERDAM|NED"})
        assert not picked.ephemeral
        assert embed(picked)["title"] == "🇳🇱 Jutta LEERDAM"
        assert embed(picked)["description"] == "Netherlands"
        assert field(picked, "Medals") == ["🥇 Speed Skating · Women's 1000m — 1:12.31"]
        (record,) = field(picked, "Records")
        assert record.startswith("`OR` **1:12.31** 🇳🇱 Jutta LEERDAM")
        assert field(picked, "Events") == ["Speed Skating · Women's 1000m"]

        # only a surname, sent without picking: she is the one athlete it fits
        typed = await ask(sb, "/athlete", {"name": "leerdam"})
        assert typed.embeds == picked.embeds

        nobody = await ask(sb, "/athlete", {"name": "Sven Nobody"})
        assert nobody.ephemeral
        assert nobody.content == "No athlete “Sven Nobody” at these Games."


async def test_replies_never_wait_on_the_database_for_the_servers_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = asyncio.Event()
    real = MemoryStore.get_guild_settings

    async def reading(store: MemoryStore, guild_id: int) -> GuildSettings:
        try:
            return await real(store, guild_id)
        finally:
            read.set()

    async def down(store: MemoryStore, guild_id: int) -> GuildSettings:
        raise RuntimeError("the database is down")

    monkeypatch.setattr(MemoryStore, "get_guild_settings", reading)
    async with Sandbox(sample_files("w1000m")) as sb:
        await sb.start_bot()
        await bot_has_read(sb)
        async with asyncio.timeout(5):
            await read.wait()  # the server became available: its settings were read then
        monkeypatch.setattr(MemoryStore, "get_guild_settings", down)
        table = await ask(sb, "/medals")
        assert not table.ephemeral
        (embed,) = table.embeds
        assert str(embed["title"]).startswith("Medal table")


# Errors -------------------------------------------------------------------------------------


async def test_an_unexpected_error_gets_a_short_apology_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with Sandbox(sample_files("w1000m"), feed_interval=0.01) as sb:
        bot = await sb.start_bot()
        await bot_has_read(sb)

        def broken(order: str = "medals") -> None:
            raise RuntimeError("the table is on fire")

        monkeypatch.setattr(bot.services.queries, "medal_table", broken)
        with caplog.at_level(logging.ERROR, logger="medalbot.cogs.errors"):
            answer = await ask(sb, "/medals")
        assert answer.ephemeral
        assert (
            answer.content == "Sorry, something went wrong on our side. The error has been logged."
        )
        assert "on fire" not in (answer.content or "")
        (logged,) = [r for r in caplog.records if r.name == "medalbot.cogs.errors"]
        assert "/medals" in logged.getMessage()
        assert logged.exc_info is not None and isinstance(logged.exc_info[1], RuntimeError)


async def test_the_apology_goes_out_even_when_the_servers_language_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with Sandbox(sample_files("w1000m"), feed_interval=0.01) as sb:
        bot = await sb.start_bot()
        await bot_has_read(sb)

        async def store_down(guild_id: int | None, fallback: str | None = None) -> str:
            raise RuntimeError("the database is down")

        monkeypatch.setattr(bot.services.guilds, "locale", store_down)
        # a fan's answer needs no server's settings: it is in the fan's own language
        table = await sb.emulator.invoke(
            "/medals", member=sb.demo.fan, channel=sb.demo.general, locale="nl", timeout=2.0
        )
        assert str(table.embeds[0]["title"]).startswith("Medaillespiegel")
        # a moderator's command that needs the server's language gets the apology
        with caplog.at_level(logging.WARNING, logger="medalbot.cogs.errors"):
            answer = await sb.emulator.invoke(
                "/alerts logchannel",
                member=sb.demo.moderator,
                channel=sb.demo.general,
                locale="nl",
                timeout=2.0,
            )
        assert answer.ephemeral
        assert answer.content == ("Sorry, er ging bij ons iets mis. De fout is vastgelegd."), (
            "in the asking user's own language"
        )
        (logged,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "/alerts logchannel" in logged.getMessage()
        assert logged.exc_info is not None and "database is down" in str(logged.exc_info[1])


async def test_a_page_turn_that_fails_gets_the_same_apology_and_a_logged_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with Sandbox(sample_files("gamesday"), feed_interval=0.01) as sb:
        bot = await sb.start_bot()
        await replay(sb)
        table = await ask(sb, "/medals")
        assert table.original is not None

        def broken(order: str = "medals") -> None:
            raise RuntimeError("the table is on fire")

        monkeypatch.setattr(bot.services.queries, "medal_table", broken)
        with caplog.at_level(logging.ERROR, logger="medalbot.cogs.errors"):
            answer = await click(sb, table.original, "▶", sb.demo.fan)
        assert answer.ephemeral
        assert (
            answer.content == "Sorry, something went wrong on our side. The error has been logged."
        )
        assert shown_now(sb, table.original).embeds == table.embeds  # the table stays
        (logged,) = [r for r in caplog.records if r.name == "medalbot.cogs.errors"]
        assert "medals:medals:1:" in logged.getMessage()  # the button that failed
        assert logged.exc_info is not None and isinstance(logged.exc_info[1], RuntimeError)
