"""How alerts look on Discord: one embed per alert, batched into messages within Discord's limits.

Pure functions from alerts to ``discord.Embed``/message parts; the sender decides where they go.
Two layers keep feed text from pinging anyone: it is escaped here, and every message carries an
explicit ``allowed_mentions`` that allows at most the one role a subscription chose.

Spoiler-safe (a subscription's ``spoiler_safe``): the content and each embed's title say only
that a medal or record happened in an event ("🥇 Medal decided: Speed Skating · Women's 1000m");
names, nations, marks, the podium and the medal count are inside spoiler tags, line by line, so
a notification's preview and a glance at the channel spoil nothing. The role still pings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import discord

from medalbot.domain.alerts import (
    Alert,
    AlertBase,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    RecordAlert,
    RecordSet,
)
from medalbot.domain.models import EventStatus, Medal
from medalbot.i18n import SUPPORTED_LOCALES, Translator, games_name, translator
from medalbot.render.limits import (
    CONTENT_MAX,
    EMBED_CHARS_MAX,
    EMBEDS_MAX,
    Card,
    CardField,
    fit_card,
    fit_lines,
    fit_message,
    to_embed,
)
from medalbot.render.phrases import (
    CORRECTION_COLOUR,
    CORRECTION_EMOJI,
    MEDAL_COLOUR,
    MEDAL_EMOJI,
    RECORD_COLOUR,
    RECORD_EMOJI,
    detected_text,
    event_label,
    medal_headline,
    podium_line,
    podium_lines,
    record_headline,
    record_line,
    record_sentence,
    status_label,
    tally_lines,
)
from medalbot.render.sample import SAMPLE_ID_PREFIX, SAMPLE_KINDS, is_sample, sample_alert
from medalbot.render.text import plain, spoiler, strike, timestamp, utf16_len

__all__ = [
    "SAMPLE_ID_PREFIX",
    "SAMPLE_KINDS",
    "RenderedMessage",
    "allowed_mentions_for",
    "message_content",
    "render_alert",
    "render_batch",
    "render_corrected_message",
    "render_corrected_original",
    "render_headline",
    "sample_alert",
    "split_for_discord",
    "spoiler_free_headline",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedMessage:
    """What to pass to ``send``/``edit``: ``content``, ``embeds`` and ``allowed_mentions``."""

    content: str | None
    embeds: list[discord.Embed]
    allowed_mentions: discord.AllowedMentions


def allowed_mentions_for(role_id: int | None) -> discord.AllowedMentions:
    """Only the chosen role may be pinged; no role means no pings at all."""
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role_id)], replied_user=False
    )


def render_alert(
    alert: Alert, *, locale: str, highlight_noc: str | None = None, spoiler_safe: bool = False
) -> discord.Embed:
    """One embed for one alert, within Discord's per-embed limits.

    ``highlight_noc`` is the subscribed nation: the headline is about its medal when the alert
    has one, and the medal count shows only that nation.
    """
    return to_embed(fit_card(_card(alert, translator(locale), highlight_noc, spoiler_safe)))


def render_headline(alert: Alert, *, locale: str, highlight_noc: str | None = None) -> str:
    """An alert's headline (its embed's title) alone, for lists such as a quiet-hours summary."""
    return _card(alert, translator(locale), highlight_noc, False).title


def spoiler_free_headline(alert: Alert, *, locale: str) -> str:
    """What a spoiler-safe alert's title says: that a medal or record happened, and where."""
    return _safe_title(alert, translator(locale))


