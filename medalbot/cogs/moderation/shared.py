"""What the /alerts command modules share: how a subscription reads to moderators, whether
the bot can post in a channel, and the subscription autocomplete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from medalbot.cogs.answers import reply_language
from medalbot.cogs.choices import MAX_CHOICES
from medalbot.delivery.render_phrases import sport_name
from medalbot.i18n import N_, Translator, flag_emoji, nation_name, translator
from medalbot.services.errors import UserError
from medalbot.store.base import Subscription

if TYPE_CHECKING:
    from medalbot.client import MedalBot

# Permission names as Discord's client shows them (English labels are gettext messages).
NEEDED = (
    ("view_channel", N_("View Channel")),
    ("send_messages", N_("Send Messages")),
    ("embed_links", N_("Embed Links")),
)
NEEDED_FOR_TEXT = NEEDED[:2]  # the moderators' notices are plain text


def missing_permissions(
    channel: discord.abc.GuildChannel,
    me: discord.Member,
    needed: Sequence[tuple[str, str]] = NEEDED,
) -> list[str]:
    """English labels of the permissions we lack there (translate them with gettext)."""
    perms = channel.permissions_for(me)
    return [label for attr, label in needed if not getattr(perms, attr)]


def permission_list(labels: Sequence[str], t: Translator) -> str:
    return t.format_list([t.gettext(label) for label in labels])


def alert_channel(
    interaction: discord.Interaction[MedalBot], channel: discord.TextChannel | None
) -> discord.TextChannel:
    """The channel a moderator named, or the one the command was typed in."""
    target = channel or interaction.channel
    if not isinstance(target, discord.TextChannel):
        raise UserError(N_("Pick a text or announcement channel for the alerts."))
    return target


def check_can_post(
    channel: discord.TextChannel, locale: str, needed: Sequence[tuple[str, str]] = NEEDED
) -> None:
    """Refuse, saying which permissions to give, a channel the bot cannot post in."""
    me = channel.guild.me
    missing = missing_permissions(channel, me, needed) if me else [n for _, n in needed]
    if missing:
        raise UserError(
            N_(
                "I can't post in {channel}: I'm missing {permissions} there. Give me "
                "these permissions in the channel's settings, then try again."
            ),
            channel=channel.mention,
            permissions=permission_list(missing, translator(locale)),
        )


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
    return f"<#{sub.channel_id}>: {who} · {sport} · {what} · {records}{role}"


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


async def subscription_autocomplete(
    interaction: discord.Interaction[MedalBot], current: str
) -> list[app_commands.Choice[int]]:
    """The server's subscriptions, named by channel, nation and sport."""
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    subs = await bot.services.subscriptions.list(interaction.guild_id)
    t = translator(await reply_language(interaction))
    choices = []
    for sub in subs:
        channel = bot.get_channel(sub.channel_id)
        nation = sub.noc or t.gettext("all nations")
        sport = sport_name(sub.sport, t) if sub.sport else t.gettext("all sports")
        name = f"#{getattr(channel, 'name', sub.channel_id)}: {nation} · {sport}"
        if sub.paused_reason:
            name += " · " + t.gettext("paused")
        if current.casefold() in name.casefold():
            choices.append(app_commands.Choice(name=name[:100], value=sub.id))
    return choices[:MAX_CHOICES]
