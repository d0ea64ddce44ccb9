"""Cluster rig: several ``medalbot run`` processes for one bot token on one PostgreSQL, each
connected to its own gateway shard of the emulator (in this process), killed with SIGKILL as an
operator's machine would lose them.

It extends the crash rig (``tests.rigs.botprocess``): the same bot processes, world, post log
and audit, with a store every process shares, Discord's own limits in the emulator (50
requests/s for the token, 5 messages per 5 s per channel), the shared global rate limit on,
and ``shard_count`` = the number of processes, one shard each. The feed replays the women's
1000 m one snapshot at a time, as the test asks (``feed_to``), so that a kill can land between
two alerts. Used by ``tests/faults/test_cluster.py`` and ``bench/cluster.py``.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, Self, TypeVar

import asyncpg
from discord_emulator import Emulator, EmulatorConfig, Member
from msgspec.structs import replace

from medalbot.cluster.settings import ClusterSettings
from medalbot.config import DeliverySettings, LoggingSettings, Settings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.samples import load_sample, sample_files
from medalbot.sandbox import emulator_settings
from medalbot.store import open_store
from medalbot.store.base import Store
from tests.rigs.botprocess import (
    REPLAYED,
    SAMPLE,
    Audit,
    BotProcess,
    PostLog,
    Scale,
    add_servers,
    audit_channels,
    settings_toml,
    subscribe_everywhere,
)

if TYPE_CHECKING:
    from bench._remote import RemoteEmulator

T = TypeVar("T")

POLLS_LINE: Final = "this process polls it now"  # medalbot.cluster.leadership, at INFO
CONNECTED_LINE: Final = "has connected to Gateway"  # discord.gateway, at INFO


def cluster_delivery(global_rate: float = 40.0) -> DeliverySettings:
    """Discord's limits kept (the default pacing), one alert per message so that a fan-out has
    many points to be killed at, the global budget shared through the store, quick retries."""
    return DeliverySettings(
        global_rate=global_rate,
        max_embeds_per_message=1,
        shared_rate_limit=True,
        retry_base=0.05,
        retry_cap=0.5,
        idle_check=0.05,
    )


def cluster_settings(
    emulator: Emulator | RemoteEmulator,
    feed_url: str,
    store_url: str,
    *,
    shard: int,
    shards: int,
    delivery: DeliverySettings,
) -> Settings:
    """One process of ``shards``: its own shard of ``shards``, the store every process shares,
    the replayed feed. Logged at INFO: it says when it takes the feed over (POLLS_LINE) and
    when its shard connected (CONNECTED_LINE)."""
    settings = emulator_settings(
        emulator,  # type: ignore[arg-type]  # only its api_base and gateway_url are read
        feed_url,
        store_url=store_url,
        delivery=delivery,
        logging_settings=LoggingSettings(level="INFO"),
    )
    return replace(
        settings,
        discord=replace(settings.discord, shard_count=shards, shard_ids=[shard]),
        cluster=ClusterSettings(processes=shards),
    )


class ClusterRig:
    """Emulator + replay feed in this process, ``processes`` bots in their own; see the
    module's doc. ``store_url`` is an empty PostgreSQL database (schema) of its own."""

    def __init__(
        self,
        workdir: Path,
        store_url: str,
        scale: Scale,
        *,
        processes: int = 3,
        delivery: DeliverySettings | None = None,
        deadline_s: float = 60.0,
        emulator: EmulatorConfig | None = None,
    ) -> None:
        self.workdir = workdir
        self.store_url = store_url
        self.scale = scale
        self.delivery = delivery or cluster_delivery()
        self.deadline_s = deadline_s
        self.emulator = Emulator(emulator or EmulatorConfig(shard_count=processes))
        self.snapshots = load_sample(SAMPLE)[:REPLAYED]
        self.games = self.snapshots[0].games.code
        self.feed = ReplayFeedServer(sample_files(SAMPLE)[:REPLAYED])
        self._store: Store | None = None
        self.channels: dict[int, list[int]] = {}  # guild id -> channel ids
        self.fans: dict[int, Member] = {}  # guild id -> a fan there
        self.posts = PostLog(self.emulator)
        self.bots = [
            BotProcess(workdir / f"bot-{i}.toml", self.emulator.token, workdir / f"bot-{i}.log")
            for i in range(processes)
        ]

    async def __aenter__(self) -> Self:
        # The emulator stands in for Discord, which counts a request when it arrives; in this
        # process it counts it when its event loop gets to it. A full collection of what the
        # suite's earlier tests left in this process stalls that loop for 0.3-0.4 s on a busy
        # machine (seen with gc.callbacks in other tests of a full run beside 2 CPU burners),
        # and 0.25 s of requests counted at once fills Discord's window of 50: a global 429 the
        # bots did not cause (the likely cause of the occasional one seen under load). What
        # exists now is frozen out of the collections until the rig closes.
        gc.collect()
        gc.freeze()
        try:
            await self.emulator.start()
            await self.feed.start()
            self.channels = add_servers(self.emulator.world, self.scale.layout("Cluster server"))
            for guild_id in self.channels:
                guild = self.emulator.world.guilds[guild_id]
                self.fans[guild_id] = self.emulator.world.add_member(guild, f"fan-{guild_id}")
            self._store = await open_store(self.store_url)
            await subscribe_everywhere(self._store, self.channels, datetime.now(UTC))
            for shard, bot in enumerate(self.bots):
                bot.log_path.unlink(missing_ok=True)
                (self.workdir / f"bot-{shard}.toml").write_text(settings_toml(self.settings(shard)))
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            for bot in self.bots:
                bot.close()  # first: never leave a bot process behind
            if self._store is not None:
                await self._store.close()
            await self.feed.close()
            await self.emulator.stop()
        finally:
            gc.unfreeze()

    def settings(self, shard: int) -> Settings:
        return cluster_settings(
            self.emulator,
            self.feed.url,
            self.store_url,
            shard=shard,
            shards=len(self.bots),
            delivery=self.delivery,
        )

    @property
    def store(self) -> Store:
        assert self._store is not None, "the rig is not started"
        return self._store

    # --- running ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every process and wait until each shard is connected and the commands synced."""
        for bot in self.bots:
            bot.start()
        shards = set(range(len(self.bots)))
        await self.until(lambda: self.emulator.gateway.connected_shards() == shards, "all shards")
        await self.until(lambda: len(self.emulator.synced_commands()) > 0, "the commands synced")

    def alive(self) -> list[int]:
        return [i for i, bot in enumerate(self.bots) if bot.running]

    def poller(self) -> int | None:
        """The live process that took the feed over last, as the logs say (their lines start
        with a sortable time stamp)."""
        found: list[tuple[str, int]] = []
        for i in self.alive():
            lines = self.bots[i].log_path.read_text(errors="replace").splitlines()
            found.extend((line[:23], i) for line in lines if POLLS_LINE in line)
        return max(found)[1] if found else None

    async def committed(self) -> int:
        state = await self.store.load_state(self.games)
        return -1 if state is None else state.sequence

    async def feed_to(self, position: int) -> float:
        """Serve the snapshots one after another up to ``position`` (each once the one before
        is committed); returns when the last one was committed (monotonic)."""
        while True:
            wanted = self.snapshots[self.feed.position].sequence
            await self.until_async(partial(self._committed_at_least, wanted), f"sequence {wanted}")
            if self.feed.position >= position:
                return time.monotonic()
            self.feed.advance()

    async def _committed_at_least(self, sequence: int) -> bool:
        return await self.committed() >= sequence

    async def kill(self, index: int) -> float:
        """SIGKILL process ``index``; returns when it was sent (monotonic)."""
        killed = time.monotonic()
        code = await self.bots[index].kill(signal.SIGKILL)
        assert code == -signal.SIGKILL, code
        return killed

    # --- the shared outbox, read directly -----------------------------------------------------

    async def _query(self, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.store_url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def claimed_by(self, index: int) -> list[int]:
        """The outbox rows process ``index`` holds claimed (its instance names its pid)."""
        pid = self.bots[index].pid
        rows = await self._query(
            "SELECT d.id FROM deliveries d JOIN instances i ON i.id = d.claimed_by"
            " WHERE d.status = 'sending' AND i.description LIKE $1",
            f"% pid {pid}",
        )
        return [row["id"] for row in rows]

    async def instance_of(self, index: int) -> int:
        """The store's instance id of process ``index`` (its description names its pid)."""
        rows = await self._query(
            "SELECT id FROM instances WHERE description LIKE $1", f"% pid {self.bots[index].pid}"
        )
        return int(rows[0]["id"])

    async def released(self, ids: Sequence[int], instance: int) -> bool:
        """Whether none of the rows ``ids`` is still held by ``instance``'s claim (they are
        due again, or claimed or sent by a live process)."""
        rows = await self._query(
            "SELECT count(*) AS n FROM deliveries"
            " WHERE id = ANY($1) AND status = 'sending' AND claimed_by = $2"
            # a taken-back row keeps its claim's marks with its lease ended (due again)
            " AND lease_until > (extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
            list(ids),
            instance,
        )
        return int(rows[0]["n"]) == 0

    async def unsent(self, ids: Sequence[int]) -> int:
        rows = await self._query(
            "SELECT count(*) AS n FROM deliveries WHERE id = ANY($1) AND status <> 'sent'",
            list(ids),
        )
        return int(rows[0]["n"])

    async def unsent_is(self, ids: Sequence[int], count: int) -> bool:
        return await self.unsent(ids) == count

    async def has_claims(self, index: int) -> bool:
        return bool(await self.claimed_by(index))

    async def drained(self) -> bool:
        """Nothing left to send."""
        return (await self.store.outbox_stats()).pending == 0

    # --- waiting ------------------------------------------------------------------------------

    def check_alive(self, expected: Sequence[int]) -> None:
        for i in expected:
            self.bots[i].check_alive()

    async def until(self, predicate: Callable[[], T], what: str) -> T:
        expected = self.alive()

        def alive_and() -> T:
            self.check_alive(expected)
            return predicate()

        try:
            return await self.emulator.wait_for(alive_and, timeout=self.deadline_s, recheck=0.02)
        except TimeoutError as exc:
            raise TimeoutError(f"{what}: not within {self.deadline_s} s{self.tails()}") from exc

    async def until_async(self, predicate: Callable[[], Awaitable[bool]], what: str) -> None:
        """Wait for an awaitable predicate (another process's database: nothing to wait on but
        a poll)."""
        expected = self.alive()
        deadline = time.monotonic() + self.deadline_s
        while not await predicate():
            self.check_alive(expected)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not within {self.deadline_s} s{self.tails()}")
            await asyncio.sleep(0.02)

    def tails(self) -> str:
        return "".join(f"\n--- bot {i} ---\n{b.log_tail(15)}" for i, b in enumerate(self.bots))

    async def audit(self) -> Audit:
        return await audit_channels(self.emulator, self.store, self.channels, self.games)
