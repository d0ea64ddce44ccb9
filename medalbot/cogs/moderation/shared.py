"""What the /alerts command modules share: whether the bot can post in a channel, and the
subscription autocomplete (how a subscription reads is in ``medalbot.render.subscriptions``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from medalbot.cogs.answers import reply_language
from medalbot.cogs.choices import MAX_CHOICES
from medalbot.i18n import N_, Translator, translator
from medalbot.render.phrases import sport_name
from medalbot.services.errors import UserError

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