def render_batch(
    alerts: Sequence[Alert],
    *,
    locale: str,
    highlight_noc: str | None = None,
    role_id: int | None = None,
    spoiler_safe: bool = False,
) -> RenderedMessage:
    """One message for alerts bound for one channel: ≤ 10 embeds, ≤ 6000 characters in all.

    Long alerts are shortened with "…" to fit. Give it a group from :func:`split_for_discord`;
    more than 10 alerts get 9 embeds and a tenth saying how many were left out. Spoiler-safe,
    the content says what happened where (a line per alert) after the role's mention.
    """
    if not alerts:
        raise ValueError("render_batch needs at least one alert")
    t = translator(locale)
    cards = [_card(a, t, highlight_noc, spoiler_safe) for a in alerts[:EMBEDS_MAX]]
    if len(alerts) > EMBEDS_MAX:
        left_out = len(alerts) - (EMBEDS_MAX - 1)
        log.warning(
            "render_batch got %d alerts (first %s); leaving out %d, use split_for_discord",
            len(alerts),
            alerts[0].id,
            left_out,
        )
        cards = [*cards[: EMBEDS_MAX - 1], _overflow_card(left_out, t)]
    headlines = [_safe_title(a, t) for a in alerts] if spoiler_safe else []
    return RenderedMessage(
        content=message_content(role_id, headlines),
        embeds=[to_embed(c) for c in fit_message(cards)],
        allowed_mentions=allowed_mentions_for(role_id),
    )


def message_content(role_id: int | None, lines: Sequence[str] = ()) -> str | None:
    """A message's content: the role's mention (the ping), then ``lines`` (spoiler-free
    headlines), as many whole lines as fit Discord's 2000 characters."""
    mention = f"<@&{role_id}>" if role_id is not None else ""
    if not lines:
        return mention or None
    room = CONTENT_MAX - utf16_len(mention) - 1
    text = fit_lines(lines, room)
    return f"{mention}\n{text}" if mention else text


def split_for_discord(
    alerts: Sequence[Alert],
    *,
    locale: str | None = None,
    highlight_noc: str | None = None,
    spoiler_safe: bool = False,
) -> list[list[Alert]]:
    """A backlog cut into message-sized groups, in order: ≤ 10 embeds and ≤ 6000 characters each.

    Sizes are measured by rendering; without ``locale`` the longest of all supported locales counts.
    """
    # One alert is one message whatever its size (fit_card cuts it to fit): a fan-out's common
    # case costs no rendering here, in as many locales as we speak.
    if len(alerts) <= 1:
        return [list(alerts)] if alerts else []
    locales = [locale] if locale is not None else list(SUPPORTED_LOCALES)
    groups: list[list[Alert]] = []
    group_size = 0
    for alert in alerts:
        size = max(
            fit_card(_card(alert, translator(lc), highlight_noc, spoiler_safe)).size
            for lc in locales
        )
        if not groups or len(groups[-1]) >= EMBEDS_MAX or group_size + size > EMBED_CHARS_MAX:
            groups.append([])
            group_size = 0
        groups[-1].append(alert)
        group_size += size
    return groups


def render_corrected_original(
    original: Alert, correction: CorrectionAlert, *, locale: str, spoiler_safe: bool = False
) -> discord.Embed:
    """The original alert's embed after a correction: its headline struck out, what changed,
    and the podium as it stands now."""
    card = _corrected_card(original, correction, translator(locale), None, spoiler_safe)
    return to_embed(fit_card(card))


def render_corrected_message(
    alerts: Sequence[Alert],
    correction: CorrectionAlert,
    *,
    locale: str,
    highlight_noc: str | None = None,
    spoiler_safe: bool = False,
) -> list[discord.Embed]:
    """All embeds of a posted message, for editing it after ``correction``.

    ``alerts`` are the message's alerts in their order; those the correction names in
    ``corrects`` are shown corrected, the others as before. The embeds fit one message together,
    which a corrected embed (longer than the original) could otherwise break.
    """
    t = translator(locale)
    cards = [
        _corrected_card(a, correction, t, highlight_noc, spoiler_safe)
        if a.id in correction.corrects
        else _card(a, t, highlight_noc, spoiler_safe)
        for a in alerts[:EMBEDS_MAX]
    ]
    return [to_embed(c) for c in fit_message(cards)]


# --- cards -------------------------------------------------------------------------------------


