"""Moderators' commands: /alerts subscribe, unsubscribe, list, resume, test, language, logchannel.

Registered with Manage Server as the default permission (Discord hides them from others) and
checked again here on every invocation, because a server can override the default and a
crafted interaction can name any command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from babel import Locale
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.answers import NO_PINGS, reply_language
from medalbot.cogs.checks import moderators_only, require_manage_guild
from medalbot.cogs.choices import nation_autocomplete, sport_autocomplete
from medalbot.delivery.render import render_batch, sample_alert
from medalbot.delivery.render_phrases import sport_name
from medalbot.delivery.render_text import timestamp
from medalbot.domain.schedule import next_digest_at
from medalbot.i18n import (
    DEFAULT_LOCALE,
    N_,
    SUPPORTED_LOCALES,
    Translator,
    flag_emoji,
    nation_name,
    pN_,
    translator,
)
from medalbot.services.errors import UserError
from medalbot.services.schedules import timezone_choices
from medalbot.store.base import Subscription

if TYPE_CHECKING:
    from medalbot.bot import MedalBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["MedalBot"]

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


def describe_subscription(sub: Subscription, locale: str = DEFAULT_LOCALE) -> str:
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


async def timezone_autocomplete(
    interaction: Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA time zone names matching what was typed (a city, a region, a prefix)."""
    return [app_commands.Choice(name=n, value=n) for n in timezone_choices(current)]


