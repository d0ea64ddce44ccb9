"""One alert to 10,000 channels at Discord's limits, sent by one ``medalbot run`` process and
by three, in the same run: more processes must send neither faster than the token allows nor
slower.

Set-up: the emulator ENFORCING Discord's limits (50 requests/s for the token over all
connections, 5 messages per 5 s per channel) in a process of its own (``bench/_remote.py``: its
CPU is not the bots', and its clock of arrivals is not stalled by them), a feed server replaying
the women's 1000 m in this one; the bots as OS processes (``python -m medalbot.cli run``, the
crash rig's ``BotProcess``, configured as ``tests.rigs.cluster`` configures them) on a
PostgreSQL database of their own (made and dropped here,
at MEDALBOT_TEST_POSTGRES_URL, default the local server), every channel subscribed to
everything, default delivery settings with the global budget shared through the database
(``[delivery] shared_rate_limit = true``, R = 40 requests/s), ``shard_count`` = processes, one
shard each. Once every shard is connected and the first snapshot committed, the feed serves
KOK's Olympic record: one alert for every channel.

Measured for each process count, from the moment the feed serves the record (the poll that
finds it comes at most one poll interval, 50 ms, later) to the last message created: the time
against N/R, the messages per second between the first and the last post, the busiest
second of requests Discord saw, and Discord's 429s by scope. The ratio is three processes'
time over one's.

Goals (issue 11): both within N/R + 2 s, zero global 429s, every channel served once.

    python -m bench.cluster                   # 10,000 channels (about 10 minutes)
    python -m bench.cluster --channels 1000   # a quicker run
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench._remote import control, remote_emulator, subscribe_every_channel
from bench._stats import load_note
from medalbot.config import DeliverySettings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.samples import load_sample, sample_files
from medalbot.store import open_store
from tests.rigs.botprocess import REPLAYED, SAMPLE, BotProcess, Scale, settings_toml
from tests.rigs.cluster import CONNECTED_LINE, cluster_settings

ADMIN_URL: Final = os.environ.get(
    "MEDALBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
DELIVERY: Final = DeliverySettings(shared_rate_limit=True)  # the defaults, the budget shared
R: Final = DELIVERY.global_rate
CHANNELS: Final = 10_000
PROCESSES: Final = (1, 3)
SLACK_S: Final = 2.0


@dataclass(frozen=True)
class Run:
    processes: int
    channels: int
    served_to_last_s: float  # the feed serving the record -> the last message created
    first_to_last_s: float
    messages: int  # alert messages in the channels
    channels_served: int
    posts: int  # message creates answered 200 (a re-send with its nonce returns the same one)
    peak_per_second: int
    limited: dict[str, int]  # 429s by scope
    limiter_lines: list[str]  # what the bots logged about the shared limit (degraded, back)
    workdir: Path

    @property
    def per_second(self) -> float:
        span = self.first_to_last_s
        return (self.posts - 1) / span if span else 0.0


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _until(
    check: Callable[[], Awaitable[bool]], bots: list[BotProcess], what: str, every: float = 0.2
) -> None:
    """Poll ``check`` (another process's state: nothing to wait on) while the bots live."""
    deadline = time.monotonic() + 600
    while not await check():
        for bot in bots:
            bot.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within 600 s")
        await asyncio.sleep(every)


async def fan_out(processes: int, scale: Scale) -> Run:
    """One alert to every channel of ``scale``, sent by ``processes`` bots."""
    name = f"medalbot_bench_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(ADMIN_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    await _admin(f'CREATE DATABASE "{name}"')
    n = scale.channels
    # kept: the bots' configurations and logs (printed with the figures)
    workdir = Path(tempfile.mkdtemp(prefix=f"medalbot-bench-cluster-{processes}-"))
    first = load_sample(SAMPLE)[0]
    try:
        async with (
            remote_emulator(scale) as remote,
            ReplayFeedServer(sample_files(SAMPLE)[:REPLAYED]) as feed,
        ):
            await subscribe_every_channel(url, remote.channels)
            bots = [
                BotProcess(workdir / f"bot-{i}.toml", remote.token, workdir / f"bot-{i}.log")
                for i in range(processes)
            ]
            store = await open_store(url)
            try:
                for i, bot in enumerate(bots):
                    settings = cluster_settings(
                        remote, feed.url, url, shard=i, shards=processes, delivery=DELIVERY
                    )
                    bot.log_path.with_suffix(".toml").write_text(settings_toml(settings))
                    bot.start()

                async def ready() -> bool:
                    state = await store.load_state(first.games.code)
                    connected = all(
                        CONNECTED_LINE in b.log_path.read_text(errors="replace") for b in bots
                    )
                    return connected and state is not None and state.sequence >= first.sequence

                await _until(ready, bots, "every shard connected and the first snapshot")
                served = time.monotonic()
                feed.advance()  # KOK's Olympic record: one alert for every channel

                async def sent() -> bool:
                    done = (await control(remote, "/messages"))["alerts"] >= n
                    return bool(done and (await store.outbox_stats()).pending == 0)

                await _until(sent, bots, f"{n} messages", every=1.0)  # /messages reads them all
                posts = (await control(remote, "/posts"))["posts"]
                messages = await control(remote, "/messages")
                limits = await control(remote, "/rate_limits")
            finally:
                for bot in bots:
                    bot.close()
                await store.close()
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    times = [at for at, _ in posts]
    return Run(
        processes=processes,
        channels=n,
        served_to_last_s=max(times) - served,
        first_to_last_s=max(times) - min(times),
        messages=int(messages["alerts"]),
        channels_served=int(messages["channels"]),
        posts=len(posts),
        peak_per_second=int(limits["peak_per_second"]),
        limited={k: int(v) for k, v in limits["by_scope"].items()},
        limiter_lines=[
            f"{bot.log_path.name}: {line}"
            for bot in bots
            for line in bot.log_path.read_text(errors="replace").splitlines()
            if "global rate limit" in line
        ],
        workdir=workdir,
    )


def _goal(met: bool, what: str) -> bool:
    print(f"  {'PASS' if met else 'MISS'}  {what}")
    return met


def report(run: Run) -> bool:
    ideal = run.channels / R
    print(
        f"-- {run.processes} process{'es' if run.processes > 1 else ''}: feed -> last post "
        f"{run.served_to_last_s:6.1f} s (N/R = {ideal:.1f} s), first -> last post "
        f"{run.first_to_last_s:.1f} s = {run.per_second:.1f} messages/s; "
        f"{run.messages:,} messages in {run.channels_served:,} channels "
        f"({run.posts - run.messages} re-sent with their nonce); logs in {run.workdir}"
    )
    print(f"     busiest second {run.peak_per_second} requests; 429s by scope {run.limited}")
    for line in run.limiter_lines:
        print(f"     {line}")
    return all(
        [
            _goal(
                run.served_to_last_s <= ideal + SLACK_S,
                f"within N/R + {SLACK_S:g} s: {run.served_to_last_s:.1f} s <= "
                f"{ideal + SLACK_S:.1f} s",
            ),
            _goal(
                run.limited.get("global", 0) == 0,
                f"zero global 429s: {run.limited.get('global', 0)}",
            ),
            _goal(
                run.messages == run.channels_served == run.channels,
                f"every channel served once: {run.messages:,} messages in "
                f"{run.channels_served:,} channels",
            ),
        ]
    )


async def run(channels: int) -> bool:
    scale = Scale.of(channels)
    runs = [await fan_out(p, scale) for p in PROCESSES]
    print(
        f"one alert to {scale.channels:,} channels ({scale.guilds} servers), Discord's limits, "
        f"budget R = {R:g}/s shared through PostgreSQL"
    )
    met = all([report(r) for r in runs])
    one, three = runs[0], runs[-1]
    print(
        f"  ratio {three.processes} processes / {one.processes}: time "
        f"{three.served_to_last_s / one.served_to_last_s:.2f}x, messages/s "
        f"{three.per_second / one.per_second if one.per_second else 0:.2f}x"
    )
    return met


def main(channels: int = CHANNELS) -> bool:
    print(f"machine: {load_note()}")
    logging.disable(logging.WARNING)  # a bench prints figures, not the rig's log
    try:
        met = asyncio.run(run(channels))
    finally:
        logging.disable(logging.NOTSET)
    print(f"machine after: {load_note()}")
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=CHANNELS)
    sys.exit(0 if main(parser.parse_args().channels) else 1)
