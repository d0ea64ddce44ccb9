"""One global rate limit shared by several processes through PostgreSQL
(medalbot.cluster.ratelimit): N OS processes, each with ``workers`` senders hammering its own
limiter (its own connection) for ``seconds``, at the default ``[delivery] global_rate`` (40/s).

Reported: the most grants in any sliding second, summed over the processes, by their slots on
the database server's clock (goal: at most the rate), the most requests they let go in any
sliding second, by when each sender was let go (at most 20 ms after its slot: the rate + 1), the
grants per second overall (goal: at least 97 % of the rate: more processes must not send slower
either; what is missing went to slots a process woke up too late for), and those slots.
Baseline in the same run: each process with its own local TokenBucket at the rate, as before
(N times the rate). Needs the
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


Measured = tuple[list[float], list[float], int]  # let go (monotonic), slots, late slots


async def _hammer(url: str | None, processes: int, until: float) -> Measured:
    limiter: SharedRateLimiter | TokenBucket
    slots: list[tuple[float, float]] = []  # (granted, monotonic; its slot, the server's clock)
    if url is None:
        limiter = TokenBucket(RATE, 10)
    else:
        limiter = SharedRateLimiter(url, RATE, processes=processes)
        limiter.on_grant = lambda slot_us: slots.append((time.monotonic(), slot_us / 1_000_000))
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
    return [s for s in stamps if s < until], [slot for at, slot in slots if at < until], late


def _process(url: str | None, processes: int, until: float) -> Measured:
    return asyncio.run(_hammer(url, processes, until))


def measure(url: str | None, processes: int, seconds: float) -> Measured:
    until = time.monotonic() + 1.0 + seconds  # a second for the processes to start
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        results = pool.starmap(_process, [(url, processes, until)] * processes)
    start = until - seconds
    # the slots of the grants let go from ``start`` on: the earliest of them is the first
    # slot to count (the server's clock is not this one)
    stamps = sorted(s for stamps, _, _ in results for s in stamps if s >= start)
    slots = sorted(slot for _, slots, _ in results for slot in slots)
    return stamps, slots[len(slots) - len(stamps) :], sum(late for _, _, late in results)


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
        shared, slots, late = measure(url, processes, seconds)
        local, _, _ = measure(None, processes, seconds)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    busiest = max_in_a_second(slots)
    rate = len(shared) / seconds
    print(
        f"{processes} processes x {WORKERS} senders, {seconds:g} s, rate {RATE:g}/s; {load_note()}"
    )
    print(
        f"shared through PostgreSQL: busiest sliding second {busiest} grants by their slots"
        f" (limit {RATE:g}), {max_in_a_second(shared)} requests let go;"
        f" {rate:.1f} grants/s overall, {late} slots unused (a process woke too late)"
    )
    print(
        f"baseline, a local TokenBucket per process: busiest second {max_in_a_second(local)}, "
        f"{len(local) / seconds:.1f} grants/s (ratio shared/baseline"
        f" {len(shared) / max(len(local), 1):.2f})"
    )
    met = busiest <= RATE and max_in_a_second(shared) <= RATE + 1 and rate >= RATE * 0.97
    verdict = "PASS" if met else "MISS"
    print(
        f"goal: at most {RATE:g} grants in any second ({RATE + 1:g} requests let go), at least"
        f" {RATE * 0.97:g}/s: {verdict}"
    )
    return met


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    raise SystemExit(0 if main(args.processes, args.seconds) else 1)
