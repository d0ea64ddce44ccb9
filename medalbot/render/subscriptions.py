"""How subscriptions read to moderators: what each follows, its quiet hours and digest, and the
list of a server's subscriptions (/alerts list)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import discord
from babel import Locale

from medalbot.domain.subscriptions import Subscription
from medalbot.i18n import Translator, flag_emoji, nation_name, speaks, translator
from medalbot.render.limits import DESCRIPTION_MAX, Card, fit_card, fit_lines, to_embed
from medalbot.render.phrases import sport_name
from medalbot.store.base import GuildSettings

LIST_COLOUR: Final = 0x5865F2  # Discord's blurple


def describe_subscription(sub: Subscription, locale: str) -> str:
    t = translator(locale)
    if sub.noc:
        who = f"{flag_emoji(sub.noc)} {nation_name(sub.noc, locale)}"
    else:
        who = t.gettext("all nations")
    what = t.gettext("gold medals") if sub.golds_only else t.gettext("all medals")
    records = t.gettext("records on") if sub.records else t.gettext("records off")
    sport = sport_name(sub.sport, t) if sub.sport else t.gettext("all sports")
    role = ", " + t.gettext("pings {role}").format(role=f"<@&{sub.role_id}>") if sub.role_id else ""
    spoilers = " · " + t.gettext("spoiler-safe") if sub.spoiler_safe else ""
    return f"<#{sub.channel_id}>: {who} · {sport} · {what} · {records}{spoilers}{role}"


def describe_schedule(sub: Subscription, t: Translator) -> list[str]:
    """A subscription's quiet hours and daily digest, a line each (none if it has neither)."""
    lines = []
    schedule = sub.schedule
    if schedule.has_quiet_hours:
        assert sub.quiet_start is not None and sub.quiet_end is not None
        quiet = t.gettext("Quiet hours {start}–{end} ({timezone})").format(
            start=sub.quiet_start.strftime("%H:%M"),
            end=sub.quiet_end.strftime("%H:%M"),
            timezone=sub.timezone,
        )
        if sub.records_break_through:
            quiet += " · " + t.gettext("new records break through")
        lines.append(f"🌙 {quiet}")
    if sub.digest_time is not None:
        digest = t.gettext("Daily digest at {time} ({timezone})").format(
            time=sub.digest_time.strftime("%H:%M"), timezone=sub.timezone
        )
        lines.append(f"📰 {digest}")
    return lines


def _language(code: str, locale: str) -> str:
    """A language named in the reader's language ("French" in English, "Francés" in Spanish)."""
    name = Locale.parse(code).get_display_name(locale) or code
    return name[:1].upper() + name[1:]


def describe_language(settings: GuildSettings, locale: str) -> str:
    """Which language the server's alerts are in, and why: a moderator chose it, or it is the
    server's Discord language (or that is one we do not speak, and English stands in)."""
    t = translator(locale)
    language = _language(settings.language, locale)
    if settings.language_chosen:
        why = t.gettext("chosen by a moderator")
    elif speaks(settings.discord_locale):
        why = t.gettext("the server's Discord language")
    elif settings.discord_locale:
        why = t.gettext("the server's Discord language ({language}) isn't one I speak yet").format(
            language=_language(settings.discord_locale.replace("-", "_"), locale)
        )
    else:
        why = t.gettext("the default")
    return "🌐 " + t.gettext("Language: {language} — {why}").format(language=language, why=why)


def subscriptions_embed(
    entries: Sequence[str], *, count: int, limit: int, locale: str, language: str = ""
) -> discord.Embed:
    """The /alerts list answer: one entry per subscription (several lines each), whole entries
    only, and "… +N" for the subscriptions that did not fit; the server's language (see
    ``describe_language``) in the footer."""
    t = translator(locale)
    title = t.gettext("Alert subscriptions ({count}/{limit})").format(count=count, limit=limit)
    card = Card(
        title=title,
        colour=LIST_COLOUR,
        description=fit_lines(entries, DESCRIPTION_MAX),
        footer=language,
    )
    return to_embed(fit_card(card))
