"""Moderators' commands: /alerts subscribe, unsubscribe, list, resume, test.

Registered with Manage Server as the default permission (Discord hides them from others) and
checked again here on every invocation, because a server can override the default and a
crafted interaction can name any command.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.checks import require_manage_guild
from medalbot.cogs.choices import nation_choices, sport_choices
from medalbot.delivery.render import render_batch, sample_alert
from medalbot.i18n import flag_emoji, nation_name
from medalbot.services.errors import UserError
from medalbot.store.base import Subscription

if TYPE_CHECKING:
    from medalbot.bot import MedalBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["MedalBot"]

NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    perms = channel.permissions_for(me)
    return [label for attr, label in NEEDED if not getattr(perms, attr)]


def describe_subscription(sub: Subscription, locale: str = "en") -> str:
    who = f"{flag_emoji(sub.noc)} {nation_name(sub.noc, locale)}" if sub.noc else "all nations"
    what = "gold medals" if sub.golds_only else "all medals"
    records = "records on" if sub.records else "records off"
    sport = sub.sport or "all sports"
    role = f", pings <@&{sub.role_id}>" if sub.role_id else ""
    return f"<#{sub.channel_id}>: {who} · {sport} · {what} · {records}{role}"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(
    commands.GroupCog,
    group_name="alerts",
    group_description="Medal and record alerts for this server",
):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return require_manage_guild(interaction)

    async def _locale(self, interaction: Interaction) -> str:
        return await self.bot.services.guilds.locale(interaction.guild_id, interaction.locale.value)

    def _target(
        self, interaction: Interaction, channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError("Pick a text or announcement channel for the alerts.")
        return target

    def _check_can_post(self, channel: discord.TextChannel) -> None:
        me = channel.guild.me
        missing = missing_permissions(channel, me) if me else [label for _, label in NEEDED]
        if missing:
            raise UserError(
                f"I can't post alerts in {channel.mention}: I'm missing "
                f"{', '.join(missing)} there. Give me these permissions in the channel's "
                "settings, then try again."
            )

    @app_commands.command(name="subscribe", description="Post alerts in a channel")
    @app_commands.describe(
        channel="Where alerts go (default: this channel)",
        nation="A nation's medals (three-letter code); leave empty for all nations",
        sport="Only this sport; leave empty for all sports",
        medals="All medals, or gold medals only",
        records="Also announce Olympic and world records",
        role="A role to mention with each alert",
    )
    @app_commands.choices(
        medals=[
            app_commands.Choice(name="All medals", value="all"),
            app_commands.Choice(name="Gold only", value="gold"),
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
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        target = self._target(interaction, channel)
        self._check_can_post(target)
        if role is not None and role.is_default():
            raise UserError("I never mention @everyone. Pick a specific role instead.")
        sub = await self.bot.services.subscriptions.subscribe(
            guild_id=interaction.guild_id,
            channel_id=target.id,
            noc=nation,
            sport=sport,
            golds_only=medals == "gold",
            records=records,
            role_id=role.id if role else None,
        )
        note = ""
        if role is not None and not role.mentionable:
            me = target.guild.me
            if me is None or not target.permissions_for(me).mention_everyone:
                note = (
                    f"\nNote: {role.mention} is not mentionable, so alerts will show it "
                    "without pinging. Make the role mentionable to ping its members."
                )
        log.info(
            "guild %d subscribed channel %d (subscription %d)",
            interaction.guild_id,
            target.id,
            sub.id,
        )
        await interaction.response.send_message(
            f"Subscribed: {describe_subscription(sub, await self._locale(interaction))}{note}",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    @subscribe.autocomplete("nation")
    async def _nation_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return nation_choices(self.bot, current, await self._locale(interaction))

    @subscribe.autocomplete("sport")
    async def _sport_ac(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return sport_choices(self.bot, current)

    async def _subscription_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        subs = await self.bot.services.subscriptions.list(interaction.guild_id)
        choices = []
        for sub in subs:
            channel = self.bot.get_channel(sub.channel_id)
            name = f"#{getattr(channel, 'name', sub.channel_id)}: {sub.noc or 'all nations'}"
            name += f" · {sub.sport or 'all sports'}" + (" · paused" if sub.paused_reason else "")
            if current.casefold() in name.casefold():
                choices.append(app_commands.Choice(name=name[:100], value=sub.id))
        return choices[:25]

    @app_commands.command(name="unsubscribe", description="Stop a subscription")
    @app_commands.describe(subscription="The subscription to remove")
    async def unsubscribe(self, interaction: Interaction, subscription: int) -> None:
        assert interaction.guild_id is not None
        sub = await self.bot.services.subscriptions.unsubscribe(interaction.guild_id, subscription)
        await interaction.response.send_message(
            f"Removed: {describe_subscription(sub, await self._locale(interaction))}",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    unsubscribe.autocomplete("subscription")(_subscription_choices)

    @app_commands.command(name="resume", description="Resume a paused subscription")
    @app_commands.describe(subscription="The paused subscription")
    async def resume(self, interaction: Interaction, subscription: int) -> None:
        assert interaction.guild_id is not None
        sub = await self.bot.services.subscriptions.get(interaction.guild_id, subscription)
        channel = self.bot.get_channel(sub.channel_id)
        if isinstance(channel, discord.TextChannel):
            self._check_can_post(channel)
        elif channel is None:
            raise UserError("That channel no longer exists. Remove the subscription instead.")
        sub = await self.bot.services.subscriptions.resume(interaction.guild_id, subscription)
        await interaction.response.send_message(
            f"Resumed: {describe_subscription(sub, await self._locale(interaction))}",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    resume.autocomplete("subscription")(_subscription_choices)

    @app_commands.command(name="list", description="Show this server's alert subscriptions")
    async def list(self, interaction: Interaction) -> None:
        assert interaction.guild is not None
        subs = await self.bot.services.subscriptions.list(interaction.guild.id)
        limit = self.bot.settings.alerts.max_subscriptions_per_guild
        if not subs:
            await interaction.response.send_message(
                "No subscriptions yet. Add one with /alerts subscribe.", ephemeral=True
            )
            return
        locale = await self._locale(interaction)
        lines = []
        for sub in subs:
            line = f"**#{sub.id}** {describe_subscription(sub, locale)}"
            channel = interaction.guild.get_channel(sub.channel_id)
            if sub.paused_reason:
                line += f"\n  ⏸️ Paused: {sub.paused_reason}. Fix it, then /alerts resume."
            elif channel is None:
                line += "\n  ⚠️ The channel no longer exists."
            elif interaction.guild.me is not None:
                missing = missing_permissions(channel, interaction.guild.me)
                line += (
                    f"\n  ⚠️ I can't post there: missing {', '.join(missing)}."
                    if missing
                    else "\n  ✅ I can post there."
                )
            lines.append(line)
        embed = discord.Embed(
            title=f"Alert subscriptions ({len(subs)}/{limit})",
            description="\n".join(lines)[:4096],
            colour=discord.Colour.blurple(),
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )

    @app_commands.command(name="test", description="Post a sample alert to check how it looks")
    @app_commands.describe(channel="Where to post it (default: this channel)")
    async def test(
        self, interaction: Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        target = self._target(interaction, channel)
        self._check_can_post(target)
        message = render_batch(
            [sample_alert("record"), sample_alert("medal")],
            locale=await self._locale(interaction),
            highlight_noc="NED",
            role_id=None,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await target.send(
            content="Sample alert (test)",
            embeds=list(message.embeds),
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await interaction.followup.send(f"Sample alert posted in {target.mention}.", ephemeral=True)

    async def notify_channel_refused(self, guild_id: int, channel_id: int, reason: str) -> None:
        """Tell a server's moderators once that alerts stopped in a channel (issue #4 adds the
        log channel setting; the system channel is the fallback)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        settings = await self.bot.services.guilds.get(guild_id)
        target = guild.get_channel(settings.log_channel_id) if settings.log_channel_id else None
        target = target or guild.system_channel
        if not isinstance(target, discord.TextChannel) or target.id == channel_id:
            return
        try:
            await target.send(
                f"⏸️ Alerts to <#{channel_id}> are paused: {reason}. "
                "Fix the channel's permissions, then run /alerts resume.",
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as exc:
            log.warning(
                "guild %d: could not tell moderators about channel %d: %s",
                guild_id,
                channel_id,
                exc,
            )


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Moderation(bot))
