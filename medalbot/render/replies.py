"""How answers to fans' commands look: embeds built from the query services' results.

Lists of any length (a podium, a nation's medals, records, the schedule) keep whole lines and say
how many were left out (:func:`fit_lines`), and every embed goes through :func:`fit_card`, so no
answer breaks one of Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import discord

from medalbot.domain.models import Event, EventStatus
from medalbot.domain.queries import AthleteSummary, GamesRecord, Podium, StatusTime
from medalbot.domain.race import GAMES_TIME_ZONES, MedalRace
from medalbot.i18n import flag_emoji, games_name, nation_name, translator
from medalbot.render.limits import (
    DESCRIPTION_MAX,
    FIELD_VALUE_MAX,
    Card,
    CardField,
    fit_card,
    fit_lines,
    to_embed,
)
from medalbot.render.phrases import (
    MEDAL_EMOJI,
    RECORD_COLOUR,
    medal_counts,
    record_badge,
    sport_name,
    status_label,
)
from medalbot.render.text import safe as clean
from medalbot.render.text import timestamp as ts
from medalbot.render.text import utf16_len
from medalbot.services.queries import BetweenGames, MedalTable, NationReport

PAGE_SIZE = 10
COLOUR: Final = 0x0081C8  # Olympic blue
PODIUM_COLOUR: Final = 0xF1C40F


def pages(table: MedalTable) -> int:
    return max(1, -(-len(table.rows) // PAGE_SIZE))


def medal_table_embed(
    table: MedalTable, page: int, *, locale: str, highlight_noc: str | None = None
) -> discord.Embed:
    t = translator(locale)
    page = min(max(page, 0), pages(table) - 1)
    rows = table.rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    label = t.gettext("Final medal table") if table.final else t.gettext("Medal table")
    title = label + f" · {clean(table.games)}"
    if table.order == "total":
        title += " · " + t.gettext("by total")
    lines = []
    for row in rows:
        name = f"{flag_emoji(row.noc)} {nation_name(row.noc, locale)}"
        counts = f"{medal_counts(row.gold, row.silver, row.bronze, t)} · {row.total}"
        line = f"`{row.rank:>3}.` {name} — {counts}"
        lines.append(f"**{line}** ⭐" if row.noc == highlight_noc else line)
    footer = t.gettext("Page {page} of {pages}").format(page=page + 1, pages=pages(table))
    if table.unranked:
        teams = t.format_list([f"{nation_name(noc, locale)} ({noc})" for noc in table.unranked])
        footer += " · " + t.ngettext(
            "Not ranked: {teams}, who compete without a national team; the table ranks nations.",
            "Not ranked: {teams}, who compete without national teams; the table ranks nations.",
            len(table.unranked),
        ).format(teams=teams)
    return _embed(
        Card(
            title=title,
            colour=COLOUR,
            description=fit_lines(lines, DESCRIPTION_MAX)
            or t.gettext("No medals have been awarded yet."),
            footer=footer,
            timestamp=table.as_of,
        )
    )


NATION_PAGE_LINES = 12  # medals per page at most; fewer when long lines fill the field


def nation_medal_pages(report: NationReport, *, locale: str) -> list[list[str]]:
    """A nation's medal lines (gold first) cut into pages that each fit the embed's field
    whole, so every medal can be paged to (a long team line takes more room)."""
    t = translator(locale)
    pages: list[list[str]] = [[]]
    used = 0
    for m in report.medals:
        when = f" · {ts(m.event.start, 'd')}" if m.event.start else ""
        mark = f" {clean(m.mark)}" if m.mark else ""
        who = clean(m.competitor.name)
        if m.competitor.members:
            who += f" ({', '.join(clean(x) for x in m.competitor.members)})"
        event = f"{sport_name(m.event.sport, t)} · {clean(m.event.name)}"
        line = f"{MEDAL_EMOJI[m.medal]} {event} — {who}{mark}{when}"
        size = utf16_len(line) + 1
        if pages[-1] and (len(pages[-1]) >= NATION_PAGE_LINES or used + size > FIELD_VALUE_MAX):
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += size
    return pages


def nation_embed(report: NationReport, page: int = 0, *, locale: str) -> discord.Embed:
    """One page of a nation's medals, with where it stands in the table."""
    t = translator(locale)
    if report.row is not None:
        r = report.row
        description = (
            t.gettext("Rank {rank} in the medal table").format(rank=r.rank)
            + f" · {medal_counts(r.gold, r.silver, r.bronze, t)} · {r.total}"
        )
    elif report.medals:  # a team the table leaves out, such as the neutral athletes
        description = t.gettext("Not ranked in the medal table.")
    else:
        description = t.gettext("No medals yet.")
    pages = nation_medal_pages(report, locale=locale)
    page = min(max(page, 0), len(pages) - 1)
    footer = ""
    if len(pages) > 1:
        footer = t.gettext("Page {page} of {pages}").format(page=page + 1, pages=len(pages))
    return _embed(
        Card(
            title=f"{flag_emoji(report.noc)} {nation_name(report.noc, locale)}",
            colour=COLOUR,
            description=description,
            fields=(_lines_field(t.gettext("Medals"), pages[page]),),
            footer=footer,
            timestamp=report.as_of,
        )
    )


