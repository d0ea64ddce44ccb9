"""How a day's digest and the summary of alerts held in quiet hours look on Discord.

Each is one embed in one message. Like alerts, they may mention only the subscription's role
(``allowed_mentions_for``): the summary comes when the quiet hours are over and the digest at
the time the moderators chose, so each pings the role at most once. A spoiler-safe
subscription's digest and summary keep every name, nation, mark and count inside spoiler tags;
what happened where (the event, "Medal decided") stays readable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from medalbot.domain.alerts import Alert, CorrectionAlert, MedalWon, RecordSet
from medalbot.domain.digest import Digest, DigestEntry
from medalbot.domain.models import Medal
from medalbot.i18n import Translator, games_name, translator
from medalbot.render.alerts import (
    RenderedMessage,
    allowed_mentions_for,
    render_headline,
    spoiler_free_headline,
)
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
    CORRECTION_EMOJI,
    MEDAL_EMOJI,
    event_label,
    nation,
    podium_line,
    record_line,
    tally_line,
)
from medalbot.render.text import plain, spoiler, strike, timestamp

DIGEST_EMOJI: Final = "📰"
QUIET_EMOJI: Final = "🌙"
DIGEST_COLOUR: Final = 0x3498DB
QUIET_COLOUR: Final = 0x34495E


def render_digest(
    digest: Digest, *, locale: str, role_id: int | None = None, spoiler_safe: bool = False
) -> RenderedMessage:
    """One message with the day's medals, records, corrections and medal count."""
    t = translator(locale)
    day = t.format_date(digest.day)
    if digest.noc is not None:
        title = t.gettext("Daily digest for {nation}, {date}").format(
            nation=nation(digest.noc, t), date=day
        )
    else:
        title = t.gettext("Daily digest, {date}").format(date=day)
    if digest.is_empty:
        description = t.gettext("No medals or records since the last digest.")
    else:
        description = _hide(_counts(digest, t), spoiler_safe)
    fields: list[CardField] = []
    if digest.medals:
        lines = [_entry_line(e, t, spoiler_safe) for e in digest.medals]
        fields.append(CardField(t.gettext("Medals"), _within(lines, FIELD_VALUE_MAX, t)))
    if digest.records:
        lines = [_entry_line(e, t, spoiler_safe) for e in digest.records]
        fields.append(CardField(t.gettext("Records"), _within(lines, FIELD_VALUE_MAX, t)))
    if digest.corrections:
        lines = [_correction_text(c, t, spoiler_safe) for c in digest.corrections]
        fields.append(CardField(t.gettext("Corrections"), _within(lines, FIELD_VALUE_MAX, t)))
    if digest.tally is not None:
        tally = _hide(tally_line(digest.tally, t), spoiler_safe)
        fields.append(CardField(t.gettext("Medal count"), tally))
    card = Card(
        title=f"{DIGEST_EMOJI} {title}",
        colour=DIGEST_COLOUR,
        description=description,
        fields=tuple(fields),
        footer=plain(games_name(digest.games, t.code), 100) if digest.games else "",
    )
    return _message(card, role_id)


def render_quiet_summary(
    alerts: Sequence[Alert],
    *,
    locale: str,
    highlight_noc: str | None = None,
    role_id: int | None = None,
    spoiler_safe: bool = False,
) -> RenderedMessage:
    """One message listing the alerts held during quiet hours, each on one line, oldest first."""
    if not alerts:
        raise ValueError("render_quiet_summary needs at least one alert")
    t = translator(locale)
    title = t.ngettext(
        "{count} alert while it was quiet", "{count} alerts while it was quiet", len(alerts)
    ).format(count=t.format_number(len(alerts)))
    lines = [_summary_line(a, locale, highlight_noc, t, spoiler_safe) for a in alerts]
    card = Card(
        title=f"{QUIET_EMOJI} {title}",
        colour=QUIET_COLOUR,
        description=_within(lines, DESCRIPTION_MAX, t),
        footer=plain(games_name(alerts[-1].games, t.code), 100),
    )
    return _message(card, role_id)


def _within(lines: Sequence[str], limit: int, t: Translator) -> str:
    """Whole lines, as many as fit in ``limit``, and then a line saying how many were left out."""

    def more(count: int) -> str:
        return "…" + t.gettext("and {count} more").format(count=t.format_number(count))

    return fit_lines(lines, limit, more)


def _message(card: Card, role_id: int | None) -> RenderedMessage:
    return RenderedMessage(
        content=f"<@&{role_id}>" if role_id is not None else None,
        embeds=[to_embed(fit_card(card))],
        allowed_mentions=allowed_mentions_for(role_id),
    )


def _counts(digest: Digest, t: Translator) -> str:
    """ "🥇 1 · 🥈 2 · 🥉 0 · 2 records"."""
    n = t.format_number
    parts = [f"{MEDAL_EMOJI[m]} {n(digest.medal_count(m))}" for m in Medal]
    if digest.records:
        count = len(digest.records)
        parts.append(t.ngettext("{count} record", "{count} records", count).format(count=n(count)))
    return " · ".join(parts)


def _hide(text: str, spoiler_safe: bool) -> str:
    return spoiler(text) if spoiler_safe else text


def _entry_line(entry: DigestEntry, t: Translator, spoiler_safe: bool) -> str:
    """ "🥇 🇳🇱 Jutta LEERDAM (NED) · 1:12.31 — **Speed Skating** · Women's 1000m"; spoiler-safe,
    the event first and the rest hidden: "**Speed Skating** · Women's 1000m — ||🥇 …||"."""
    item = entry.item
    what = podium_line(item, t) if isinstance(item, MedalWon) else record_line(item, t)
    what = what.split("\n", 1)[0]  # a team's members would take a line of their own
    event = event_label(entry.sport, entry.event_name, t)
    if spoiler_safe:
        return f"{event} — {spoiler(what)}"
    return f"{what} — {event}"


def _correction_text(fix: CorrectionAlert, t: Translator, spoiler_safe: bool) -> str:
    lines = [f"{CORRECTION_EMOJI} {event_label(fix.sport, fix.event_name, t)}"]
    lines += [f"\u2003{_hide(strike(_item(x, t)), spoiler_safe)}" for x in fix.before]
    lines += [f"\u2003→ {_hide(_item(x, t), spoiler_safe)}" for x in fix.after]
    return "\n".join(lines)


def _item(item: MedalWon | RecordSet, t: Translator) -> str:
    text = podium_line(item, t) if isinstance(item, MedalWon) else record_line(item, t)
    return text.split("\n", 1)[0]


def _summary_line(
    alert: Alert, locale: str, highlight_noc: str | None, t: Translator, spoiler_safe: bool
) -> str:
    """ "17:41 · 🥇 Jutta LEERDAM wins gold for 🇳🇱 Netherlands — Speed Skating · Women's 1000m";
    spoiler-safe: "17:41 · 🥇 Medal decided: Speed Skating · Women's 1000m · ||🥇 Jutta …||"."""
    headline = render_headline(alert, locale=locale, highlight_noc=highlight_noc)
    when = timestamp(alert.detected_at, "t")
    if spoiler_safe:
        safe_headline = spoiler_free_headline(alert, locale=locale)
        if isinstance(alert, CorrectionAlert):  # its headline names only its event
            return f"{when} · {safe_headline}"
        return f"{when} · {safe_headline} · {spoiler(headline)}"
    line = f"{when} · {headline}"
    if not isinstance(alert, CorrectionAlert):  # a correction's headline names its event
        line += f" — {event_label(alert.sport, alert.event_name, t, bold_sport=False)}"
    return line
