"""The Discord bot: wires settings, store, feeds and services to discord.py.

Cogs are thin adapters listed explicitly in ``COGS``; everything they do is a call into
``medalbot.services``. One error handler on the command tree turns a ``UserError`` into an
ephemeral reply and anything else into a short apology plus a logged traceback.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from medalbot.cluster.instance import InstanceHeartbeat, is_shared
from medalbot.cogs.answers import reply_ephemeral, reply_language
from medalbot.cogs.moderation_server import notify_channel_refused
from medalbot.config import FeedSettings, Settings, load_settings, load_token
from medalbot.delivery.discord_port import DiscordPort
from medalbot.delivery.http_buckets import linear_bucket_cleanup
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.detection import DetectionPolicy
from medalbot.feeds.factory import open_kept_source, open_source
from medalbot.feeds.sources import FeedSource
from medalbot.i18n import N_, resolve_locale, translator
from medalbot.i18n.discord_translator import CatalogueTranslator
from medalbot.logs import REDACTOR, configure_logging, set_log_context
from medalbot.ops.runtime import OpsRuntime
from medalbot.services.clock import Clock, utc_now
from medalbot.services.errors import UserError
from medalbot.services.guilds import GuildSettingsService
from medalbot.services.live import LiveState
from medalbot.services.polling import OfficialEvent, PollReport, PollService
from medalbot.services.queries import QueryService
from medalbot.services.schedules import ScheduleService
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store import open_store
from medalbot.store.base import Store
from medalbot.store.instances import InstanceStore

if TYPE_CHECKING:
    from medalbot.cluster.ratelimit import SharedRateLimiter

log = logging.getLogger(__name__)

COGS = (
    "medalbot.cogs.alerts",
    "medalbot.cogs.fans",
    "medalbot.cogs.moderation",
)


@dataclass
class Feed:
    settings: FeedSettings
    source: FeedSource


@dataclass
class Services:
    store: Store
    live: LiveState
    polling: PollService
    subscriptions: SubscriptionService
    queries: QueryService
    guilds: GuildSettingsService
    schedules: ScheduleService  # quiet hours and daily digests
    feeds: list[Feed] = field(default_factory=list)


def build_services(
    settings: Settings, store: Store, feeds: list[Feed], *, clock: Clock = utc_now
) -> Services:
    live = LiveState()
    return Services(
        store=store,
        live=live,
        polling=PollService(
            store,
            live,
            policy=DetectionPolicy(suspect_min_events=settings.detection.suspect_min_events),
            clock=clock,
        ),
        subscriptions=SubscriptionService(
            store, live, max_per_guild=settings.alerts.max_subscriptions_per_guild, clock=clock
        ),
        queries=QueryService(live, clock=clock),
        guilds=GuildSettingsService(store),
        schedules=ScheduleService(store, clock=clock),
        feeds=feeds,
    )


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
    """The server's language; the user's own if it cannot be read (the store may be what
    failed), so that the reply still goes out."""
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


def _http_trace(ops: OpsRuntime | None) -> dict[str, Any]:
    # discord.py's http_trace sees every REST response: 429 scopes, invalid requests.
    return {"http_trace": ops.metrics.discord_trace_config()} if ops else {}


class MedalBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        clock: Clock = utc_now,
        ops: OpsRuntime | None = None,
        limiter: SharedRateLimiter | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels, roles and our own member: enough to check permissions
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=MedalTree,
            # Nothing pings unless a message explicitly allows it (an alert's chosen role).
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=settings.discord.guild_ready_timeout,
            shard_count=settings.discord.shard_count,
            shard_ids=settings.discord.shard_ids,  # type: ignore[arg-type]  # None = all
            help_command=None,
            **_http_trace(ops),
        )
        self.ops = ops
        self.settings = settings
        self.services = services
        self.clock = clock
        linear_bucket_cleanup(self.http)  # a fan-out makes a bucket per channel: keep it O(N)
        self.sender = OutboxSender(
            services.store,
            DiscordPort(self, send_timeout=settings.delivery.send_timeout),
            settings.delivery,
            clock=clock,
            on_channel_refused=self._channel_refused,
            idle_check=settings.delivery.idle_check,
            official_now=services.live.is_official,
            bucket=limiter,  # None: this process paces itself alone
        )
        self.limiter = limiter
        # edits of alert messages whose event became official, running beside the poll
        self._official_edits: set[asyncio.Task[None]] = set()
        # notices about paused channels waiting for the gateway to deliver their server
        self._pending_notices: set[asyncio.Task[None]] = set()
        services.polling.set_on_committed(self._committed)
        if ops is not None:
            ops.set_sender_stats(lambda: self.sender.stats)

    # Gateway state for /healthz: every shard connected, or since when one is not.
    async def on_shard_connect(self, shard_id: int) -> None:
        if self.ops:
            self.ops.gateway.connected(shard_id, self.clock())

    async def on_shard_resumed(self, shard_id: int) -> None:
        if self.ops:
            self.ops.gateway.connected(shard_id, self.clock())

    async def on_shard_disconnect(self, shard_id: int) -> None:
        if self.ops:
            self.ops.gateway.disconnected(shard_id, self.clock())

    # A server's settings (its language) are read once, when it becomes available, so that
    # no reply waits on the database, the first one included.
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.services.guilds.get(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.services.guilds.get(guild.id)

    async def setup_hook(self) -> None:
        for name in COGS:
            await self.load_extension(name)
        # Command names and descriptions in Discord's locales, sent with the sync below.
        await self.tree.set_translator(CatalogueTranslator())
        if self.settings.discord.sync_commands:
            await self.tree.sync()
            for guild_id in self.settings.discord.dev_guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)

    async def _channel_refused(self, guild_id: int, channel_id: int, reason: str) -> None:
        # In a task of its own: the sender must not wait on the notice (a slow or hung answer
        # would hold a worker), and the sender starts before the gateway has delivered the
        # servers, so a backlog refused at start-up waits until the bot knows where to tell
        # the moderators. The pause happens only once, so the notice is not lost by waiting.
        task = asyncio.create_task(
            self._notify_when_ready(guild_id, channel_id, reason), name=f"notice-{channel_id}"
        )
        self._pending_notices.add(task)
        task.add_done_callback(self._pending_notices.discard)

    async def _notify_when_ready(self, guild_id: int, channel_id: int, reason: str) -> None:
        try:
            await self.wait_until_ready()
            await notify_channel_refused(self, guild_id, channel_id, reason)
        except Exception:
            log.exception(
                "guild %d: telling moderators that channel %d is paused failed",
                guild_id,
                channel_id,
            )

    def _committed(self, report: PollReport) -> None:
        """New outbox rows go out now; messages of events now official are edited in tasks
        of their own, so that the poll never waits on Discord."""
        self.sender.wake()
        for event in report.became_official:
            task = asyncio.create_task(self._mark_official(event), name=f"official-{event.event}")
            self._official_edits.add(task)
            task.add_done_callback(self._official_edits.discard)

    async def _mark_official(self, event: OfficialEvent) -> None:
        try:
            await self.sender.mark_official(event.games, event.event, event.alert_ids)
        except Exception:
            # cosmetic: the alerts went out; the next official event is tried afresh
            log.exception("event %s: marking its alert messages official failed", event.event)

    async def close(self) -> None:
        tasks = [*self._official_edits, *self._pending_notices]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().close()


def point_discord_at(api_base: str, gateway_url: str | None) -> None:
    """Send REST calls (and the gateway) elsewhere: a REST proxy in production, the emulator
    in the demo. discord.py reads both from class attributes, so this is process-wide."""
    discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def open_feeds(settings: Settings, store: Store) -> list[Feed]:
    """The configured feeds; ODF feeds keep their documents in ``store`` (see
    ``medalbot.feeds.odf_documents``), native ones need nothing kept."""
    return [
        Feed(settings=f, source=await open_kept_source(f, store))
        if f.format == "odf"
        else Feed(settings=f, source=open_source(f))
        for f in settings.feeds
    ]


async def build_bot(settings: Settings, *, clock: Clock = utc_now) -> MedalBot:
    """Open the store and the feeds and build the bot (not started). ``close_bot`` undoes it."""
    store = await open_store(settings.store.url)
    services = build_services(settings, store, await open_feeds(settings, store), clock=clock)
    await services.polling.restore_all()
    await services.subscriptions.load()
    ops = OpsRuntime(
        settings.ops,
        store=store,
        feeds=[(f.name, f.interval + f.jitter) for f in settings.feeds],
        clock=clock,
    )
    limiter = None
    if settings.delivery.shared_rate_limit is not False:
        # asyncpg is the optional extra "postgres"
        from medalbot.cluster.ratelimit import shared_limiter

        limiter = await shared_limiter(
            settings.delivery, settings.store.url, settings.cluster.processes
        )
    return MedalBot(settings, services, clock=clock, ops=ops, limiter=limiter)


async def close_bot(bot: MedalBot) -> None:
    if not bot.is_closed():
        await bot.close()
    if bot.ops is not None:
        await bot.ops.stop()
    if bot.limiter is not None:
        await bot.limiter.close()
    await bot.services.store.close()


async def _main(config: Path | None) -> int:
    settings = load_settings(config)
    configure_logging(settings.logging)
    token = load_token(settings)
    REDACTOR.add_secret(token.reveal())
    if settings.discord.api_base != "https://discord.com/api/v10" or settings.discord.gateway_url:
        point_discord_at(settings.discord.api_base, settings.discord.gateway_url)
    bot = await build_bot(settings)
    # This process's claims belong to a live instance: after a crash they are taken back at
    # the next start (or by another process) at once, not when their lease runs out.
    store = bot.services.store
    assert isinstance(store, InstanceStore)
    instance = InstanceHeartbeat(
        store, settings.cluster, shared=is_shared(store), on_released=bot.sender.wake
    )
    heartbeat: asyncio.Task[None] | None = None
    try:
        await instance.join()
        heartbeat = asyncio.create_task(instance.run(), name="instance-heartbeat")
        if bot.ops is not None:
            await bot.ops.start()
        await bot.start(token.reveal())
    finally:
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        if not bot.is_closed():
            await bot.close()  # the sender stops before its claims are handed back
        if instance.instance_id is not None:
            await instance.leave()
        await close_bot(bot)
    return 0


def run_bot(config: Path | None) -> int:
    try:
        return asyncio.run(_main(config))
    except KeyboardInterrupt:
        return 130
