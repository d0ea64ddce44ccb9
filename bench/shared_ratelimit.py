"""One global rate limit shared by several processes through PostgreSQL
(medalbot.cluster.ratelimit): N OS processes, each with ``workers`` senders hammering its own
limiter (its own connection) for ``seconds``, at the default ``[delivery] global_rate`` (40/s).

Reported: the most grants in any sliding second, summed over the processes (goal: at most the
rate), the grants per second overall (goal: at least 90 % of the rate, more processes must not
send slower either: 2 % go to the jitter margin, a few slots to late wake-ups), and the slots
left unused because a process woke up too late for them. Baseline in the same run: each
process with its own local TokenBucket at the rate, as before (N times the rate). Needs the
local PostgreSQL (MEDALBOT_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test);
makes and drops a database of its own.

    .venv/bin/python -m bench.shared_ratelimit [--processes 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
import uuid
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench._stats import load_note
from medalbot.cluster.ratelimit import SharedRateLimiter
from medalbot.delivery.ratelimit import TokenBucket
from medalbot.store import open_store

ADMIN_URL: Final = os.environ.get(
    "MEDALBOT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
RATE: Final = 40.0
WORKERS: Final = 8  # the sender's default [delivery] workers


def max_in_a_second(stamps: list[float]) -> int:
    ordered = sorted(stamps)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _hammer(url: str | None, processes: int, until: float) -> tuple[list[float], int]:
    limiter: SharedRateLimiter | TokenBucket
    if url is None:
        limiter = TokenBucket(RATE, 10)
    else:
        limiter = SharedRateLimiter(url, RATE, processes=processes)
    stamps: list[float] = []

    async def worker() -> None:
        while time.monotonic() < until:
            await limiter.acquire()
            stamps.append(time.monotonic())  # CLOCK_MONOTONIC: one clock for all processes

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    late = 0
    if isinstance(limiter, SharedRateLimiter):
        late = limiter.late
        await limiter.close()
    return [s for s in stamps if s < until], late


def _process(url: str | None, processes: int, until: float) -> tuple[list[float], int]:
    return asyncio.run(_hammer(url, processes, until))


def measure(url: str | None, processes: int, seconds: float) -> tuple[list[float], int]:
    until = time.monotonic() + 1.0 + seconds  # a second for the processes to start
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(_process, [(url, processes, until)] * processes)
    stamps = [s for stamps, _ in results for s in stamps]
    start = until - seconds
    return [s for s in stamps if s >= start], sum(late for _, late in results)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def main(processes: int = 3, seconds: float = 10.0) -> bool:
    name = f"medalbot_bench_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(ADMIN_URL)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:

        async def migrate() -> None:
            await (await open_store(url)).close()

        asyncio.run(migrate())
        shared, late = measure(url, processes, seconds)
        local, _ = measure(None, processes, seconds)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    busiest = max_in_a_second(shared)
    rate = len(shared) / seconds
    print(
        f"{processes} processes x {WORKERS} senders, {seconds:g} s, rate {RATE:g}/s; {load_note()}"
    )
    print(
        f"shared through PostgreSQL: busiest sliding second {busiest} grants (limit {RATE:g}), "
        f"{rate:.1f} grants/s overall, {late} slots unused (a process woke too late)"
    )
    print(
        f"baseline, a local TokenBucket per process: busiest second {max_in_a_second(local)}, "
        f"{len(local) / seconds:.1f} grants/s"
    )
    met = busiest <= RATE and rate >= RATE * 0.9
    verdict = "PASS" if met else "MISS"
    print(f"goal: at most {RATE:g} in any second, at least {RATE * 0.9:g}/s: {verdict}")
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    raise SystemExit(0 if main(args.processes, args.seconds) else 1)
