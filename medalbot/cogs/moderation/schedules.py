"""/alerts quiet and digest: when a subscription's alerts are held, and its daily digest."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.cogs.answers import reply_ephemeral, reply_language
from medalbot.cogs.checks import moderators_only
from medalbot.cogs.moderation.shared import subscription_autocomplete
from medalbot.domain.schedule import next_digest_at
from medalbot.i18n import N_, pN_, translator
from medalbot.render.subscriptions import describe_subscription
from medalbot.render.text import timestamp
from medalbot.services.schedules import timezone_choices

if TYPE_CHECKING:
    from medalbot.client import MedalBot

log = logging.getLogger(__name__)

Interaction = discord.Interaction["MedalBot"]


async def timezone_autocomplete(
    interaction: Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """IANA time zone names matching what was typed (a city, a region, a prefix)."""
    return [app_commands.Choice(name=n, value=n) for n in timezone_choices(current)]


class ScheduleCommands(commands.Cog):
    """Part of the /alerts group (``Moderation``), which checks the moderator first."""

    bot: MedalBot

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
        log.info(
            "subscription %d: quiet hours %s–%s (%s)",
            sub.id,
            sub.quiet_start.strftime("%H:%M") if sub.quiet_start else "off",
            sub.quiet_end.strftime("%H:%M") if sub.quiet_end else "off",
            sub.timezone,
        )
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
        await reply_ephemeral(interaction, reply)

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
        await reply_ephemeral(interaction, reply)

    # One by one, not in a loop: a loop variable left in the class body is one more command
    # attribute, which discord.py's CogMeta collects as a second /alerts digest.
    quiet.autocomplete("subscription")(moderators_only(subscription_autocomplete))
    quiet.autocomplete("timezone")(moderators_only(timezone_autocomplete))
    digest.autocomplete("subscription")(moderators_only(subscription_autocomplete))
    digest.autocomplete("timezone")(moderators_only(timezone_autocomplete))
