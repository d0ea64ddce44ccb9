"""The localised phrases of an alert: headlines, podium lines, record sentences, tallies.

Every sentence is one whole gettext message with named placeholders, so translators can reorder
words; feed text always passes through :func:`safe` before it is placed in one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final, Protocol

from medalbot.domain.alerts import MedalWon, NocTally, RecordMark, RecordSet
from medalbot.domain.models import EventStatus, Medal
from medalbot.i18n import N_, Translator, flag_emoji, nation_name
from medalbot.i18n import sport_name as localised_sport_name
from medalbot.i18n.nations import NEUTRAL_FLAG
from medalbot.render.text import capitalise, safe, timestamp

NAME_MAX_CHARS: Final = 80  # one competitor's name, before escaping
MARK_MAX_CHARS: Final = 32
LABEL_MAX_CHARS: Final = 100  # sport, event, place

MEDAL_EMOJI: Final = {Medal.GOLD: "🥇", Medal.SILVER: "🥈", Medal.BRONZE: "🥉"}
MEDAL_COLOUR: Final = {Medal.GOLD: 0xD4AF37, Medal.SILVER: 0xC0C0C0, Medal.BRONZE: 0xCD7F32}
RECORD_COLOUR: Final = 0x9B59B6
CORRECTION_COLOUR: Final = 0xE67E22
RECORD_EMOJI: Final = "⚡"
CORRECTION_EMOJI: Final = "⚠️"

_WINS: Final = {
    Medal.GOLD: N_("{name} wins gold for {nation}"),
    Medal.SILVER: N_("{name} wins silver for {nation}"),
    Medal.BRONZE: N_("{name} wins bronze for {nation}"),
}
_NATION_WINS: Final = {
    Medal.GOLD: N_("{nation} wins gold"),
    Medal.SILVER: N_("{nation} wins silver"),
    Medal.BRONZE: N_("{nation} wins bronze"),
}
_SHARE: Final = {
    Medal.GOLD: N_("{names} share gold"),
    Medal.SILVER: N_("{names} share silver"),
    Medal.BRONZE: N_("{names} share bronze"),
}

# The one wording of an event's status, in alerts and in replies; a sign marks a result's state.
_STATUS: Final = {
    EventStatus.SCHEDULED: N_("Scheduled"),
    EventStatus.RUNNING: N_("In progress"),
    EventStatus.UNOFFICIAL: N_("⏳ Unofficial"),
    EventStatus.OFFICIAL: N_("✅ Official"),
    EventStatus.PROTESTED: N_("⚠️ Under protest"),
    EventStatus.CANCELLED: N_("Cancelled"),
    EventStatus.POSTPONED: N_("Postponed"),
}

# Record names as they read mid-sentence; unknown codes get the generic form.
_RECORD_NAMES: Final = {
    "OR": N_("Olympic record"),
    "WR": N_("world record"),
    "OB": N_("Olympic best"),
    "WB": N_("world best"),
    "TR": N_("track record"),
    "ER": N_("European record"),
    "AR": N_("area record"),
    "NR": N_("national record"),
}


def nation(noc: str, t: Translator) -> str:
    """ "🇳🇱 Netherlands"."""
    return f"{flag_emoji(noc)} {safe(nation_name(noc, t.code))}"


def name(text: str) -> str:
    return safe(text, NAME_MAX_CHARS)


def noc_code(noc: str) -> str:
    return safe(noc, 8)


def holder(mark: RecordMark) -> str:
    """ "Femke KOK (NED)"."""
    return f"{name(mark.name)} ({noc_code(mark.noc)})"


def sport_name(sport: str, t: Translator) -> str:
    return safe(localised_sport_name(sport, t.code), LABEL_MAX_CHARS)


def event_label(sport: str, event_name: str, t: Translator, *, bold_sport: bool = True) -> str:
    """ "**Speed Skating** · Women's 1000m" (the title form has no markdown)."""
    sport_text = sport_name(sport, t)
    if bold_sport:
        sport_text = f"**{sport_text}**"
    return f"{sport_text} · {safe(event_name, LABEL_MAX_CHARS)}"


def status_label(status: EventStatus, t: Translator) -> str:
    """An event's status as alerts and replies show it: "✅ Official", "⏳ Unofficial"…"""
    return t.gettext(_STATUS[status])


