"""The command tree and its one error handler.

``MedalTree.on_error`` turns a ``UserError`` into an ephemeral reply and anything else into a
short apology plus a logged traceback; the medal table's buttons (``fans``) answer their errors
through the same ``answer_error``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from medalbot.cogs.answers import answers_fan, fan_language, reply_ephemeral, reply_language
from medalbot.i18n import N_, resolve_locale, translator
from medalbot.logs import set_log_context
from medalbot.services.errors import UserError

if TYPE_CHECKING:
    from medalbot.client import MedalBot

log = logging.getLogger(__name__)

MODERATORS_ONLY = N_("Only moderators (Manage Server) can use this command.")
SERVERS_ONLY = N_("This command only works in a server.")
NOT_HERE = N_("You can't use this command here.")
# discord.py looks a channel option up in the server's cache: another server's channel (a
# crafted interaction; Discord's client never offers one) cannot be converted.
OTHER_SERVER = N_("Pick a channel or role of this server.")
OUR_FAULT = N_("Sorry, something went wrong on our side. The error has been logged.")


class MedalTree(app_commands.CommandTree["MedalBot"]):
    async def interaction_check(self, interaction: discord.Interaction[MedalBot], /) -> bool:
        # each interaction is handled in its own task: its log lines carry who and where
        command = interaction.command.qualified_name if interaction.command else None
        set_log_context(guild=interaction.guild_id, channel=interaction.channel_id, command=command)
        return True

    async def on_error(
        self, interaction: discord.Interaction[MedalBot], error: app_commands.AppCommandError
    ) -> None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await answer_error(interaction, original)


async def answer_error(interaction: discord.Interaction[MedalBot], error: Exception) -> None:
    """The one error handler, for commands (through the tree) and the medal table's buttons:
    a ``UserError`` or a refused check is told to the user as it is; anything else gets a short
    apology and a logged traceback."""
    what = _what(interaction)
    locale = await _error_language(interaction)
    t = translator(locale)
    if isinstance(error, UserError):
        message = error.text(locale)
    elif isinstance(error, app_commands.MissingPermissions):
        message = t.gettext(MODERATORS_ONLY)
    elif isinstance(error, app_commands.NoPrivateMessage):
        message = t.gettext(SERVERS_ONLY)
    elif isinstance(error, app_commands.CheckFailure):
        message = t.gettext(NOT_HERE)
    elif isinstance(error, app_commands.TransformerError):
        log.warning("%s: refused option value %r: %s", what, error.value, error)
        message = t.gettext(OTHER_SERVER)
    else:
        log.error(
            "%s failed (guild %s, channel %s, user %s)",
            what,
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id,
            exc_info=error,
        )
        message = t.gettext(OUR_FAULT)
    try:
        await reply_ephemeral(interaction, message)
    except discord.HTTPException as exc:  # e.g. the interaction expired meanwhile
        log.warning(
            "could not tell user %s why %s failed (guild %s): %s",
            interaction.user.id,
            what,
            interaction.guild_id,
            exc,
        )


def _what(interaction: discord.Interaction[MedalBot]) -> str:
    """What the user did, for the log: "/alerts subscribe", or the button's custom id."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data: dict[str, object] = dict(interaction.data or {})
    return f"component {data.get('custom_id', '?')}"


async def _error_language(interaction: discord.Interaction[MedalBot]) -> str:
    """The language the command answers in: a fan's own; for moderators the server's, or the
    user's own if it cannot be read (the store may be what failed), so the reply still goes
    out."""
    if answers_fan(interaction):
        return fan_language(interaction)
    try:
        return await reply_language(interaction)
    except Exception:
        log.warning(
            "guild %s: language unknown, answering in the user's (%s)",
            interaction.guild_id,
            interaction.locale.value,
            exc_info=True,
        )
        return resolve_locale(interaction.locale.value)
