"""Everything on loopback: the Discord emulator with the demo server, a feed server replaying
snapshot files, and the real bot pointed at both. The demo and the end-to-end tests use it.

The bot can be stopped and started again on the same store (a restart), and the emulator and
the feed server keep running meanwhile, like Discord and a real feed would.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import discord
from discord_emulator import DiscordPatch, Emulator, EmulatorConfig, point_discord_at

from medalbot.app import build_bot, close_bot
from medalbot.client import MedalBot
from medalbot.config import (
    DeliverySettings,
    DiscordSettings,
    FeedSettings,
    LoggingSettings,
    Settings,
    StoreSettings,
)
from medalbot.demo_world import BOT_NAME, DemoWorld, build_demo_world
from medalbot.feeds.server import ReplayFeedServer
from medalbot.ops.settings import OpsSettings
from medalbot.services.clock import Clock, utc_now

log = logging.getLogger(__name__)

FAST_DELIVERY = DeliverySettings(retry_base=0.05, retry_cap=0.5, lease_seconds=2.0, idle_check=0.05)


def emulator_settings(
    emulator: Emulator,
    feed_url: str,
    *,
    store_url: str,
    delivery: DeliverySettings = FAST_DELIVERY,
    feed_interval: float = 0.05,
    logging_settings: LoggingSettings | None = None,
) -> Settings:
    """The bot's settings for an emulator and one replayed feed on loopback: a short wait for
    the guilds at start-up, a fast poll and backoff, no ops server. The sandbox runs the bot
    with them in this process; the crash rig (tests/rigs/botprocess.py) writes them to a file
    for ``medalbot run``."""
    return Settings(
        discord=DiscordSettings(
            api_base=emulator.api_base,
            gateway_url=emulator.gateway_url,
            guild_ready_timeout=0.05,
        ),
        store=StoreSettings(url=store_url),
        delivery=delivery,
        logging=logging_settings or LoggingSettings(),
        ops=OpsSettings(enabled=False),
        feeds=[
            FeedSettings(
                name="replay",
                url=feed_url,
                interval=feed_interval,
                jitter=0.0,
                misfire_grace_time=5,
                backoff_base=0.05,
                backoff_cap=0.2,
            )
        ],
    )


class Sandbox:
    def __init__(
        self,
        feed_files: Sequence[Path],
        *,
        store_url: str = "memory://",
        feed_interval: float = 0.05,
        delivery: DeliverySettings = FAST_DELIVERY,
        emulator_config: EmulatorConfig | None = None,
        clock: Clock = utc_now,
        configure: Callable[[Settings], Settings] | None = None,
    ) -> None:
        """``configure`` changes the settings the bot is built with (another feed, the ops
        endpoint on)."""
        config = emulator_config or EmulatorConfig(bot_name=BOT_NAME)
        self.emulator = Emulator(config, host="127.0.0.1", port=0)
        self.feed = ReplayFeedServer(feed_files)
        self.store_url = store_url
        self.feed_interval = feed_interval
        self.delivery = delivery
        self.clock = clock
        self.configure = configure
        self.world: DemoWorld | None = None
        self.bot: MedalBot | None = None
        self._bot_task: asyncio.Task[None] | None = None
        self._patch: DiscordPatch | None = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        await self.emulator.start()
        self.world = build_demo_world(self.emulator.world)
        self._patch = point_discord_at(self.emulator.api_base, self.emulator.gateway_url)
        await self.feed.start()

    async def stop(self) -> None:
        await self.stop_bot()
        await self.feed.close()
        await self.emulator.stop()
        if self._patch is not None:
            self._patch.undo()
            self._patch = None

    @property
    def demo(self) -> DemoWorld:
        assert self.world is not None, "the sandbox is not started"
        return self.world

    def settings(self) -> Settings:
        settings = emulator_settings(
            self.emulator,
            self.feed.url,
            store_url=self.store_url,
            delivery=self.delivery,
            feed_interval=self.feed_interval,
        )
        return settings if self.configure is None else self.configure(settings)

    async def start_bot(self, *, ready_timeout: float = 5.0) -> MedalBot:
        """Build the bot on the sandbox's store and run it until it is ready."""
        if self.bot is not None:
            raise RuntimeError("the bot is already running")
        bot = await build_bot(self.settings(), clock=self.clock)
        self.bot = bot
        await bot.__aenter__()  # sets up the client's asyncio objects before start() runs
        self._bot_task = asyncio.create_task(bot.start(self.emulator.token), name="medalbot")
        ready = asyncio.ensure_future(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._bot_task, ready}, timeout=ready_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            ready.cancel()
            await self.stop_bot()
            raise TimeoutError(f"the bot was not ready within {ready_timeout} s")
        return bot

    async def stop_bot(self) -> None:
        """Stop the bot as a deployment would (the store survives if it is a file)."""
        bot, task = self.bot, self._bot_task
        self.bot, self._bot_task = None, None
        if bot is None:
            return
        await close_bot(bot)
        if task is not None:
            try:
                await asyncio.wait_for(task, timeout=5.0)
            except (discord.DiscordException, OSError, TimeoutError) as exc:
                log.warning("the bot ended with %r", exc)

    async def subscribe(self, channel_name: str, **options: object) -> None:
        """Subscribe a demo channel the way a moderator does: /alerts subscribe."""
        demo = self.demo
        channel = self.emulator.world.find_channel(demo.guild, channel_name)
        result = await self.emulator.invoke(
            "/alerts subscribe",
            {"channel": channel.id, **options},
            member=demo.moderator,
            channel=demo.general,
        )
        if not result.ephemeral or not (result.content or "").startswith("Subscribed"):
            raise RuntimeError(f"subscribing #{channel_name} failed: {result.content}")

    def advance_feed(self) -> bool:
        """Serve the next snapshot file; False when the replay is at its end."""
        return self.feed.advance()

    def feed_read(self) -> bool:
        """Whether the running bot has applied the snapshot the feed serves now (the sample
        files number their snapshots from 1, the feed its positions from 0)."""
        state = self.bot.services.live.current if self.bot is not None else None
        return state is not None and state.sequence >= self.feed.position + 1

    async def wait_feed_read(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - test API
        """Wait until the running bot has applied the snapshot the feed serves now."""
        await self.emulator.wait_for(self.feed_read, timeout=timeout)
