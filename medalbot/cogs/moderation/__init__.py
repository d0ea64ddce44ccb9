"""The /alerts command group, for moderators: subscriptions (``subscriptions``), quiet hours
and digests (``schedules``), the server's settings (``server``); what they share in
``shared``.

Server-only: installed with the server (not to a user's account) and offered only in servers,
where Discord also refuses it anywhere else. Registered with Manage Server as the default
permission (Discord hides it from others) and
checked again here on every invocation, because a server can override the default and a crafted
interaction can name any command; the options' autocomplete checks it too (``moderators_only``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.checks import require_manage_guild
from medalbot.cogs.moderation.schedules import ScheduleCommands
from medalbot.cogs.moderation.server import ServerCommands
from medalbot.cogs.moderation.subscriptions import SubscriptionCommands
from medalbot.i18n import N_, pN_

if TYPE_CHECKING:
    from medalbot.client import MedalBot


@app_commands.guild_only()
@app_commands.allowed_installs(guilds=True, users=False)
@app_commands.default_permissions(manage_guild=True)
class Moderation(
    # discord.py collects the commands base class last first: subscriptions, server, schedules
    # (the order Discord lists them in)
    ScheduleCommands,
    ServerCommands,
    SubscriptionCommands,
    commands.GroupCog,
    group_name=pN_("command name", "alerts"),
    group_description=N_("Medal and record alerts for this server"),
):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(  # type: ignore[override]
        self, interaction: discord.Interaction[MedalBot]
    ) -> bool:
        return require_manage_guild(interaction)


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Moderation(bot))
