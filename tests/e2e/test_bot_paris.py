"""Fans' commands on the whole Paris 2024 Games: the real bot (discord.py) on the Discord
emulator, reading the site's real bodies day by day (turned into native snapshots so the
sandbox's feed server can serve them). Each test asks what a fan asks and reads the answer."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from discord_emulator import StoredMessage

from medalbot.domain.models import GamesInfo, snapshot_to_json
from medalbot.domain.race import MedalRace
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.render import race_chart
from medalbot.sandbox import Sandbox
from tests.e2e.test_bot_fans import (
    DEADLINE,
    ask,
    buttons,
    click,
    embed,
    games_clock,
    lines,
    replay,
    shown_now,
    typing,
)
from tests.feeds.olympics_days import PARIS_MEDALS, load, medal_rows, paris_days

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The eve of the first medals: with today's clock (or the last day's) the days replayed are long
# over, and the bot rightly polls a finished Games only hourly (medalbot.domain.between_games),
# which would stall the replay.
PARIS_CLOCK = games_clock(datetime(2024, 7, 26, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def paris_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One native snapshot per day of Paris 2024, cut from the site's final bodies."""
    directory = tmp_path_factory.mktemp("paris")
    adapter = OlympicsAdapter(GamesInfo(code="OG2024", name="Paris 2024"))
    files = []
    for index, day in enumerate(paris_days()):
        adapter(day.medallists_bytes())
        snapshot = adapter(day.medals_bytes())
        assert snapshot is not None
        path = directory / f"{index:02d}-{day.day.isoformat()}.json"
        path.write_bytes(snapshot_to_json(snapshot))
        files.append(path)
    return files


def site_medals_by_day() -> dict[str, Counter[date]]:
    """Each NOC's medals per date, straight from the site's final body."""
    counts: dict[str, Counter[date]] = {}
    for row, winner in medal_rows(load(PARIS_MEDALS)):
        counts.setdefault(row["organisation"], Counter())[date.fromisoformat(winner["date"])] += 1
    return counts


class DrawnRaces:
    """What the bot drew: each race it rendered and the PNG it made of it. (The cog's module is
    executed afresh when the bot loads it, so it imports the recording function.)"""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.drawn: list[tuple[MedalRace, bytes]] = []
        render = race_chart.race_png

        def recording(race: MedalRace, *, locale: str) -> bytes:
            png = render(race, locale=locale)
            self.drawn.append((race, png))
            return png

        monkeypatch.setattr(race_chart, "race_png", recording)


async def ask_race(sb: Sandbox, options: dict[str, str]) -> StoredMessage:
    """A fan asks for the race in #general; what they see once the bot has answered (the
    chart's reply follows a "thinking…" response, which Discord allows 3 s)."""
    result = await sb.emulator.invoke(
        "/medals",
        {"view": "race", **options},
        member=sb.demo.fan,
        channel=sb.demo.general,
        until=lambda r: r.original is not None and not r.original.loading,
    )
    assert result.response_latency is not None and result.response_latency < DEADLINE
    assert result.original is not None
    return result.original


def attachment(message: StoredMessage) -> dict[str, Any]:
    (only,) = message.version.attachments
    return dict(only)


