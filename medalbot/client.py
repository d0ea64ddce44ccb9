"""The discord.py client: gateway events, the cogs' loading and the command sync, and the
outbox sender it owns (the sender posts through this client).

It imports no cog: the wiring (``medalbot.app``) hands it the cogs to load, the command tree's
class and how to tell moderators that a channel refused alerts, so the cogs can type against
this class without an import cycle. Its background work (``medalbot.background``) starts with
the bot and stops when it closes.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from medalbot.background import Background
from medalbot.config import Settings
from medalbot.delivery.discord_port import DiscordPort
from medalbot.delivery.http_buckets import linear_bucket_cleanup
from medalbot.delivery.sender import OutboxSender
from medalbot.i18n.discord_translator import CatalogueTranslator
from medalbot.ops.runtime import OpsRuntime
from medalbot.services.bundle import Services
from medalbot.services.clock import Clock, utc_now

if TYPE_CHECKING:
    from medalbot.cluster.ratelimit import SharedRateLimiter

log = logging.getLogger(__name__)

# Tells a server's moderators that alerts to a channel are paused: (bot, guild, channel, reason).
ChannelRefusedNotifier = Callable[["MedalBot", int, int, str], Awaitable[None]]


def _http_trace(ops: OpsRuntime | None) -> dict[str, Any]:
    # discord.py's http_trace sees every REST response: 429 scopes, invalid requests.
    return {"http_trace": ops.metrics.discord_trace_config()} if ops else {}


def cluster_claim_limit(settings: Settings) -> int:
    """Rows a process sharing the global budget claims at a time: about a second of its share
    (at least one channel per worker). More would wait in its queue while the other processes
    could send them, and a killed process's rows wait for the survivors' queues to empty."""
    share = settings.delivery.global_rate / settings.cluster.processes
    return max(settings.delivery.workers, math.ceil(share))


class MedalBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        background: Background,
        extensions: Sequence[str],
        tree_cls: type[app_commands.CommandTree[Any]],
        notify_channel_refused: ChannelRefusedNotifier,
        clock: Clock = utc_now,
        ops: OpsRuntime | None = None,
        limiter: SharedRateLimiter | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # channels, roles and our own member: enough to check permissions
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=tree_cls,
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
        self.background = background
        self._extensions = tuple(extensions)
        self._notify_channel_refused = notify_channel_refused
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
            outage=background.outage,  # claims pause while the database is out of reach
            claim_limit=None if limiter is None else cluster_claim_limit(settings),
        )
        self.limiter = limiter
        # notices about paused channels waiting for the gateway to deliver their server
        self._pending_notices: set[asyncio.Task[None]] = set()
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
    # no reply waits on the database, the first one included; its Discord language
    # (preferred_locale) is kept with them, for it speaks that until a moderator chooses.
    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.services.guilds.seen(guild.id, guild.preferred_locale.value)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.services.guilds.seen(guild.id, guild.preferred_locale.value)

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        if before.preferred_locale != after.preferred_locale:
            await self.services.guilds.seen(after.id, after.preferred_locale.value)

    async def setup_hook(self) -> None:
        # Logged in (the sender can post): polls, digests and the sender start now.
        await self.background.start(sender=self.sender, polling=self.services.polling)
        for name in self._extensions:
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
            await self._notify_channel_refused(self, guild_id, channel_id, reason)
        except Exception:
            log.exception(
                "guild %d: telling moderators that channel %d is paused failed",
                guild_id,
                channel_id,
            )

    async def close(self) -> None:
        await self.background.stop()
        tasks = list(self._pending_notices)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().close()
