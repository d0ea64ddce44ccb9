"""Fans' replies of any length: every one within Discord's limits (counted in UTF-16 units), whole
lines only, and a last line saying how many were left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord

from medalbot.domain.alerts import RecordMark, RecordSet
from medalbot.domain.models import Competitor, Event, EventStatus, Medal, RecordFlag
from medalbot.domain.queries import (
    AthleteSummary,
    EventInfo,
    GamesRecord,
    NationMedal,
    Podium,
    PodiumPlace,
    StatusTime,
)
from medalbot.domain.table import TableRow
from medalbot.render.phrases import MEDAL_EMOJI
from medalbot.render.replies import (
    athlete_embed,
    nation_embed,
    nation_medal_pages,
    podium_embed,
    record_line,
    records_embed,
    schedule_embed,
)
from medalbot.render.text import utf16_len
from medalbot.services.queries import NationReport
from tests.render.discord_limits import assert_embeds_fit

WHEN = datetime(2026, 2, 9, 16, 30, tzinfo=UTC)
MEDALS = (Medal.GOLD, Medal.SILVER, Medal.BRONZE)
NOCS = ("NED", "NOR", "GER", "USA", "CAN", "JPN", "KOR", "ITA", "FRA", "SUI")
# The longest name the feed allows (200), with emoji: 2 units each, where len() sees 1.
NAME = ("Jutta 🥇 LEERDAM-" * 12)[:200]
MANY = 60


def event(i: int, status: EventStatus = EventStatus.OFFICIAL) -> EventInfo:
    return EventInfo(
        code=f"SSKW{i:04d}",
        sport="Short Track Speed Skating",
        name=f"Women's 1000m 🏁 heat {i}",
        gender="W",
        status=status,
        start=WHEN + timedelta(minutes=i),
    )


def games_record(i: int) -> GamesRecord:
    beaten = RecordMark("1:12.59", "NED", NAME)
    record = RecordSet("OR", f"1:12.{i:02d}", NOCS[i % 10], NAME, beats=beaten)
    return GamesRecord(
        event=f"SSKW{i:04d}",
        sport="Speed Skating",
        event_name=f"Women's 1000m 🏁 heat {i}",
        record=record,
        alert_id=f"r{i}",
        set_at=WHEN,
        sequence=i,
        superseded_at=WHEN + timedelta(minutes=4) if i % 2 else None,
    )


def rows(value: object) -> list[str]:
    return str(value).split("\n")


def assert_cut_at_whole_lines(value: object, total: int, first: str | tuple[str, ...]) -> list[str]:
    """The rows shown, each a whole line (starting with ``first``), then "… +N" for the rest."""
    *shown, more = rows(value)
    assert shown and all(row.startswith(first) for row in shown), shown[-1:]
    assert more == f"… +{total - len(shown)}"
    return shown


def field(embed: discord.Embed, name: str) -> str:
    [value] = [f.value for f in embed.fields if f.name == name]
    return str(value)


def test_a_podium_of_many_places_fits_a_field() -> None:
    places = tuple(
        PodiumPlace(
            MEDALS[i % 3],
            NAME,
            NOCS[i % 10],
            members=(NAME, NAME),
            mark="1:12.31",
            records=(RecordFlag("OR"), RecordFlag("WR", equalled=True)),
        )
        for i in range(MANY)
    )
    embed = podium_embed(
        Podium(event(1), places), locale="en", status_since=StatusTime(WHEN, "seen")
    )

    assert_embeds_fit([embed])
    [shown] = assert_cut_at_whole_lines(field(embed, "Podium"), MANY, "🥇 ")
    assert shown.endswith("— 1:12.31 `OR` `=WR`")  # the first place is whole, badges and all
    assert embed.description == (
        f"✅ Official · since <t:{int(WHEN.timestamp())}:R> (the bot saw it change)"
    )


def test_a_nation_with_many_medals_is_paged_and_every_page_fits() -> None:
    medals = tuple(
        NationMedal(event(i), MEDALS[i % 3], Competitor(NAME, "NED", members=(NAME,)), "1:12.31")
        for i in range(MANY)
    )
    report = NationReport("NED", TableRow(1, "NED", 20, 20, 20, 60), medals, WHEN)

    pages = len(nation_medal_pages(report, locale="nl"))
    embeds = [nation_embed(report, page, locale="nl") for page in range(pages)]

    assert pages > 1
    for one in embeds:
        assert_embeds_fit([one])
    shown: list[str] = []
    for page, embed in enumerate(embeds, start=1):
        assert embed.description == "Nummer 1 in de medaillespiegel · 🥇 20 🥈 20 🥉 20 · 60"
        assert embed.footer.text == f"Pagina {page} van {pages}"
        shown += field(embed, "Medailles").split("\n")
    # every medal on exactly one page, in order, none cut
    assert len(shown) == MANY
    for i, row in enumerate(shown):
        assert row.startswith(f"{MEDAL_EMOJI[MEDALS[i % 3]]} Shorttrack · "), (i, row)
        day = f" 1:12.31 · <t:{int((WHEN + timedelta(minutes=i)).timestamp())}:d>"
        assert row.endswith(day), (i, row)


def test_many_records_fit_the_description() -> None:
    embed = records_embed([games_record(i) for i in range(MANY)], locale="en", sport=None)

    assert_embeds_fit([embed])
    shown = assert_cut_at_whole_lines(embed.description, MANY, "")
    assert shown[0].startswith("`OR` **1:12.00** 🇳🇱 ")
    assert shown[1].startswith("~~`OR` **1:12.01** 🇳🇴 ") and shown[1].endswith(
        "stood for 4 minutes"
    )
    kept = "\n".join(shown)
    one_more = record_line(games_record(len(shown)), locale="en")
    assert utf16_len(f"{kept}\n{one_more}\n… +{MANY - len(shown) - 1}") > 4096  # none more fits


def test_an_athlete_with_many_medals_records_and_events_fits_one_embed() -> None:
    summary = AthleteSummary(
        name=NAME,
        noc="NED",
        events=tuple(event(i) for i in range(MANY)),
        medals=tuple(
            NationMedal(event(i), Medal.GOLD, Competitor(NAME, "NED"), "1:12.31")
            for i in range(MANY)
        ),
        records=tuple(games_record(i) for i in range(MANY)),
    )

    embed = athlete_embed(summary, locale="en")

    assert_embeds_fit([embed])
    assert_cut_at_whole_lines(field(embed, "Medals"), MANY, "🥇 Short Track Speed Skating · ")
    assert_cut_at_whole_lines(field(embed, "Records"), MANY, "")
    assert_cut_at_whole_lines(field(embed, "Events"), MANY, "Short Track Speed Skating · ")


def test_a_long_schedule_fits_the_description() -> None:
    events = [
        Event(
            f"SSKW{i:04d}",
            "Short Track Speed Skating",
            f"Women's 1000m 🏁 heat {i} " + "🇳🇱" * 20,
            "W",
            EventStatus.RUNNING,
            start=WHEN,
        )
        for i in range(300)
    ]

    embed = schedule_embed(events, locale="en", title="Medal events to come")

    assert_embeds_fit([embed])
    assert_cut_at_whole_lines(embed.description, 300, "🔴 live · ")