async def test_medal_race_attaches_a_png_of_the_replayed_games_day_by_day(
    paris_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    races = DrawnRaces(monkeypatch)
    async with Sandbox(paris_files, feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)

        # "Netherlands FRA" reads as one name, which no nation has: the fan is told so
        wrong = await ask_race(sb, {"nations": "GBR, Netherlands FRA"})
        assert wrong.ephemeral and "Netherlands FRA" in (wrong.content or "")
        assert races.drawn == []

        result = await ask_race(sb, {"nations": "GBR, Netherlands, FRA"})
        assert not result.ephemeral
        shown = embed(result)
        file = attachment(result)
        assert file["filename"] == "medal-race.png"
        assert shown["image"]["url"] == "attachment://medal-race.png"
        assert shown["title"] == "Medal race · Paris 2024"
        assert lines(shown["description"])[1:] == [
            "🇬🇧 **GBR** Great Britain — 65",
            "🇫🇷 **FRA** France — 64",
            "🇳🇱 **NED** Netherlands — 34",
        ]

    ((race, png),) = races.drawn
    assert png.startswith(PNG_SIGNATURE) and len(png) == file["size"]
    site = site_medals_by_day()
    assert race.days[0] == date(2024, 7, 27) and race.days[-1] == date(2024, 8, 11)
    assert [s.noc for s in race.series] == ["GBR", "FRA", "NED"]
    for series in race.series:
        assert series.daily == tuple(site[series.noc][d] for d in race.days), series.noc


async def test_medal_race_draws_the_nations_the_server_follows_or_else_the_leaders(
    paris_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    races = DrawnRaces(monkeypatch)
    async with Sandbox(paris_files, feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)
        leaders = await ask_race(sb, {})
        assert attachment(leaders)["filename"] == "medal-race.png"

        await sb.subscribe("oranje", nation="NED")
        await sb.subscribe("golds", nation="KOR")
        await sb.subscribe("general")  # every nation: follows no one in particular
        followed = await ask_race(sb, {})
        assert [line.split("**")[1] for line in lines(embed(followed)["description"])[1:]] == [
            "NED",
            "KOR",
        ]

    (first, _), (second, _) = races.drawn
    assert [s.noc for s in first.series] == [
        "USA", "CHN", "GBR", "FRA", "AUS", "JPN", "ITA", "NED",
    ]  # fmt: skip
    assert [s.total for s in first.series] == [126, 91, 65, 64, 53, 45, 40, 34]
    assert [(s.noc, s.total) for s in second.series] == [("NED", 34), ("KOR", 32)]


async def test_the_chart_is_drawn_off_the_event_loop(
    paris_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the chart is drawn, another fan's /medals is answered."""
    drawing, release = asyncio.Event(), threading.Event()
    loop_holder: list[asyncio.AbstractEventLoop] = []
    render = race_chart.race_png

    def slow(race: MedalRace, *, locale: str) -> bytes:
        loop_holder[0].call_soon_threadsafe(drawing.set)
        release.wait(timeout=10)
        return render(race, locale=locale)

    monkeypatch.setattr(race_chart, "race_png", slow)
    async with Sandbox(paris_files[:3], feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        loop_holder.append(asyncio.get_running_loop())
        await sb.start_bot()
        await replay(sb)
        race = asyncio.create_task(ask_race(sb, {"nations": "FRA"}))
        await drawing.wait()
        table = await ask(sb, "/medals")
        assert embed(table)["title"].startswith("Medal table")
        release.set()
        assert attachment(await race)["filename"] == "medal-race.png"


# What fans stumbled over, on the final Paris 2024 snapshot ---------------------------------


async def test_great_britains_65_medals_can_all_be_paged_to(paris_files: list[Path]) -> None:
    async with Sandbox(paris_files[-1:], feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)
        asked = await ask(sb, "/medals", {"nation": "GBR"})
        message = asked.original
        assert message is not None
        seen: list[str] = []
        pages = 0
        while True:
            shown = embed(shown_now(sb, message))
            assert shown["title"] == "🇬🇧 Great Britain"
            pages += 1
            assert shown["footer"]["text"] == f"Page {pages} of 6"
            (medals,) = [f["value"] for f in shown["fields"] if f["name"] == "Medals"]
            assert "… +" not in medals  # nothing cut: the rest is on the next page
            seen += lines(medals)
            if not buttons(shown_now(sb, message))["▶"]:
                break
            await click(sb, message, "▶", sb.demo.fan)
        assert pages == 6 and len(seen) == 65 == len(set(seen))
        assert [line[0] for line in seen] == ["🥇"] * 14 + ["🥈"] * 22 + ["🥉"] * 29
        # and back
        await click(sb, message, "◀", sb.demo.fan)
        assert embed(shown_now(sb, message))["footer"]["text"] == "Page 5 of 6"
        # another fan is told to ask for their own
        other = await click(sb, message, "◀", sb.demo.moderator)
        assert other.ephemeral and other.content == "Use /medals to get your own table."


async def test_every_podium_line_names_its_team_whatever_its_flag(paris_files: list[Path]) -> None:
    async with Sandbox(paris_files[-1:], feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)
        lines_of = {}
        for code in ("BDMMDOUBLES", "BOXW75KG", "GTRM1TRA"):
            podium = await ask(sb, "/podium", {"event": code})
            (places,) = [f["value"] for f in embed(podium)["fields"] if f["name"] == "Podium"]
            lines_of[code] = lines(places)
    assert lines_of["BDMMDOUBLES"][0] == "🥇 🏳️ LEE/WANG (TPE): LEE Yang, WANG Chi-Lin"
    assert "🥉 🏳️ Cindy Winner DJANKEU NGAMBA (EOR)" in lines_of["BOXW75KG"]
    assert lines_of["GTRM1TRA"][0] == "🥇 🏳️ Ivan LITVINOVICH (AIN)"


async def test_paris_table_says_who_is_not_ranked_and_why(paris_files: list[Path]) -> None:
    async with Sandbox(paris_files[-1:], feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)
        table = await ask(sb, "/medals")
    assert embed(table)["footer"]["text"] == (
        "Page 1 of 10 · Not ranked: Individual Neutral Athletes (AIN), who compete without a "
        "national team; the table ranks nations."
    )


async def test_typing_an_event_in_full_answers_it_and_words_suggest_the_right_events(
    paris_files: list[Path],
) -> None:
    async with Sandbox(paris_files[-1:], feed_interval=0.01, clock=PARIS_CLOCK) as sb:
        await sb.start_bot()
        await replay(sb)
        marathon = await ask(sb, "/podium", {"event": "men's marathon"})
        assert not marathon.ephemeral
        assert embed(marathon)["title"] == "Athletics · Men's Marathon"

        offered = await typing(sb, "/podium", "event", "marathon")
        assert offered[:2] == [
            "Athletics · Men's Marathon = ATHMMARATHON",
            "Athletics · Women's Marathon = ATHWMARATHON",
        ]
        assert not [choice for choice in offered if choice.startswith("Triathlon")]

        breaststroke = await typing(sb, "/podium", "event", "100m breaststroke")
        assert breaststroke[:2] == [
            "Swimming · Men's 100m Breaststroke = SWMM100MBR",
            "Swimming · Women's 100m Breaststroke = SWMW100MBR",
        ]
        assert not [choice for choice in breaststroke[:4] if "Backstroke" in choice]

        unclear = await ask(sb, "/podium", {"event": "marathon"})
        assert unclear.ephemeral and (unclear.content or "").startswith(
            "Which event do you mean? Perhaps: Athletics · Men's Marathon; "
            "Athletics · Women's Marathon;"
        )