RACE_FILE: Final = "medal-race.png"


def race_embed(race: MedalRace, *, locale: str) -> discord.Embed:
    """The embed around the race chart (attached as :data:`RACE_FILE`): the same numbers in
    words, for whoever cannot see the picture, and the days it covers."""
    t = translator(locale)
    lines = [
        f"{flag_emoji(s.noc)} **{s.noc}** {nation_name(s.noc, locale)} — {s.total}"
        for s in race.series
    ]
    first, last = race.days[0], race.days[-1]
    period = t.gettext("Medals won up to the end of each day, {first} to {last}").format(
        first=t.format_date(first), last=t.format_date(last)
    )
    embed = _embed(
        Card(
            title=t.gettext("Medal race") + f" · {clean(games_name(race.games, locale))}",
            colour=COLOUR,
            description=fit_lines([period, "", *lines], DESCRIPTION_MAX),
            footer=t.gettext("Days in the host city's time zone")
            if race.games.strip().upper() in GAMES_TIME_ZONES
            else t.gettext("Days in UTC"),
        )
    )
    embed.set_image(url=f"attachment://{RACE_FILE}")
    return embed


def status_time_phrase(since: StatusTime, *, locale: str) -> str:
    """ "since 17:41 (when the bot saw it change)", and the other sources, saying which."""
    t = translator(locale)
    when = ts(since.at, "R")
    if since.source == "seen":
        return t.gettext("since {when} (the bot saw it change)").format(when=when)
    if since.source == "feed" and since.feed_field == "start":
        return t.gettext("started {when} (the feed's time)").format(when=when)
    if since.source == "feed":
        return t.gettext("ended {when} (the feed's time)").format(when=when)
    return t.gettext("already so when the bot first read the feed, {when}").format(when=when)


def podium_embed(
    result: Podium, *, locale: str, status_since: StatusTime | None = None
) -> discord.Embed:
    t = translator(locale)
    event = result.event
    status = status_label(event.status, t)
    if status_since is not None:
        status += " · " + status_time_phrase(status_since, locale=locale)
    lines = []
    for place in result.places:
        mark = f" — {clean(place.mark)}" if place.mark else ""
        badges = "".join(f" {record_badge(r)}" for r in place.records)
        # the code names the team whatever its flag (Chinese Taipei, the refugee and neutral
        # teams share the white flag)
        who = f"{flag_emoji(place.noc)} {clean(place.name)} ({clean(place.noc)})"
        if place.members:
            who += f": {', '.join(clean(x) for x in place.members)}"
        lines.append(f"{MEDAL_EMOJI[place.medal]} {who}{mark}{badges}")
    fields: tuple[CardField, ...] = ()
    if lines:
        fields = (_lines_field(t.gettext("Podium"), lines),)
    elif event.start is not None:
        fields = (CardField(t.gettext("Starts"), ts(event.start, "F")),)
    return _embed(
        Card(
            title=f"{sport_name(event.sport, t)} · {clean(event.name)}",
            colour=PODIUM_COLOUR if result.places else COLOUR,
            description=status,
            fields=fields,
            footer=event.code,
        )
    )


def _duration(seconds: float, locale: str) -> str:
    t = translator(locale)
    minutes = round(seconds / 60)
    if minutes < 60:
        return t.ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    hours = round(minutes / 60)
    if hours < 48:
        return t.ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    days = round(hours / 24)
    return t.ngettext("{n} day", "{n} days", days).format(n=days)


