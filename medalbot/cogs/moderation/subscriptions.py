"""/alerts subscribe, unsubscribe, resume, list and test: which channels get which alerts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.answers import NO_PINGS, reply_ephemeral, reply_language
from medalbot.cogs.checks import moderators_only
from medalbot.cogs.choices import nation_autocomplete, sport_autocomplete
from medalbot.cogs.moderation.shared import (
    alert_channel,
    check_can_post,
    missing_permissions,
    permission_list,
    subscription_autocomplete,
)
from medalbot.i18n import N_, pN_, translator
from medalbot.render.alerts import render_batch, sample_alert
from medalbot.render.subscriptions import (
    describe_language,
    describe_schedule,
    describe_subscription,
    subscriptions_embed,
)
from medalbot.services.errors import UserError

if TYPE_CHECKING:
    from medalbot.client import MedalBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["MedalBot"]


class SubscriptionCommands(commands.Cog):
    """Part of the /alerts group (``Moderation``), which checks the moderator first."""

    bot: MedalBot

    @app_commands.command(
        name=pN_("command name", "subscribe"), description=N_("Post alerts in a channel")
    )
    @app_commands.describe(
        channel=N_("Where alerts go (default: this channel)"),
        nation=N_("A nation's medals (three-letter code); leave empty for all nations"),
        sport=N_("Only this sport; leave empty for all sports"),
        medals=N_("All medals, or gold medals only"),
        records=N_("Also announce Olympic and world records"),
        role=N_("A role to mention with each alert"),
        spoilers=N_("Hide winners, nations and marks behind spoiler tags"),
    )
    @app_commands.rename(
        channel=pN_("command name", "channel"),
        nation=pN_("command name", "nation"),
        sport=pN_("command name", "sport"),
        medals=pN_("command name", "medals"),
        records=pN_("command name", "records"),
        role=pN_("command name", "role"),
        spoilers=pN_("command name", "spoilers"),
    )
    @app_commands.choices(
        medals=[
            app_commands.Choice(name=N_("All medals"), value="all"),
            app_commands.Choice(name=N_("Gold only"), value="gold"),
        ]
    )
    async def subscribe(
        self,
        interaction: Interaction,
        channel: discord.TextChannel | None = None,
        nation: str | None = None,
        sport: str | None = None,
        medals: str = "all",
        records: bool = True,
        role: discord.Role | None = None,
        spoilers: bool = False,
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        locale = await reply_language(interaction)
        t = translator(locale)
        target = alert_channel(interaction, channel)
        check_can_post(target, locale)
        if role is not None and role.is_default():
            raise UserError(N_("I never mention @everyone. Pick a specific role instead."))
        if role is not None and (
            interaction.guild is None or not interaction.guild.get_role(role.id)
        ):
            # discord.py takes any role a (crafted) interaction names as this server's
            raise UserError(N_("Pick a channel or role of this server."))
        sub = await self.bot.services.subscriptions.subscribe(
            guild_id=interaction.guild_id,
            channel_id=target.id,
            noc=nation,
            sport=sport,
            golds_only=medals == "gold",
            records=records,
            role_id=role.id if role else None,
            spoiler_safe=spoilers,
        )
        note = ""
        if role is not None and not role.mentionable:
            me = target.guild.me
            if me is None or not target.permissions_for(me).mention_everyone:
                note = "\n" + t.gettext(
                    "Note: {role} is not mentionable, so alerts will show it without pinging. "
                    "Make the role mentionable to ping its members."
                ).format(role=role.mention)
        if records and not self.bot.services.live.carries_records:
            note += "\n" + t.gettext(
                "Note: the results feed this bot follows does not carry records, so no record "
                "alerts will come from it; this subscription gets medals only."
            )
        log.info(
            "guild %d subscribed channel %d (subscription %d)",
            interaction.guild_id,
            target.id,
            sub.id,
        )
        await reply_ephemeral(
            interaction,
            t.gettext("Subscribed: {subscription}").format(
                subscription=describe_subscription(sub, locale)
            )
            + note,
        )

    subscribe.autocomplete("nation")(moderators_only(nation_autocomplete))
    subscribe.autocomplete("sport")(moderators_only(sport_autocomplete))

    @app_commands.command(
        name=pN_("command name", "unsubscribe"), description=N_("Stop a subscription")
    )
    @app_commands.describe(subscription=N_("The subscription to remove"))
    @app_commands.rename(subscription=pN_("command name", "subscription"))
    async def unsubscribe(self, interaction: Interaction, subscription: int) -> None:
        assert interaction.guild_id is not None
        sub = await self.bot.services.subscriptions.unsubscribe(interaction.guild_id, subscription)
        log.info(
            "guild %d removed subscription %d (channel %d)",
            interaction.guild_id,
            sub.id,
            sub.channel_id,
        )
        locale = await reply_language(interaction)
        await reply_ephemeral(
            interaction,
            translator(locale)
            .gettext("Removed: {subscription}")
            .format(subscription=describe_subscription(sub, locale)),
        )

    unsubscribe.autocomplete("subscription")(moderators_only(subscription_autocomplete))

    @app_commands.command(
        name=pN_("command name", "spoilers"),
        description=N_("Spoiler-safe alerts: winners and marks hidden behind spoiler tags"),
    )
    @app_commands.describe(
        subscription=N_("The subscription to change"),
        setting=N_("On: hide winners, nations and marks; off: show them"),
    )
    @app_commands.rename(
        subscription=pN_("command name", "subscription"),
        setting=pN_("command name", "setting"),
    )
    @app_commands.choices(
        setting=[
            app_commands.Choice(name=N_("On"), value="on"),
            app_commands.Choice(name=N_("Off"), value="off"),
        ]
    )
    async def spoilers(self, interaction: Interaction, subscription: int, setting: str) -> None:
        assert interaction.guild_id is not None
        locale = await reply_language(interaction)
        t = translator(locale)
        sub = await self.bot.services.subscriptions.set_spoiler_safe(
            interaction.guild_id, subscription, setting == "on"
        )
        log.info("subscription %d: spoiler-safe %s", sub.id, "on" if sub.spoiler_safe else "off")
        reply = (
            t.gettext(
                "Spoiler-safe alerts on for {subscription}: its alerts, digests and summaries "
                "say only that a medal or record happened in an event; winners, nations and "
                "marks are behind spoiler tags."
            )
            if sub.spoiler_safe
            else t.gettext("Spoiler-safe alerts off for {subscription}.")
        )
        await reply_ephemeral(
            interaction, reply.format(subscription=describe_subscription(sub, locale))
        )

    spoilers.autocomplete("subscription")(moderators_only(subscription_autocomplete))

    @app_commands.command(
        name=pN_("command name", "resume"), description=N_("Resume a paused subscription")
    )
    @app_commands.describe(subscription=N_("The paused subscription"))
    @app_commands.rename(subscription=pN_("command name", "subscription"))
    async def resume(self, interaction: Interaction, subscription: int) -> None:
        assert interaction.guild_id is not None
        locale = await reply_language(interaction)
        sub = await self.bot.services.subscriptions.get(interaction.guild_id, subscription)
        channel = self.bot.get_channel(sub.channel_id)
        if isinstance(channel, discord.TextChannel):
            check_can_post(channel, locale)
        elif channel is None:
            raise UserError(N_("That channel no longer exists. Remove the subscription instead."))
        sub = await self.bot.services.subscriptions.resume(interaction.guild_id, subscription)
        log.info(
            "guild %d resumed subscription %d (channel %d)",
            interaction.guild_id,
            sub.id,
            sub.channel_id,
        )
        await reply_ephemeral(
            interaction,
            translator(locale)
            .gettext("Resumed: {subscription}")
            .format(subscription=describe_subscription(sub, locale)),
        )

    resume.autocomplete("subscription")(moderators_only(subscription_autocomplete))

    @app_commands.command(
        name=pN_("command name", "list"), description=N_("Show this server's alert subscriptions")
    )
    async def list_subscriptions(self, interaction: Interaction) -> None:
        assert interaction.guild is not None
        subs = await self.bot.services.subscriptions.list(interaction.guild.id)
        limit = self.bot.settings.alerts.max_subscriptions_per_guild
        settings = await self.bot.services.guilds.get(interaction.guild.id)
        locale = settings.language
        t = translator(locale)
        language = describe_language(settings, locale)
        if not subs:
            await reply_ephemeral(
                interaction,
                t.gettext("No subscriptions yet. Add one with /alerts subscribe.")
                + "\n"
                + language,
            )
            return
        lines = []
        for sub in subs:
            line = f"**#{sub.id}** {describe_subscription(sub, locale)}"
            channel = interaction.guild.get_channel(sub.channel_id)
            if sub.paused_reason:
                line += "\n  ⏸️ " + t.gettext(
                    "Paused: {reason}. Fix it, then /alerts resume."
                ).format(
                    reason=t.gettext(sub.paused_reason)  # reasons are gettext messages
                )
            elif channel is None:
                line += "\n  ⚠️ " + t.gettext("The channel no longer exists.")
            elif interaction.guild.me is not None:
                missing = missing_permissions(channel, interaction.guild.me)
                line += (
                    "\n  ⚠️ "
                    + t.gettext("I can't post there: missing {permissions}.").format(
                        permissions=permission_list(missing, t)
                    )
                    if missing
                    else "\n  ✅ " + t.gettext("I can post there.")
                )
            line += "".join(f"\n  {text}" for text in describe_schedule(sub, t))
            lines.append(line)
        embed = subscriptions_embed(
            lines, count=len(subs), limit=limit, locale=locale, language=language
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name=pN_("command name", "test"),
        description=N_("Post a sample alert to check how it looks"),
    )
    @app_commands.describe(channel=N_("Where to post it (default: this channel)"))
    @app_commands.rename(channel=pN_("command name", "channel"))
    async def test(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        locale = await reply_language(interaction)
        t = translator(locale)
        target = alert_channel(interaction, channel)
        check_can_post(target, locale)
        message = render_batch(
            [sample_alert("record"), sample_alert("medal")],
            locale=locale,
            highlight_noc="NED",
            role_id=None,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await target.send(
            content=t.gettext("Sample alert (test)"),
            embeds=list(message.embeds),
            allowed_mentions=NO_PINGS,
        )
        await reply_ephemeral(
            interaction,
            t.gettext("Sample alert posted in {channel}.").format(channel=target.mention),
        )
