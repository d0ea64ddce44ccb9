"""Memory per subscription at 100,000 subscriptions, against 1,000 in the same run.

100,000 subscriptions need 4,000 servers (the bot allows 25 per server; Discord 500 channels):
one subscription per channel, inserted through the store (SQLite), after the women's 1000 m up
to LEERDAM's Olympic record. Their options are a mix (everything, one nation, one sport, golds
only, a role, quiet hours, five time zones, a daily digest for a share of them: one in ten
unless ``--digest-percent`` says otherwise, at one of five local times), all of which want the
medals of the next snapshot: its one medal alert (LEERDAM, KOK, TAKAGI) is routed to every
subscription.

Each count is measured in a fresh process (``bench/_memory_probe.py``): what the bot holds once
started (the services' caches, the digest jobs), and its peak while that snapshot is polled
(every subscription read, the outbox rows built and committed). Per subscription is the
difference between 100,000 and 1,000 divided by 99,000, so what any bot holds is left out.
Not counted: discord.py's own cache of the servers and channels (Discord's state, held for a
server whether it subscribes or not).

    python -m bench.memory [--digest-percent 100]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Final

from bench._memory_probe import probe
from bench._stats import load_note
from medalbot.feeds.native import parse_snapshot
from medalbot.samples import sample_files
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store import open_store
from medalbot.store.base import NewSubscription, Store

BASELINE: Final = 1_000
FULL: Final = 100_000
PER_GUILD: Final = 25  # AlertSettings.max_subscriptions_per_guild
TARGET_BYTES: Final = 2 * 1024
ZONES: Final = ("Europe/Amsterdam", "Asia/Tokyo", "America/New_York", "Europe/Oslo", "UTC")
DIGEST_TIMES: Final = tuple(clock_time(h) for h in (7, 8, 12, 18, 21))
DIGEST_PERCENT: Final = 10


def has_digest(i: int, percent: int) -> bool:
    """Spread evenly: ``percent`` of every 100 consecutive subscriptions (at 10, those with
    ``i % 10 == 3``)."""
    return (i + 7) * percent // 100 > (i + 6) * percent // 100


def subscription(i: int, digest_percent: int = DIGEST_PERCENT) -> NewSubscription:
    """The ``i``-th subscription: one channel each, 25 to a server."""
    guild_id, channel_id = 10_000 + i // PER_GUILD, 1_000_000 + i
    zone = ZONES[i % len(ZONES)]
    kind = i % 10
    # every time in every zone when all have one: 25 distinct (time, zone) pairs
    at = DIGEST_TIMES[i // 10 % len(DIGEST_TIMES)]
    digest = at if has_digest(i, digest_percent) else None
    options: dict[str, Any] = {"timezone": zone, "digest_time": digest}
    if kind == 5:
        options["noc"] = "NED"
    elif kind == 6:
        options["noc"] = "JPN"
    elif kind == 7:
        options["sport"] = "Speed Skating"
    elif kind == 8:
        options["golds_only"] = True
    elif kind == 9:
        options.update(records=False, quiet_start=clock_time(23), quiet_end=clock_time(7))
    if i % 4 == 0:
        options["role_id"] = channel_id + 7
    return NewSubscription(guild_id, channel_id, **options)


def guild_ids(count: int) -> list[int]:
    return sorted({subscription(i).guild_id for i in range(count)})


async def fill(store: Store, count: int, digest_percent: int = DIGEST_PERCENT) -> float:
    """Put the Games up to the second record and ``count`` subscriptions in ``store``; the
    seconds the subscriptions took."""
    polling = PollService(store, LiveState())
    for file in sample_files("w1000m")[:3]:
        await polling.apply(parse_snapshot(file.read_bytes()))
    started = time.perf_counter()
    now = datetime.now(UTC)
    for i in range(count):
        await store.add_subscription(subscription(i, digest_percent), now, PER_GUILD)
    return time.perf_counter() - started


async def build(path: Path, count: int, digest_percent: int) -> float:
    """A store with the Games up to the second record and ``count`` subscriptions."""
    store = await open_store(f"sqlite:///{path}")
    try:
        return await fill(store, count, digest_percent)
    finally:
        await store.close()


@dataclass(frozen=True)
class Probe:
    count: int
    traced: dict[str, Any]  # a run with tracemalloc on
    untraced: dict[str, Any]  # a run without, for the resident set

    def __getitem__(self, key: str) -> Any:
        return self.traced[key]


def run_probe(path: Path, count: int, trace: bool) -> dict[str, Any]:
    body = sample_files("w1000m")[3].read_bytes()  # the medals: one alert for everyone
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    args = (theirs, f"sqlite:///{path}", guild_ids(count), body, trace)
    process = context.Process(target=probe, args=args, name=f"memory-{count}")
    process.start()
    try:
        deadline = time.monotonic() + 600
        while not ours.poll(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the probe of {count} ended without figures")
        figures: dict[str, Any] = ours.recv()
        return figures
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()


def per_sub(full: dict[str, Any], base: dict[str, Any], key: str, scale: int = 1) -> float:
    return float(full[key] - base[key]) * scale / (FULL - BASELINE)


def mib(size: float) -> str:
    return f"{size / 2**20:6.1f} MiB"


def measure(digest_percent: int) -> tuple[Probe, Probe, float]:
    # On tmpfs when there is one: inserting 100,000 subscriptions one transaction at a time
    # waits on fsync for many minutes on a disk, and the disk is not what is measured.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        base_path, full_path = Path(tmp) / "base.db", Path(tmp) / "full.db"
        asyncio.run(build(base_path, BASELINE, digest_percent))
        insert_s = asyncio.run(build(full_path, FULL, digest_percent))
        probes = [
            # each probe polls the medals once: a copy each, or the second would find them
            # applied already (stale) and route nothing
            Probe(
                count,
                run_probe(copy(path, "traced"), count, True),
                run_probe(copy(path, "untraced"), count, False),
            )
            for path, count in ((base_path, BASELINE), (full_path, FULL))
        ]
        return probes[0], probes[1], insert_s


def copy(path: Path, suffix: str) -> Path:
    """A copy of a closed SQLite database (closing it checkpointed its WAL)."""
    target = path.with_name(f"{path.stem}-{suffix}.db")
    shutil.copyfile(path, target)
    return target


def digests(count: int, digest_percent: int) -> int:
    return sum(has_digest(i, digest_percent) for i in range(count))


def main(digest_percent: int = DIGEST_PERCENT) -> bool:
    logging.disable(logging.WARNING)
    load_before = load_note()
    try:
        base, full, insert_s = measure(digest_percent)
    finally:
        logging.disable(logging.NOTSET)
    guilds = len(guild_ids(FULL))
    print(
        f"{FULL:,} subscriptions in {guilds:,} servers (inserted through the store in "
        f"{insert_s:.0f} s), baseline {BASELINE:,}; {digest_percent}% with a daily digest; "
        f"SQLite; each measured in a fresh process"
    )
    for p in (base, full):
        print(
            f"  {p.count:>7,}: traced: held {mib(p['held'])}, start-up peak "
            f"{mib(p['startup_peak'])}, poll peak {mib(p['poll_peak'])}; untraced: resident "
            f"{mib(p.untraced['rss_poll'] * 1024)}, peak {mib(p.untraced['hwm_poll'] * 1024)}; "
            f"{p.untraced['deliveries']:,} deliveries queued in {p.untraced['poll_s']:.2f} s "
            f"(event loop held up to {p.untraced['max_lag_s'] * 1e3:.0f} ms)"
        )
    t_full, t_base, r_full, r_base = full.traced, base.traced, full.untraced, base.untraced
    held = per_sub(t_full, t_base, "held")
    startup = per_sub(t_full, t_base, "startup_peak")
    peak = per_sub(t_full, t_base, "poll_peak")
    rss_ready = per_sub(r_full, r_base, "rss_ready", 1024)
    rss_peak = per_sub(r_full, r_base, "hwm_poll", 1024)
    print(f"per subscription ({FULL:,} minus {BASELINE:,}, divided by the difference):")
    print(f"  traced Python memory held while running:  {held:6.0f} B")
    print(f"  traced peak at start-up:                  {startup:6.0f} B")
    print(f"  traced peak while an alert is routed:     {peak:6.0f} B")
    print(f"  resident set after start-up (untraced):   {rss_ready:6.0f} B")
    print(f"  resident peak, start-up and poll:         {rss_peak:6.0f} B")
    with_digest = digests(FULL, digest_percent) - digests(BASELINE, digest_percent)
    worst = max(held, startup, peak, rss_ready, rss_peak)
    if with_digest:
        # the scheduler's jobs and whatever indexes them, per subscription with a digest
        per_digest = (full["digest_bytes"] - base["digest_bytes"]) / with_digest
        print(
            f"  digest schedule: {full['digest_jobs']:,} jobs for "
            f"{digests(FULL, digest_percent):,} subscriptions with a digest, "
            f"{per_digest:,.0f} B per such subscription, traced"
        )
        others = worst - with_digest / (FULL - BASELINE) * per_digest
        if per_digest > 0:
            share = f"{min(1.0, max(0.0, (TARGET_BYTES - others) / per_digest)):.0%}"
        else:
            share = "100%"
        print(
            f"  without the digest schedule the worst of these is {others:,.0f} B; the goal "
            f"holds while at most {share} of subscriptions have a digest"
        )
    ratio = full["poll_peak"] / base["poll_peak"]
    print(f"ratio: {FULL // BASELINE}x the subscriptions of the baseline, {ratio:.1f}x its peak")
    print(f"{load_before} at the start; {load_note()} at the end")
    met = worst <= TARGET_BYTES
    print(
        f"goal: at most {TARGET_BYTES} B per subscription (held and peaks, traced and resident): "
        f"{'PASS' if met else 'MISS'}"
    )
    return met


def cli() -> bool:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument(
        "--digest-percent",
        type=int,
        default=DIGEST_PERCENT,
        choices=range(101),
        metavar="0-100",
        help=f"how many subscriptions in a hundred have a daily digest (default {DIGEST_PERCENT})",
    )
    return main(parser.parse_args().digest_percent)


if __name__ == "__main__":
    raise SystemExit(0 if cli() else 1)