def _card(alert: Alert, t: Translator, highlight_noc: str | None, spoiler_safe: bool) -> Card:
    if isinstance(alert, MedalAlert):
        card = _medal_card(alert, t, highlight_noc, spoiler_safe)
    elif isinstance(alert, RecordAlert):
        card = _record_card(alert, t, spoiler_safe)
    else:
        card = _correction_card(alert, t, highlight_noc, spoiler_safe)
    if not spoiler_safe:
        return card
    if isinstance(alert, MedalAlert):  # a silver's or bronze's colour would tell who won
        card = replace(card, colour=MEDAL_COLOUR[Medal.GOLD])
    return replace(card, title=_safe_title(alert, t))


def _safe_title(alert: Alert, t: Translator) -> str:
    """The title of a spoiler-safe alert: what happened, where, and no one's name."""
    event = event_label(alert.sport, alert.event_name, t, bold_sport=False)
    if isinstance(alert, MedalAlert):
        # the same sign whatever the medal: a silver's own sign would tell who won
        text = t.gettext("Medal decided: {event}").format(event=event)
        return f"{MEDAL_EMOJI[Medal.GOLD]} {text}"
    if isinstance(alert, RecordAlert):
        text = t.gettext("Record set: {event}").format(event=event)
        return f"{RECORD_EMOJI} {text}"
    text = t.gettext("Correction: {event}").format(event=event)
    return f"{CORRECTION_EMOJI} {text}"


def _hidden(text: str, spoiler_safe: bool) -> str:
    return spoiler(text) if spoiler_safe else text


def _medal_card(
    alert: MedalAlert, t: Translator, highlight_noc: str | None, spoiler_safe: bool
) -> Card:
    medals = alert.medals or alert.podium
    if not medals:  # not produced by change detection; still render something sensible
        log.warning("medal alert %s has no medals", alert.id)
        title, colour = event_label(alert.sport, alert.event_name, t, bold_sport=False), 0
    else:
        headline = _headline_medals(medals, highlight_noc)
        title, colour = medal_headline(headline, t), MEDAL_COLOUR[headline[0].medal]
    return Card(
        title=title,
        colour=colour,
        description=_with_banner(alert, t, [event_label(alert.sport, alert.event_name, t)]),
        fields=_event_fields(
            alert, t, highlight_noc, alert.podium or medals, spoiler_safe, new=alert.medals
        ),
        footer=_footer(alert, t),
    )


def _headline_medals(medals: Sequence[MedalWon], highlight_noc: str | None) -> list[MedalWon]:
    """The best new medal (the subscribed nation's best, if it has one), with anyone tied for it."""
    own = [m for m in medals if highlight_noc and m.noc == highlight_noc.upper()]
    best = min((own or medals), key=lambda m: m.medal.order).medal
    return [m for m in medals if m.medal == best]


def _record_card(alert: RecordAlert, t: Translator, spoiler_safe: bool) -> Card:
    lines = [
        event_label(alert.sport, alert.event_name, t),
        _hidden(record_sentence(alert.record, t), spoiler_safe),
    ]
    return Card(
        title=record_headline(alert.record, t),
        colour=RECORD_COLOUR,
        description=_with_banner(alert, t, lines),
        fields=tuple(_status_fields(alert, t)),
        footer=_footer(alert, t),
    )


def _correction_card(
    alert: CorrectionAlert, t: Translator, highlight_noc: str | None, spoiler_safe: bool
) -> Card:
    event = event_label(alert.sport, alert.event_name, t, bold_sport=False)
    title = t.gettext("Correction: {event}").format(event=event)
    return Card(
        title=f"{CORRECTION_EMOJI} {title}",
        colour=CORRECTION_COLOUR,
        description=_with_banner(alert, t, _correction_lines(alert, t, spoiler_safe)),
        fields=_event_fields(alert, t, highlight_noc, alert.podium, spoiler_safe),
        footer=_footer(alert, t),
    )