def record_line(rec: GamesRecord, *, locale: str) -> str:
    t = translator(locale)
    r = rec.record
    text = (
        f"{record_badge(r)} **{clean(r.mark)}** {flag_emoji(r.noc)} {clean(r.name)} "
        f"({clean(r.noc)}) — "
        f"{sport_name(rec.sport, t)} · {clean(rec.event_name)}, {ts(rec.set_at, 'f')}"
    )
    if r.beats is not None:
        text += " · " + t.gettext("beat {mark} ({name})").format(
            mark=clean(r.beats.mark), name=clean(r.beats.name)
        )
    if rec.withdrawn:
        text = f"~~{text}~~ " + t.gettext("(withdrawn)")
    elif rec.superseded_at is not None:
        stood = _duration((rec.superseded_at - rec.set_at).total_seconds(), locale)
        text = f"~~{text}~~ " + t.gettext("stood for {duration}").format(duration=stood)
    return text


def records_embed(
    records: Sequence[GamesRecord], *, locale: str, sport: str | None
) -> discord.Embed:
    t = translator(locale)
    title = t.gettext("Records at these Games")
    if sport:
        title += f" · {sport_name(sport, t)}"
    if records:
        description = fit_lines([record_line(r, locale=locale) for r in records], DESCRIPTION_MAX)
    else:
        description = t.gettext("No records have been set yet.")
    return _embed(Card(title=title, colour=RECORD_COLOUR, description=description))


def schedule_embed(events: Sequence[Event], *, locale: str, title: str) -> discord.Embed:
    t = translator(locale)
    lines = []
    for e in events:
        when = ts(e.start, "f") + f" ({ts(e.start, 'R')})" if e.start else "—"
        live = "🔴 " + t.gettext("live") + " · " if e.status is EventStatus.RUNNING else ""
        lines.append(f"{live}{when} — {sport_name(e.sport, t)} · {clean(e.name)}")
    description = fit_lines(lines, DESCRIPTION_MAX) or t.gettext("No medal events to come.")
    return _embed(Card(title=title, colour=COLOUR, description=description))


def between_games_embed(info: BetweenGames, *, locale: str, title: str) -> discord.Embed:
    """/schedule when no Games is live: when the next Games start (if the configuration names
    them), and that the last ones are over (or have not begun), instead of an empty list."""
    t = translator(locale)
    lines = []
    if info.last_games is not None and info.finished:
        lines.append(
            t.gettext(
                "{games} has ended: no medal events to come. /medals shows the final table."
            ).format(games=clean(info.last_games))
        )
    elif info.last_games is not None:
        lines.append(
            t.gettext("{games} has not begun: no medal event is scheduled yet.").format(
                games=clean(info.last_games)
            )
        )
    if info.next_games is not None:
        starts = info.next_games.starts_at
        lines.append(
            t.gettext("The next Games, {games}, start on {date} ({relative}).").format(
                games=clean(info.next_games.name), date=ts(starts, "D"), relative=ts(starts, "R")
            )
        )
    elif not lines:
        lines.append(t.gettext("No Games is on right now."))
    return _embed(Card(title=title, colour=COLOUR, description="\n\n".join(lines)))


def athlete_embed(summary: AthleteSummary, *, locale: str) -> discord.Embed:
    t = translator(locale)
    medals = []
    for m in summary.medals:
        team = f" ({clean(m.competitor.name)})" if m.competitor.members else ""
        mark = f" — {clean(m.mark)}" if m.mark else ""
        medals.append(
            f"{MEDAL_EMOJI[m.medal]} {sport_name(m.event.sport, t)} · {clean(m.event.name)}"
            f"{team}{mark}"
        )
    fields = [_lines_field(t.gettext("Medals"), medals or [t.gettext("No medals yet.")])]
    if summary.records:
        records = [record_line(r, locale=locale) for r in summary.records]
        fields.append(_lines_field(t.gettext("Records"), records))
    events = [f"{sport_name(e.sport, t)} · {clean(e.name)}" for e in summary.events]
    fields.append(_lines_field(t.gettext("Events"), events))
    return _embed(
        Card(
            title=f"{flag_emoji(summary.noc)} {clean(summary.name)}",
            colour=COLOUR,
            description=nation_name(summary.noc, locale),
            fields=tuple(fields),
        )
    )


def _lines_field(name: str, lines: Sequence[str]) -> CardField:
    return CardField(name, fit_lines(lines, FIELD_VALUE_MAX))


def _embed(card: Card) -> discord.Embed:
    return to_embed(fit_card(card))
