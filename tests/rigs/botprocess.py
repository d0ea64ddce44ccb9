"""Crash rig: ``medalbot run`` in an OS process of its own, killed with SIGKILL mid-fan-out and
started again, while the emulator (in this process) keeps the transcript.

Shared by ``tests/faults/test_crash.py`` (500 channels) and ``bench/crash.py`` (5,000); its
world (``Scale``, ``add_servers``, ``subscribe_everywhere``) also by the benchmarks whose
emulator runs in a process of its own (``bench/_remote.py``). The world is ``guilds`` servers
of ``per_guild`` text channels, each subscribed to everything through the store (SQLite file)
before the first start. The feed replays the women's 1000 m up
to the unofficial result: three alerts per channel (KOK's OR, LEERDAM's OR, the podium), sent
one per message so that the fan-out has many points to be killed at. Rate limits are raised on
both sides so that the fan-out runs as fast as the bot sends.

A kill either lands wherever the fan-out is when it has posted a given number of messages, or
while a message request is held on the wire (``Emulator.hold``): Discord then creates the
message after the bot died, so the bot never recorded it and must re-send it with its nonce.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Literal, Self, TypeVar

import msgspec
from discord_emulator import Emulator, EmulatorConfig, RecordedRequest, StoredMessage, World
from discord_emulator.server import MESSAGE_CREATE_ROUTE

from medalbot.config import DeliverySettings, LoggingSettings, Settings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.render.alerts import render_batch
from medalbot.samples import load_sample, sample_files
from medalbot.sandbox import emulator_settings
from medalbot.store import open_store
from medalbot.store.base import NewSubscription, Store

log = logging.getLogger(__name__)

T = TypeVar("T")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

SAMPLE: Final = "w1000m"
REPLAYED: Final = 4  # up to the unofficial result: an official one would edit every message
ALERTS_PER_CHANNEL: Final = 3  # KOK's OR, LEERDAM's OR, the podium
UNLIMITED: Final = 1_000_000
MAX_PER_GUILD: Final = 500  # Discord's maximum of channels per server
_POST_PATH: Final = re.compile(r"/channels/(\d+)/messages")


@dataclass(frozen=True)
class Scale:
    """``guilds`` servers of ``per_guild`` text channels."""

    guilds: int = 1
    per_guild: int = MAX_PER_GUILD

    @property
    def channels(self) -> int:
        return self.guilds * self.per_guild

    @property
    def messages(self) -> int:
        """The crash rig's fan-out: one message per alert and channel."""
        return self.channels * ALERTS_PER_CHANNEL

    @classmethod
    def of(cls, channels: int) -> Scale:
        """About ``channels`` channels (exactly, for multiples of 500 and below 500)."""
        guilds = -(-channels // MAX_PER_GUILD)
        return cls(guilds, -(-channels // guilds))

    def layout(self, name: str) -> list[tuple[str, int]]:
        """The servers as ``add_servers`` takes them: ``name 0``, ``name 1``..."""
        return [(f"{name} {g}", self.per_guild) for g in range(self.guilds)]


def add_servers(world: World, layout: Sequence[tuple[str, int]]) -> dict[int, list[int]]:
    """One server per ``(name, text channels)``, its channels ``alerts-0``, ``alerts-1``...;
    returns the channel ids by guild id, in the layout's order."""
    channels: dict[int, list[int]] = {}
    for name, count in layout:
        guild = world.add_guild(name)
        channels[guild.id] = [world.add_channel(guild, f"alerts-{c}").id for c in range(count)]
    return channels


async def subscribe_everywhere(
    store: Store, channels: Mapping[int, Sequence[int]], now: datetime
) -> None:
    """One subscription to everything in each channel, through the store."""
    for guild_id, channel_ids in channels.items():
        for channel_id in channel_ids:
            sub = NewSubscription(guild_id=guild_id, channel_id=channel_id)
            await store.add_subscription(sub, now, max_per_guild=len(channel_ids))


def crash_delivery() -> DeliverySettings:
    """One alert per message, no limit the fan-out waits on, and quick retries. The lease is
    the default one (30 s): a restarted bot takes the dead one's claimed rows back at once
    (medalbot.store.instances), which the rig measures."""
    return DeliverySettings(
        global_rate=float(UNLIMITED),
        global_burst=1_000,
        channel_rate=1_000,
        max_embeds_per_message=1,
        retry_base=0.05,
        retry_cap=0.5,
        idle_check=0.05,
    )


# The kill schedule ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KillPoint:
    after: int  # SIGKILL once Discord holds this many of the fan-out's messages
    held: bool  # ... and a message request is held on the wire


def kill_schedule(total: int, kills: int, held: int, rng: random.Random) -> list[KillPoint]:
    """``kills`` points spread over the whole fan-out: one drawn at random from each of
    ``kills`` equal slices of (0, total); ``held`` of them, at random, hold a request."""
    if not 0 <= held <= kills or total < 2 * kills + 1:
        raise ValueError(f"cannot place {kills} kills ({held} held) in {total} messages")
    holding = set(rng.sample(range(kills), held))
    points = []
    for i in range(kills):
        low = max(1, i * total // kills)
        high = min(total - 1, (i + 1) * total // kills - 1)
        points.append(KillPoint(rng.randint(low, high), i in holding))
    return points


# What the emulator saw -----------------------------------------------------------------------


class PostLog:
    """The bot's message posts as the emulator answered them, read incrementally from its
    request log (a rescan per check would be quadratic in a 15,000-message fan-out)."""

    def __init__(self, emulator: Emulator) -> None:
        self._entries = emulator.core.requests.entries
        self._read = 0
        self.posts = 0  # POST .../messages requests answered
        self.created: set[int] = set()  # ids of the messages they created (or returned)
        self.answers: dict[str, list[int]] = {}  # nonce -> message id of each answer
        self.held: list[str] = []  # nonces of requests held on the wire
        # posts answered when each login (GET /users/@me) came: a bot process's first request,
        # so its first post is the first one after its login in the log
        self.posts_at_login: list[int] = []

    def update(self) -> Self:
        new, self._read = self._entries[self._read :], len(self._entries)
        for entry in new:
            if entry.method == "POST" and _POST_PATH.fullmatch(entry.path):
                self._take(entry)
            elif entry.method == "GET" and entry.path == "/users/@me":
                self.posts_at_login.append(self.posts)
        return self

    def _take(self, entry: RecordedRequest) -> None:
        self.posts += 1
        nonce = str((entry.json or {}).get("nonce"))
        if entry.fault == "hold":
            self.held.append(nonce)
        if 200 <= entry.status < 300 and isinstance(entry.response, dict):
            message_id = int(entry.response["id"])
            self.created.add(message_id)
            self.answers.setdefault(nonce, []).append(message_id)

    @property
    def messages(self) -> int:
        return len(self.update().created)

    def resent(self) -> dict[str, list[int]]:
        """Nonces posted more than once, with the message each answer named."""
        return {n: ids for n, ids in self.update().answers.items() if len(ids) > 1}


# The bot's process ---------------------------------------------------------------------------


def settings_toml(settings: Settings) -> str:
    """``settings`` as the TOML file an operator would write (None values left out)."""
    lines: list[str] = []

    def table(header: str, values: Mapping[str, Any]) -> None:
        lines.append(header)
        nested = []
        for key, value in values.items():
            if isinstance(value, dict):
                nested.append((key, value))
            elif value is not None:
                lines.append(f"{key} = {json.dumps(value)}")  # JSON scalars/arrays are TOML
        lines.append("")
        name = header.strip("[]")
        for key, value in nested:
            table(f"[{name}.{key}]", value)

    for section, values in msgspec.to_builtins(settings).items():
        if isinstance(values, list):
            for item in values:
                table(f"[[{section}]]", item)
        else:
            table(f"[{section}]", values)
    return "\n".join(lines)


class BotProcess:
    """``python -m medalbot.cli run --config FILE``, token in DISCORD_TOKEN, output appended
    to ``log_path``. Killed on exit from the ``with`` whatever happened."""

    def __init__(self, config: Path, token: str, log_path: Path) -> None:
        self._argv = [sys.executable, "-m", "medalbot.cli", "run", "--config", str(config)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDALBOT_", "DISCORD_"))}
        self._env = {**env, "DISCORD_TOKEN": token, "PYTHONUNBUFFERED": "1"}
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        if self.running:
            raise RuntimeError("the bot is already running")
        if self._log is None:
            self._log = self.log_path.open("ab")
        self.starts += 1
        self._log.write(f"--- start {self.starts} ---\n".encode())
        self._log.flush()
        self._process = subprocess.Popen(
            self._argv,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def check_alive(self) -> None:
        """Raise if the bot ended on its own (it should only ever be killed)."""
        if self._process is not None and self._process.poll() is not None:
            raise RuntimeError(
                f"the bot exited by itself with {self._process.returncode}:\n{self.log_tail()}"
            )

    async def kill(self, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` and wait for the exit; returns the exit code (-9 after a SIGKILL)."""
        process = self._process
        if process is None:
            raise RuntimeError("the bot was never started")
        if process.poll() is None:
            process.send_signal(sig)
        code = await asyncio.to_thread(process.wait, 30)
        self._process = None
        return code

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(30)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


# The rig --------------------------------------------------------------------------------------


@dataclass
class Kill:
    point: KillPoint
    posted: int  # messages on Discord when the SIGKILL went out
    exit_code: int
    held_nonce: str | None  # the held request's nonce: created after the bot died


@dataclass
class CrashRun:
    kills: list[Kill] = field(default_factory=list)
    first_post_s: list[float] = field(default_factory=list)  # per start, to its first POST
    # per restart: from the start to the rows the killed process had claimed being sent (the
    # interrupted fan-out resuming), and how many rows that was
    resume_s: list[float] = field(default_factory=list)  # ... to the first of them sent
    interrupted: list[int] = field(default_factory=list)
    # ... to all of them sent, for the restarts not killed before
    resumed_all_s: list[float] = field(default_factory=list)
    total_s: float = 0.0  # first start to an empty outbox


@dataclass(frozen=True)
class Audit:
    expected: list[str]  # titles of the logged alerts, in the log's (the feed's) order
    shown: dict[int, list[str]]  # channel -> embed titles of the bot's messages, oldest first
    other: int  # bot messages outside the subscribed channels, or not of one embed

    @property
    def delivered(self) -> int:
        return sum(len(titles) for titles in self.shown.values())

    @property
    def duplicates(self) -> int:
        return sum(len(t) - len(set(t)) for t in self.shown.values())

    @property
    def lost(self) -> int:
        return sum(len(set(self.expected) - set(t)) for t in self.shown.values())

    @property
    def wrong(self) -> dict[int, list[str]]:
        """Channels not showing exactly the expected titles in order."""
        return {c: t for c, t in self.shown.items() if t != self.expected}


class CrashRig:
    """Emulator + replay feed in this process, the bot in its own; see the module's doc."""

    def __init__(
        self,
        workdir: Path,
        scale: Scale,
        *,
        delivery: DeliverySettings | None = None,
        log_level: LogLevel = "WARNING",
        deadline_s: float = 120.0,
    ) -> None:
        self.workdir = workdir
        self.scale = scale
        self.delivery = delivery or crash_delivery()
        self.log_level = log_level
        self.deadline_s = deadline_s  # for each wait on a condition
        self.emulator = Emulator(
            EmulatorConfig(global_rate_limit=UNLIMITED, channel_message_limit=UNLIMITED)
        )
        self._snapshots = load_sample(SAMPLE)[:REPLAYED]
        self.feed = ReplayFeedServer(sample_files(SAMPLE)[:REPLAYED])
        self.db_path = workdir / "medalbot.db"
        self.store_url = f"sqlite:///{self.db_path}"
        self._store: Store | None = None
        self.channels: dict[int, list[int]] = {}  # guild id -> channel ids
        self.posts = PostLog(self.emulator)
        self._all_sent: asyncio.Task[None] | None = None  # see _start_until_resumed
        self.bot = BotProcess(workdir / "bot.toml", self.emulator.token, workdir / "bot.log")

    async def __aenter__(self) -> Self:
        try:
            await self.emulator.start()
            await self.feed.start()
            layout = self.scale.layout("Crash server")
            self.channels = add_servers(self.emulator.world, layout)
            self._store = await open_store(self.store_url)
            await subscribe_everywhere(self._store, self.channels, datetime.now(UTC))
            self.bot.log_path.unlink(missing_ok=True)
            (self.workdir / "bot.toml").write_text(settings_toml(self._settings()))
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        self.bot.close()  # first: never leave a bot process behind
        if self._store is not None:
            await self._store.close()
        await self.feed.close()
        await self.emulator.stop()

    def _settings(self) -> Settings:
        return emulator_settings(
            self.emulator,
            self.feed.url,
            store_url=self.store_url,
            delivery=self.delivery,
            logging_settings=LoggingSettings(level=self.log_level),
        )

    @property
    def store(self) -> Store:
        assert self._store is not None, "the rig is not started"
        return self._store

    # --- running ------------------------------------------------------------------------------

    async def run(self, schedule: list[KillPoint]) -> CrashRun:
        """Start the bot, kill it at each point of ``schedule`` and start it again, then let it
        finish: until the outbox holds nothing pending."""
        run = CrashRun()
        started = time.monotonic()
        feeding = asyncio.create_task(self._drive_feed(), name="drive-feed")
        try:
            claimed: list[int] = []
            for point in schedule:
                await self._start_until_resumed(run, claimed)
                run.kills.append(await self._kill_at(point))
                await self._stop_watching()
                claimed = await asyncio.to_thread(self._claimed_rows)
            await self._start_until_resumed(run, claimed)
            await self._until_drained(feeding)
            if self._all_sent is not None:
                await self._all_sent  # drained: they are all sent
            run.total_s = time.monotonic() - started
            await self.bot.kill(signal.SIGTERM)
        finally:
            feeding.cancel()
            await asyncio.gather(feeding, return_exceptions=True)
            await self._stop_watching()
        return run

    async def _start_until_resumed(self, run: CrashRun, claimed: list[int]) -> None:
        """Start the bot; once it posted, wait until it sent one of the rows ``claimed`` by
        the process killed before (with the default 30 s lease), and note in the background
        when it sent them all (unless it is killed first: a claim is up to ``batch_size``
        rows, more than the fan-out posts between two kills)."""
        started = time.monotonic()
        await self._start_until_first_post(run)
        if not claimed:
            return
        deadline = started + self.deadline_s
        while await asyncio.to_thread(self._unsent, claimed) == len(claimed):
            self.bot.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"none of the killed process's {len(claimed)} claimed rows was sent within "
                    f"{self.deadline_s} s of the restart; bot output:\n{self.bot.log_tail()}"
                )
            await asyncio.sleep(0.01)
        run.resume_s.append(time.monotonic() - started)
        run.interrupted.append(len(claimed))
        self._all_sent = asyncio.create_task(self._until_all_sent(run, claimed, started))

    async def _until_all_sent(self, run: CrashRun, claimed: list[int], started: float) -> None:
        # another process's database: nothing to wait on but a poll
        while await asyncio.to_thread(self._unsent, claimed):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        run.resumed_all_s.append(time.monotonic() - started)

    async def _stop_watching(self) -> None:
        if self._all_sent is not None:
            self._all_sent.cancel()
            await asyncio.gather(self._all_sent, return_exceptions=True)
            self._all_sent = None

    def _claimed_rows(self) -> list[int]:
        """The outbox rows claimed and not finished: a killed process's interrupted work."""
        with closing(sqlite3.connect(self.db_path)) as db:
            return [
                row[0] for row in db.execute("SELECT id FROM deliveries WHERE status = 'sending'")
            ]

    def _unsent(self, ids: list[int]) -> int:
        if not ids:
            return 0
        with closing(sqlite3.connect(self.db_path)) as db:
            marks = ", ".join("?" * len(ids))
            query = f"SELECT COUNT(*) FROM deliveries WHERE id IN ({marks}) AND status <> 'sent'"
            return int(db.execute(query, ids).fetchone()[0])

    async def _start_until_first_post(self, run: CrashRun) -> None:
        # Posts of the dead process still being answered are not this one's: count from the
        # new process's login on.
        logins = len(self.posts.update().posts_at_login)
        started = time.monotonic()
        self.bot.start()

        def posted_since_login() -> bool:
            at_login = self.posts.update().posts_at_login
            return len(at_login) > logins and self.posts.posts > at_login[logins]

        await self._until(posted_since_login, "the first post after a start")
        run.first_post_s.append(time.monotonic() - started)

    async def _kill_at(self, point: KillPoint) -> Kill:
        await self._until(lambda: self.posts.messages >= point.after, f"{point.after} messages")
        held = len(self.posts.held)
        hold = self.emulator.hold(MESSAGE_CREATE_ROUTE, times=1) if point.held else None
        if hold is not None:
            await self._until(lambda: hold.hits > 0, "a request to hold")
        posted = self.posts.messages
        exit_code = await self.bot.kill()
        nonce = None
        if hold is not None:  # Discord creates the held message now that nobody waits for it
            hold.release()
            await self._until(lambda: len(self.posts.update().held) > held, "the held message")
            nonce = self.posts.held[-1]
        log.info("killed at %d messages (%s): exit %d", posted, point, exit_code)
        return Kill(point, posted, exit_code, nonce)

    async def _until(
        self, predicate: Callable[[], T], what: str, *, recheck: float | None = 0.05
    ) -> T:
        def alive_and(check: Callable[[], T]) -> T:
            self.bot.check_alive()
            return check()

        try:
            return await self.emulator.wait_for(
                lambda: alive_and(predicate), timeout=self.deadline_s, recheck=recheck
            )
        except TimeoutError as exc:
            raise TimeoutError(
                f"{what}: not within {self.deadline_s} s; bot output:\n{self.bot.log_tail()}"
            ) from exc

    async def _drive_feed(self) -> None:
        """Serve the next snapshot once the bot committed the current one (as the store says),
        through kills and restarts."""
        games = self._snapshots[0].games.code
        while True:
            state = await self.store.load_state(games)
            if state is not None and state.sequence >= self._snapshots[self.feed.position].sequence:
                if not self.feed.advance():
                    return
                continue
            await asyncio.sleep(0.02)

    async def _until_drained(self, feeding: asyncio.Task[None]) -> None:
        deadline = time.monotonic() + self.deadline_s
        while True:
            self.bot.check_alive()
            if feeding.done():
                feeding.result()  # its failure, if it failed
                if (await self.store.outbox_stats()).pending == 0:
                    return
            if time.monotonic() > deadline:
                stats = await self.store.outbox_stats()
                raise TimeoutError(
                    f"the outbox did not drain within {self.deadline_s} s ({stats}); "
                    f"bot output:\n{self.bot.log_tail()}"
                )
            await asyncio.sleep(0.05)

    # --- what the channels show ---------------------------------------------------------------

    async def audit(self) -> Audit:
        """Every subscribed channel read as a person would, against the alert log."""
        return await audit_channels(
            self.emulator, self.store, self.channels, self._snapshots[0].games.code
        )


async def audit_channels(
    emulator: Emulator, store: Store, channels: Mapping[int, Sequence[int]], games: str
) -> Audit:
    """Every channel of ``channels`` read as a person would, against the Games' alert log
    (the bot's answers to fans' commands aside)."""
    alerts = await store.list_alerts(games)
    expected = [str(render_batch([a], locale="en").embeds[0].title) for a in alerts]
    shown: dict[int, list[str]] = {}
    bot_id = emulator.bot_user.id

    def posted(m: StoredMessage) -> bool:
        return m.author.id == bot_id and m.interaction_id is None

    other = len([m for m in emulator.core.store.all() if posted(m)])
    for channel_ids in channels.values():
        for channel_id in channel_ids:
            messages = [
                m
                for m in emulator.transcript(channel_id)
                if posted(m) and len(m.version.embeds) == 1
            ]
            shown[channel_id] = [str(m.version.embeds[0].get("title")) for m in messages]
            other -= len(messages)
    return Audit(expected, shown, other)