def _corrected_card(
    original: Alert,
    correction: CorrectionAlert,
    t: Translator,
    highlight_noc: str | None = None,
    spoiler_safe: bool = False,
) -> Card:
    event = event_label(original.sport, original.event_name, t, bold_sport=False)
    corrected = t.gettext("This alert was corrected {when}:").format(
        when=timestamp(correction.detected_at, "R")
    )
    lines = [
        strike(_card(original, t, highlight_noc, spoiler_safe).title),  # what the channel saw
        "",
        corrected,
        *_correction_lines(correction, t, spoiler_safe),
    ]
    title = t.gettext("Corrected: {event}").format(event=event)
    return Card(
        title=f"{CORRECTION_EMOJI} {title}",
        colour=CORRECTION_COLOUR,
        description=_with_banner(original, t, lines),
        fields=_event_fields(correction, t, highlight_noc, correction.podium, spoiler_safe),
        footer=_footer(original, t),
    )


def _overflow_card(left_out: int, t: Translator) -> Card:
    text = t.ngettext(
        "{count} more alert is not shown here", "{count} more alerts are not shown here", left_out
    )
    return Card(title=f"➕ {text.format(count=t.format_number(left_out))}", colour=0)


# --- parts -------------------------------------------------------------------------------------


def _correction_lines(alert: CorrectionAlert, t: Translator, spoiler_safe: bool) -> list[str]:
    """Before struck out, then "→ after" (or "→ withdrawn"); spoiler-safe, the medals and
    records inside spoiler tags."""
    lines = [
        _hidden(strike(line), spoiler_safe)
        for item in alert.before
        for line in _item_text(item, t).split("\n")
    ]
    if alert.after:
        lines += [f"→ {_hidden(_item_text(item, t), spoiler_safe)}" for item in alert.after]
    else:
        withdrawn = t.gettext("withdrawn")
        lines.append(f"→ {withdrawn}")
    return lines


def _item_text(item: MedalWon | RecordSet, t: Translator) -> str:
    return podium_line(item, t) if isinstance(item, MedalWon) else record_line(item, t)


def _event_fields(
    alert: MedalAlert | CorrectionAlert,
    t: Translator,
    highlight_noc: str | None,
    podium: Sequence[MedalWon],
    spoiler_safe: bool,
    *,
    new: Sequence[MedalWon] = (),
) -> tuple[CardField, ...]:
    """Where the event stands: its podium, the medal count and its status (when detected);
    spoiler-safe, the podium and the count inside spoiler tags (the status tells no one's name)."""
    fields = [*_podium_fields(podium, new, alert.event_status, t)]
    fields += _tally_fields(alert, t, highlight_noc)
    if spoiler_safe:
        fields = [replace(f, value=spoiler(f.value)) for f in fields]
    return (*fields, *_status_fields(alert, t))


def _podium_fields(
    podium: Sequence[MedalWon], new: Sequence[MedalWon], status: EventStatus, t: Translator
) -> list[CardField]:
    if not podium:
        return []
    label = t.gettext("Podium") if status == EventStatus.OFFICIAL else t.gettext("Podium so far")
    return [CardField(label, podium_lines(podium, t, new=new))]


def _tally_fields(
    alert: MedalAlert | CorrectionAlert, t: Translator, highlight_noc: str | None
) -> list[CardField]:
    if not alert.tallies:
        return []
    lines = tally_lines(alert.tallies, t, highlight_noc=highlight_noc)
    return [CardField(t.gettext("Medal count"), lines)]


def _status_fields(alert: AlertBase, t: Translator) -> list[CardField]:
    return [
        CardField(t.gettext("Status"), status_label(alert.event_status, t), inline=True),
        CardField(t.gettext("Detected"), detected_text(alert.detected_at), inline=True),
    ]


def _with_banner(alert: Alert, t: Translator, lines: list[str]) -> str:
    if is_sample(alert):
        banner = t.gettext("Test alert — not a real result")
        lines = [f"🧪 **{banner}**", *lines]
    return "\n".join(lines)


def _footer(alert: Alert, t: Translator) -> str:
    """Footers show no markdown, so the Games name is only cleaned, not escaped."""
    games = plain(games_name(alert.games, t.code), 100)
    if is_sample(alert):
        return t.gettext("Test alert · {games}").format(games=games)
    return games