def is_nation_team(medal: MedalWon, t: Translator) -> bool:
    """A team named after its nation ("Netherlands", "NED"): the headline names the nation."""
    if not medal.members:
        return False
    own = medal.name.strip().casefold()
    names = {medal.noc, nation_name(medal.noc, "en"), nation_name(medal.noc, t.code)}
    return own in {n.casefold() for n in names}


def medal_headline(medals: Sequence[MedalWon], t: Translator) -> str:
    """The title for newly awarded medals of one kind: one winner, or a tie."""
    medal = medals[0].medal
    if len(medals) > 1:
        names = [_title_entry(m, t) for m in medals]
        text = t.gettext(_SHARE[medal]).format(names=t.format_list(names))
    elif is_nation_team(medals[0], t):
        text = t.gettext(_NATION_WINS[medal]).format(nation=nation(medals[0].noc, t))
    else:
        text = t.gettext(_WINS[medal]).format(
            name=name(medals[0].name), nation=nation(medals[0].noc, t)
        )
    return f"{MEDAL_EMOJI[medal]} {text}"


def _title_entry(medal: MedalWon, t: Translator) -> str:
    if is_nation_team(medal, t):
        return nation(medal.noc, t)
    if flag_emoji(medal.noc) == NEUTRAL_FLAG:  # shared by several teams: say which
        return f"{name(medal.name)} {flag_emoji(medal.noc)} {noc_code(medal.noc)}"
    return f"{name(medal.name)} {flag_emoji(medal.noc)}"


def podium_line(medal: MedalWon, t: Translator, *, new: bool = False) -> str:
    """ "🥇 🇳🇱 **Jutta LEERDAM** (NED) · 1:12.31", team members on an indented second line."""
    who = name(medal.name)
    if new:
        who = f"**{who}**"
    line = f"{MEDAL_EMOJI[medal.medal]} {flag_emoji(medal.noc)} {who} ({noc_code(medal.noc)})"
    if medal.mark:
        line += f" · {safe(medal.mark, MARK_MAX_CHARS)}"
    if medal.members:
        line += "\n\u2003" + t.format_list([name(m) for m in medal.members])
    return line


def podium_lines(podium: Sequence[MedalWon], t: Translator, *, new: Sequence[MedalWon] = ()) -> str:
    """The podium in medal order; the new medals in bold when some were announced before."""
    ordered = sorted(podium, key=lambda m: m.medal.order)  # stable: ties keep feed order
    mark_new = any(m not in new for m in ordered)
    return "\n".join(podium_line(m, t, new=mark_new and m in new) for m in ordered)


def record_name(code: str, t: Translator) -> str:
    known = _RECORD_NAMES.get(code.strip().upper())
    if known is not None:
        return t.gettext(known)
    return t.gettext("{code} record").format(code=safe(code, 8))


class _Flagged(Protocol):
    """A record as a badge needs only its code and whether it was equalled."""

    @property
    def type(self) -> str: ...
    @property
    def equalled(self) -> bool: ...


def record_badge(record: _Flagged) -> str:
    """ "`OR`", "`=WR`" when equalled (the athletics convention)."""
    code = safe(record.type, 8).replace("`", "")
    return f"`={code}`" if record.equalled else f"`{code}`"


def record_headline(record: RecordSet, t: Translator) -> str:
    template = (
        t.gettext("{record} equalled: {name}, {nation}")
        if record.equalled
        else t.gettext("New {record}: {name}, {nation}")
    )
    text = template.format(
        record=record_name(record.type, t), name=name(record.name), nation=nation(record.noc, t)
    )
    return f"{RECORD_EMOJI} {capitalise(text)}"


