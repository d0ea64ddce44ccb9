"""/alerts language and logchannel (a server's own settings), and the notice moderators get
when alerts to a channel are paused."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

import discord
from babel import Locale
from discord import app_commands
from discord.ext import commands
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from medalbot.cogs.answers import NO_PINGS, reply_ephemeral, reply_language
from medalbot.cogs.moderation.shared import NEEDED_FOR_TEXT, check_can_post
from medalbot.i18n import N_, SUPPORTED_LOCALES, language_name, pN_, translator

if TYPE_CHECKING:
    from medalbot.client import MedalBot

log = logging.getLogger(__name__)
NOTICE_ATTEMPTS = 5  # tries of a notice to moderators that Discord answers with a 5xx

Interaction = discord.Interaction["MedalBot"]


def language_choices() -> list[app_commands.Choice[str]]:
    """Each language we speak, named in itself ("English", "Nederlands")."""
    return [app_commands.Choice(name=language_name(code), value=code) for code in SUPPORTED_LOCALES]


class ServerCommands(commands.Cog):
    """Part of the /alerts group (``Moderation``), which checks the moderator first."""

    bot: MedalBot

    @app_commands.command(
        name=pN_("command name", "language"),
        description=N_("The language of alerts and replies on this server"),
    )
    @app_commands.describe(language=N_("The language to use"))
    @app_commands.rename(language=pN_("command name", "language"))
    @app_commands.choices(language=language_choices())
    async def language(self, interaction: Interaction, language: str) -> None:
        assert interaction.guild_id is not None  # guild_only
        settings = await self.bot.services.guilds.set_locale(interaction.guild_id, language)
        log.info("guild %d speaks %s now", interaction.guild_id, settings.language)
        t = translator(settings.language)  # answered in the new language
        name = (
            Locale.parse(settings.language).get_display_name(settings.language) or settings.language
        )
        await reply_ephemeral(
            interaction,
            t.gettext(
                "Alerts and replies on this server are now in {language}. Members' own "
                "questions are still answered in their Discord language."
            ).format(language=name),
        )

    @app_commands.command(
        name=pN_("command name", "logchannel"),
        description=N_("Where I tell moderators that alerts to a channel are paused"),
    )
    @app_commands.describe(channel=N_("Leave empty to use the server's system channel again"))
    @app_commands.rename(channel=pN_("command name", "channel"))
    async def logchannel(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild is not None  # guild_only
        locale = await reply_language(interaction)
        t = translator(locale)
        if channel is not None:
            check_can_post(channel, locale, NEEDED_FOR_TEXT)
        await self.bot.services.guilds.set_log_channel(
            interaction.guild.id, channel.id if channel else None
        )
        log.info(
            "guild %d: notices about paused channels go to %s",
            interaction.guild.id,
            channel.id if channel else "the system channel",
        )
        system = interaction.guild.system_channel
        if channel is not None:
            reply = t.gettext(
                "When alerts to a channel are paused, I'll tell moderators in {channel}."
            ).format(channel=channel.mention)
        elif system is not None:
            reply = t.gettext(
                "When alerts to a channel are paused, I'll tell moderators in the system "
                "channel, {channel}."
            ).format(channel=system.mention)
        else:
            reply = t.gettext(
                "This server has no system channel, so I can't tell moderators when alerts "
                "to a channel are paused. Choose a channel with /alerts logchannel."
            )
        await reply_ephemeral(interaction, reply)


async def notify_channel_refused(
    bot: MedalBot, guild_id: int, channel_id: int, reason: str
) -> None:
    """Tell a server's moderators, in its language, that alerts to a channel are paused:
    in the log channel (/alerts logchannel), else the system channel. The sender calls
    this once per pause (when subscriptions become paused), not for every alert."""
    guild = bot.get_guild(guild_id)
    if guild is None:  # the bot left the server, or it is unavailable (an outage)
        log.warning(
            "guild %d is unknown: cannot tell moderators that channel %d is paused",
            guild_id,
            channel_id,
        )
        return
    settings = await bot.services.guilds.get(guild_id)
    log_channel = guild.get_channel(settings.log_channel_id) if settings.log_channel_id else None
    # the paused channel itself cannot carry the news: fall back to the system channel
    target = next(
        (
            c
            for c in (log_channel, guild.system_channel)
            if isinstance(c, discord.TextChannel) and c.id != channel_id
        ),
        None,
    )
    if target is None:
        log.warning(
            "guild %d: nowhere to tell moderators that channel %d is paused",
            guild_id,
            channel_id,
        )
        return
    t = translator(settings.language)
    text = t.gettext(
        "Alerts to {channel} are paused: {reason}. Fix the channel's permissions, "
        "then run /alerts resume."
    ).format(channel=f"<#{channel_id}>", reason=t.gettext(reason))
    # The pause happens once: a notice lost to a 5xx that discord.py does not retry (503) or
    # gives up on would never be sent. Tried again, with a nonce so that one Discord created
    # before failing the answer shows once.
    nonce = secrets.token_hex(12)  # Discord takes up to 25 characters
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(discord.DiscordServerError),
            stop=stop_after_attempt(NOTICE_ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.5, max=10),
            reraise=True,
        ):
            with attempt:
                await target.send(f"⏸️ {text}", allowed_mentions=NO_PINGS, nonce=nonce)
    except discord.HTTPException as exc:
        log.warning(
            "guild %d: could not tell moderators about channel %d: %s",
            guild_id,
            channel_id,
            exc,
        )