async def subscription_autocomplete(
    interaction: Interaction, current: str
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
    return choices[:25]


def language_choices() -> list[app_commands.Choice[str]]:
    """Each language we speak, named in itself ("English", "Nederlands")."""
    return [
        app_commands.Choice(name=Locale.parse(code).get_display_name(code) or code, value=code)
        for code in SUPPORTED_LOCALES
    ]


def _permission_list(labels: Sequence[str], t: Translator) -> str:
    return t.format_list([t.gettext(label) for label in labels])


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Moderation(
    commands.GroupCog,
    group_name=pN_("command name", "alerts"),
    group_description=N_("Medal and record alerts for this server"),
):
    def __init__(self, bot: MedalBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        return require_manage_guild(interaction)

    def _target(
        self, interaction: Interaction, channel: discord.TextChannel | None
    ) -> discord.TextChannel:
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise UserError(N_("Pick a text or announcement channel for the alerts."))
        return target

    def _check_can_post(
        self,
        channel: discord.TextChannel,
        locale: str = DEFAULT_LOCALE,
        needed: Sequence[tuple[str, str]] = NEEDED,
    ) -> None:
        me = channel.guild.me
        missing = missing_permissions(channel, me, needed) if me else [n for _, n in needed]
        if missing:
            raise UserError(
                N_(
                    "I can't post in {channel}: I'm missing {permissions} there. Give me "
                    "these permissions in the channel's settings, then try again."
                ),
                channel=channel.mention,
                permissions=_permission_list(missing, translator(locale)),
            )

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
    )
    @app_commands.rename(
        channel=pN_("command name", "channel"),
        nation=pN_("command name", "nation"),
        sport=pN_("command name", "sport"),
        medals=pN_("command name", "medals"),
        records=pN_("command name", "records"),
        role=pN_("command name", "role"),
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
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        locale = await reply_language(interaction)
        t = translator(locale)
        target = self._target(interaction, channel)
        self._check_can_post(target, locale)
        if role is not None and role.is_default():
            raise UserError(N_("I never mention @everyone. Pick a specific role instead."))
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
                note = "\n" + t.gettext(
                    "Note: {role} is not mentionable, so alerts will show it without pinging. "
                    "Make the role mentionable to ping its members."
                ).format(role=role.mention)
        log.info(
            "guild %d subscribed channel %d (subscription %d)",
            interaction.guild_id,
            target.id,
            sub.id,
        )
        await interaction.response.send_message(
            t.gettext("Subscribed: {subscription}").format(
                subscription=describe_subscription(sub, locale)
            )
            + note,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
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
        locale = await reply_language(interaction)
        await interaction.response.send_message(
            translator(locale)
            .gettext("Removed: {subscription}")
            .format(subscription=describe_subscription(sub, locale)),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    unsubscribe.autocomplete("subscription")(moderators_only(subscription_autocomplete))

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
            self._check_can_post(channel, locale)
        elif channel is None:
            raise UserError(N_("That channel no longer exists. Remove the subscription instead."))
        sub = await self.bot.services.subscriptions.resume(interaction.guild_id, subscription)
        await interaction.response.send_message(
            translator(locale)
            .gettext("Resumed: {subscription}")
            .format(subscription=describe_subscription(sub, locale)),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    resume.autocomplete("subscription")(moderators_only(subscription_autocomplete))

    @app_commands.command(
        name=pN_("command name", "list"), description=N_("Show this server's alert subscriptions")
    )
    async def list(self, interaction: Interaction) -> None:
        assert interaction.guild is not None
        subs = await self.bot.services.subscriptions.list(interaction.guild.id)
        limit = self.bot.settings.alerts.max_subscriptions_per_guild
        locale = await reply_language(interaction)
        t = translator(locale)
        if not subs:
            await interaction.response.send_message(
                t.gettext("No subscriptions yet. Add one with /alerts subscribe."),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
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
                        permissions=_permission_list(missing, t)
                    )
                    if missing
                    else "\n  ✅ " + t.gettext("I can post there.")
                )
            line += "".join(f"\n  {text}" for text in describe_schedule(sub, t))
            lines.append(line)
        embed = discord.Embed(
            title=t.gettext("Alert subscriptions ({count}/{limit})").format(
                count=len(subs), limit=limit
            ),
            description="\n".join(lines)[:4096],
            colour=discord.Colour.blurple(),
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
        target = self._target(interaction, channel)
        self._check_can_post(target, locale)
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
        await interaction.followup.send(
            t.gettext("Sample alert posted in {channel}.").format(channel=target.mention),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

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
        log.info("guild %d speaks %s now", interaction.guild_id, settings.locale)
        t = translator(settings.locale)  # answered in the new language
        name = Locale.parse(settings.locale).get_display_name(settings.locale) or settings.locale
        await interaction.response.send_message(
            t.gettext("Alerts and replies on this server are now in {language}.").format(
                language=name
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
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
            self._check_can_post(channel, locale, NEEDED_FOR_TEXT)
        await self.bot.services.guilds.set_log_channel(
            interaction.guild.id, channel.id if channel else None
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
        await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=NO_PINGS)

    def _reschedule_digest(self, sub: Subscription) -> None:
        """The digest job follows the new settings at once (the Alerts cog runs the jobs)."""
        schedule_digest = getattr(self.bot.get_cog("Alerts"), "schedule_digest", None)
        if schedule_digest is not None:
            schedule_digest(sub)

    @app_commands.command(
        name=pN_("command name", "quiet"),
        description=N_("Quiet hours: hold alerts at night and post them as one summary after"),
    )
    @app_commands.describe(
        subscription=N_("The subscription to change"),
        timezone=N_("Your time zone, such as Europe/Amsterdam"),
        start=N_("When quiet hours start, such as 23:00 (leave empty to turn them off)"),
        end=N_("When quiet hours end, such as 07:00"),
        records_break_through=N_("Post new records at once, even in quiet hours"),
    )
    @app_commands.rename(
        subscription=pN_("command name", "subscription"),
        timezone=pN_("command name", "timezone"),
        start=pN_("command name", "start"),
        end=pN_("command name", "end"),
        records_break_through=pN_("command name", "records_break_through"),
    )
    async def quiet(
        self,
        interaction: Interaction,
        subscription: int,
        timezone: str,
        start: str | None = None,
        end: str | None = None,
        records_break_through: bool | None = None,
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        locale = await reply_language(interaction)
        t = translator(locale)
        sub = await self.bot.services.schedules.set_quiet_hours(
            interaction.guild_id,
            subscription,
            timezone=timezone,
            start=start,
            end=end,
            records_break_through=records_break_through,
        )
        self._reschedule_digest(sub)  # a new time zone moves the digest too
        described = describe_subscription(sub, locale)
        if sub.schedule.has_quiet_hours:
            assert sub.quiet_start is not None and sub.quiet_end is not None
            reply = t.gettext(
                "Quiet hours for {subscription}: {start}–{end} ({timezone}). Alerts in that "
                "time are held and posted as one summary when the quiet hours end."
            ).format(
                subscription=described,
                start=sub.quiet_start.strftime("%H:%M"),
                end=sub.quiet_end.strftime("%H:%M"),
                timezone=sub.timezone,
            )
            if sub.records_break_through:
                reply += " " + t.gettext("New records are still posted at once.")
        else:
            reply = t.gettext(
                "No quiet hours for {subscription} any more ({timezone}). Any alerts held until "
                "now are posted as one summary."
            ).format(subscription=described, timezone=sub.timezone)
        await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(
        name=pN_("command name", "digest"),
        description=N_("A daily digest of the subscription's medals and records"),
    )
    @app_commands.describe(
        subscription=N_("The subscription to change"),
        time=N_("When the digest is posted, such as 08:00, or off"),
        timezone=N_("Your time zone (default: the one set for quiet hours, else UTC)"),
    )
    @app_commands.rename(
        subscription=pN_("command name", "subscription"),
        time=pN_("command name", "time"),
        timezone=pN_("command name", "timezone"),
    )
    async def digest(
        self,
        interaction: Interaction,
        subscription: int,
        time: str,
        timezone: str | None = None,
    ) -> None:
        assert interaction.guild_id is not None  # guild_only
        locale = await reply_language(interaction)
        t = translator(locale)
        sub = await self.bot.services.schedules.set_digest(
            interaction.guild_id, subscription, at=time, timezone=timezone
        )
        self._reschedule_digest(sub)
        described = describe_subscription(sub, locale)
        next_at = next_digest_at(sub.schedule, self.bot.clock())
        if sub.digest_time is not None and next_at is not None:
            reply = t.gettext(
                "Daily digest for {subscription} at {time} ({timezone}). The next one: {when}."
            ).format(
                subscription=described,
                time=sub.digest_time.strftime("%H:%M"),
                timezone=sub.timezone,
                when=timestamp(next_at, "F"),
            )
        else:
            reply = t.gettext("No daily digest for {subscription} any more.").format(
                subscription=described
            )
        await interaction.response.send_message(reply, ephemeral=True, allowed_mentions=NO_PINGS)

    quiet.autocomplete("subscription")(moderators_only(subscription_autocomplete))
    digest.autocomplete("subscription")(moderators_only(subscription_autocomplete))
    quiet.autocomplete("timezone")(moderators_only(timezone_autocomplete))
    digest.autocomplete("timezone")(moderators_only(timezone_autocomplete))

    async def notify_channel_refused(self, guild_id: int, channel_id: int, reason: str) -> None:
        """Tell a server's moderators, in its language, that alerts to a channel are paused:
        in the log channel (/alerts logchannel), else the system channel. The sender calls
        this once per pause (when subscriptions become paused), not for every alert."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        settings = await self.bot.services.guilds.get(guild_id)
        log_channel = (
            guild.get_channel(settings.log_channel_id) if settings.log_channel_id else None
        )
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
        t = translator(settings.locale)
        text = t.gettext(
            "Alerts to {channel} are paused: {reason}. Fix the channel's permissions, "
            "then run /alerts resume."
        ).format(channel=f"<#{channel_id}>", reason=t.gettext(reason))
        try:
            await target.send(f"⏸️ {text}", allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning(
                "guild %d: could not tell moderators about channel %d: %s",
                guild_id,
                channel_id,
                exc,
            )


async def setup(bot: MedalBot) -> None:
    await bot.add_cog(Moderation(bot))
