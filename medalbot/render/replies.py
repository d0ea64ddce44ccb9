"""How answers to fans' commands look: embeds built from the query services' results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from medalbot.domain.models import Event, EventStatus, Medal
from medalbot.domain.queries import AthleteSummary, GamesRecord, Podium
from medalbot.i18n import flag_emoji, nation_name, translator
from medalbot.render.phrases import sport_name
from medalbot.render.text import safe as clean
from medalbot.render.text import timestamp as ts
from medalbot.services.queries import MedalTable, NationReport

PAGE_SIZE = 10
MEDAL_EMOJI = {Medal.GOLD: "🥇", Medal.SILVER: "🥈", Medal.BRONZE: "🥉"}
COLOUR = discord.Colour.from_rgb(0, 129, 200)  # Olympic blue


def pages(table: MedalTable) -> int:
    return max(1, -(-len(table.rows) // PAGE_SIZE))


def medal_table_embed(
    table: MedalTable, page: int, *, locale: str, highlight_noc: str | None = None
) -> discord.Embed:
    t = translator(locale)
    page = min(max(page, 0), pages(table) - 1)
    rows = table.rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    title = t.gettext("Medal table") + f" · {clean(table.games)}"
    if table.order == "total":
        title += " · " + t.gettext("by total")
    lines = []
    for row in rows:
        name = f"{flag_emoji(row.noc)} {nation_name(row.noc, locale)}"
        counts = f"🥇 {row.gold} 🥈 {row.silver} 🥉 {row.bronze} · {row.total}"
        line = f"`{row.rank:>3}.` {name} — {counts}"
        lines.append(f"**{line}** ⭐" if row.noc == highlight_noc else line)
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or t.gettext("No medals have been awarded yet."),
        colour=COLOUR,
    )
    footer = t.gettext("Page {page} of {pages}").format(page=page + 1, pages=pages(table))
    if table.unranked:
        footer += " · " + t.gettext("Not ranked: {nocs}").format(nocs=", ".join(table.unranked))
    embed.set_footer(text=footer)
    embed.timestamp = table.as_of
    return embed


def nation_embed(report: NationReport, *, locale: str) -> discord.Embed:
    t = translator(locale)
    name = f"{flag_emoji(report.noc)} {nation_name(report.noc, locale)}"
    embed = discord.Embed(title=name, colour=COLOUR)
    if report.row is not None:
        r = report.row
        embed.description = (
            t.gettext("Rank {rank} in the medal table").format(rank=r.rank)
            + f" · 🥇 {r.gold} 🥈 {r.silver} 🥉 {r.bronze} · {r.total}"
        )
    elif report.medals:  # a team the table leaves out, such as the neutral athletes
        embed.description = t.gettext("Not ranked in the medal table.")
    else:
        embed.description = t.gettext("No medals yet.")
    lines = []
    for m in report.medals:
        when = f" · {ts(m.event.start, 'd')}" if m.event.start else ""
        mark = f" {clean(m.mark)}" if m.mark else ""
        who = clean(m.competitor.name)
        if m.competitor.members:
            who += f" ({', '.join(clean(x) for x in m.competitor.members)})"
        event = f"{sport_name(m.event.sport, t)} · {clean(m.event.name)}"
        lines.append(f"{MEDAL_EMOJI[m.medal]} {event} — {who}{mark}{when}")
    _add_lines(embed, t.gettext("Medals"), lines)
    embed.timestamp = report.as_of
    return embed


def _status(event_status: EventStatus, locale: str) -> str:
    t = translator(locale)
    labels = {
        EventStatus.SCHEDULED: t.gettext("Scheduled"),
        EventStatus.RUNNING: t.gettext("🔴 Live"),
        EventStatus.UNOFFICIAL: t.gettext("Unofficial result"),
        EventStatus.OFFICIAL: t.gettext("Official result"),
        EventStatus.PROTESTED: t.gettext("Under protest"),
        EventStatus.CANCELLED: t.gettext("Cancelled"),
        EventStatus.POSTPONED: t.gettext("Postponed"),
    }
    return labels[event_status]


def podium_embed(
    result: Podium, *, locale: str, status_since: datetime | None = None
) -> discord.Embed:
    t = translator(locale)
    event = result.event
    embed = discord.Embed(
        title=f"{sport_name(event.sport, t)} · {clean(event.name)}",
        colour=discord.Colour.gold() if result.places else COLOUR,
    )
    status = _status(event.status, locale)
    if status_since is not None:
        status += " · " + t.gettext("since {when}").format(when=ts(status_since, "R"))
    embed.description = status
    lines = []
    for place in result.places:
        mark = f" — {clean(place.mark)}" if place.mark else ""
        badges = "".join(f" `{r.type}{'=' if r.equalled else ''}`" for r in place.records)
        who = f"{flag_emoji(place.noc)} {clean(place.name)}"
        if place.members:
            who += f" ({', '.join(clean(x) for x in place.members)})"
        lines.append(f"{MEDAL_EMOJI[place.medal]} {who}{mark}{badges}")
    if lines:
        _add_lines(embed, t.gettext("Podium"), lines)
    elif event.start is not None:
        embed.add_field(name=t.gettext("Starts"), value=ts(event.start, "F"), inline=False)
    embed.set_footer(text=event.code)
    return embed


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
    badge = f"`{r.type}{'=' if r.equalled else ''}`"
    text = (
        f"{badge} **{clean(r.mark)}** {flag_emoji(r.noc)} {clean(r.name)} — "
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
    embed = discord.Embed(title=title, colour=discord.Colour.purple())
    if not records:
        embed.description = t.gettext("No records have been set yet.")
        return embed
    _add_lines(embed, None, [record_line(r, locale=locale) for r in records])
    return embed


def schedule_embed(events: Sequence[Event], *, locale: str, title: str) -> discord.Embed:
    t = translator(locale)
    embed = discord.Embed(title=title, colour=COLOUR)
    if not events:
        embed.description = t.gettext("No medal events to come.")
        return embed
    lines = []
    for e in events:
        when = ts(e.start, "f") + f" ({ts(e.start, 'R')})" if e.start else "—"
        live = "🔴 " + t.gettext("live") + " · " if e.status is EventStatus.RUNNING else ""
        lines.append(f"{live}{when} — {sport_name(e.sport, t)} · {clean(e.name)}")
    _add_lines(embed, None, lines)
    return embed


def athlete_embed(summary: AthleteSummary, *, locale: str) -> discord.Embed:
    t = translator(locale)
    embed = discord.Embed(
        title=f"{flag_emoji(summary.noc)} {clean(summary.name)}",
        description=nation_name(summary.noc, locale),
        colour=COLOUR,
    )
    medals = []
    for m in summary.medals:
        team = f" ({clean(m.competitor.name)})" if m.competitor.members else ""
        mark = f" — {clean(m.mark)}" if m.mark else ""
        medals.append(
            f"{MEDAL_EMOJI[m.medal]} {sport_name(m.event.sport, t)} · {clean(m.event.name)}"
            f"{team}{mark}"
        )
    _add_lines(embed, t.gettext("Medals"), medals or [t.gettext("No medals yet.")])
    if summary.records:
        _add_lines(
            embed, t.gettext("Records"), [record_line(r, locale=locale) for r in summary.records]
        )
    events = [f"{sport_name(e.sport, t)} · {clean(e.name)}" for e in summary.events]
    _add_lines(embed, t.gettext("Events"), events)
    return embed


def _add_lines(embed: discord.Embed, title: str | None, lines: Sequence[str]) -> None:
    """Put lines in the description (or a field) without breaking Discord's limits."""
    limit = 1024 if title else 4096
    body, shown = "", 0
    for line in lines:
        if len(body) + len(line) + 1 > limit - 40:
            break
        body += line + "\n"
        shown += 1
    if shown < len(lines):
        body += f"… +{len(lines) - shown}"
    if title:
        embed.add_field(name=title, value=body or "—", inline=False)
    else:
        embed.description = ((embed.description + "\n\n") if embed.description else "") + body