def record_sentence(record: RecordSet, t: Translator) -> str:
    """ "`OR` Olympic record **1:12.31** — beats 1:12.59 set by Femke KOK (NED) earlier in …"."""
    values = {
        "record": capitalise(record_name(record.type, t)),
        "mark": f"**{safe(record.mark, MARK_MAX_CHARS)}**",
    }
    beats = record.beats
    if beats is None:
        text = t.gettext("{record} {mark}").format(**values)
        return f"{record_badge(record)} {text}"
    values |= {"old": safe(beats.mark, MARK_MAX_CHARS), "holder": holder(beats)}
    where = _where(beats, t)
    if beats.in_this_event and beats.set_at is not None:
        template = (
            t.gettext(
                "{record} {mark} — equals {old} set by {holder} earlier in this event, {when}"
            )
            if record.equalled
            else t.gettext(
                "{record} {mark} — beats {old} set by {holder} earlier in this event, {when}"
            )
        )
        values["when"] = timestamp(beats.set_at, "R")
    elif beats.in_this_event:
        template = (
            t.gettext("{record} {mark} — equals {old} set by {holder} earlier in this event")
            if record.equalled
            else t.gettext("{record} {mark} — beats {old} set by {holder} earlier in this event")
        )
    elif where:
        template = (
            t.gettext("{record} {mark} — equals {old} by {holder}, {where}")
            if record.equalled
            else t.gettext("{record} {mark} — beats {old} by {holder}, {where}")
        )
        values["where"] = where
    else:
        template = (
            t.gettext("{record} {mark} — equals {old} by {holder}")
            if record.equalled
            else t.gettext("{record} {mark} — beats {old} by {holder}")
        )
    return f"{record_badge(record)} {template.format(**values)}"


def _where(mark: RecordMark, t: Translator) -> str:
    """ "Beijing, Feb 17, 2022": place and date of a standing record, as far as known."""
    parts = []
    if mark.place:
        parts.append(safe(mark.place, LABEL_MAX_CHARS))
    if mark.date:
        parts.append(_date(mark.date, t))
    return ", ".join(parts)


def _date(text: str, t: Translator) -> str:
    try:
        return t.format_date(date.fromisoformat(text.strip()))
    except ValueError:  # not an ISO date: show it as the feed wrote it
        return safe(text, LABEL_MAX_CHARS)


def record_line(record: RecordSet, t: Translator) -> str:
    """A record as one line: "`OR` Olympic record · 🇳🇱 Jutta LEERDAM (NED) · 1:12.31"."""
    return (
        f"{record_badge(record)} {capitalise(record_name(record.type, t))} · "
        f"{flag_emoji(record.noc)} {name(record.name)} ({noc_code(record.noc)}) · "
        f"{safe(record.mark, MARK_MAX_CHARS)}"
    )


def medal_counts(gold: int, silver: int, bronze: int, t: Translator) -> str:
    """ "🥇 3 🥈 2 🥉 1"."""
    counts = zip((Medal.GOLD, Medal.SILVER, Medal.BRONZE), (gold, silver, bronze), strict=True)
    return " ".join(f"{MEDAL_EMOJI[medal]} {t.format_number(n)}" for medal, n in counts)


def tally_line(tally: NocTally, t: Translator) -> str:
    """ "🇳🇱 **Netherlands**: 🥇 3 🥈 2 🥉 1 · 6 medals"."""
    n = t.format_number
    count = t.ngettext("{count} medal", "{count} medals", tally.total).format(count=n(tally.total))
    counts = medal_counts(tally.gold, tally.silver, tally.bronze, t)
    return f"{flag_emoji(tally.noc)} **{safe(nation_name(tally.noc, t.code))}**: {counts} · {count}"


def tally_lines(
    tallies: Sequence[NocTally], t: Translator, *, highlight_noc: str | None = None
) -> str:
    """The subscribed nation's count if the alert has it, else every nation's in the alert."""
    chosen = [x for x in tallies if highlight_noc and x.noc == highlight_noc.upper()]
    return "\n".join(tally_line(x, t) for x in (chosen or tallies))


def detected_text(moment: datetime) -> str:
    """ "17:41 (2 minutes ago)", in each reader's own time zone and language."""
    return f"{timestamp(moment, 't')} ({timestamp(moment, 'R')})"
