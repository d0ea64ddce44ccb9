"""One global rate limit for the bot token, however many processes share it, held in PostgreSQL.

Discord's 50 requests/s is one limit per token; each process pacing itself at
``[delivery] global_rate`` would send that rate times the number of processes. Here every
grant is a slot of a GCRA (generic cell rate algorithm) on one row of ``rate_limits``: one
statement moves the row's theoretical arrival time (TAT) to ``GREATEST(tat, now) + spacing``
and returns how long the caller waits for its slot. The database server's clock is the only
clock (the processes' clocks never meet), and the row lock orders concurrent grants, so the
slots of all processes together are ``spacing`` apart.

The slots are ``1/rate`` apart (rounded up to the microsecond), so any sliding second of the
server's clock holds at most ``rate`` grants, and the processes together send at the rate, not
below it. A process is woken a little after its slot (the event loop, the network), never
before; a process that finds itself woken more than ``late_after`` (20 ms) after it (its
request's round trip plus its sleep's overshoot) leaves the slot unused and asks for another, so
requests leave at most 20 ms after their slots and any second of them holds at most
``rate + 1`` (41 at the default 40/s, under Discord's 50). An earlier version spaced the slots
``(1 + 20 ms) / rate`` apart to keep even that second under ``rate``: 2 % of the budget given
up, and 10,000 channels took 255 s at least instead of 250 s (bench/README.md). Each process
maps the server's clock onto its own from its quickest recent round trips (as NTP does), never
placing a slot early.

A process that cannot reach the database (an error, or no answer within ``timeout``) must
not burst: it falls back to a local bucket at its share of the headroom Discord leaves above
``rate`` (``(50 - rate) / processes``, at most ``rate / processes``): it cannot know whether
the others still take all of ``rate`` through the database (they do when only its connection
is slow), and ``rate / processes`` on top of theirs went past Discord's 50/s. It says so
(``degraded``, ``health()``) and tries the database again every ``retry_after`` seconds.
Within a process, waiters reserve their slots one at a time, best priority first (new posts
before edits), as with ``medalbot.delivery.ratelimit.TokenBucket``; each sleeps until its slot
while the next reserves, so a process holds at most one slot per waiting sender (its workers)
and one for an edit: a new post waits for at most those.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Final

import asyncpg

from medalbot.config import DeliverySettings
from medalbot.delivery.ratelimit import Monotonic, Priority, Sleep, TokenBucket, _PriorityLock

log = logging.getLogger(__name__)

GLOBAL_LIMIT: Final = "discord-global"  # the row of the bot token's global limit
LATE_AFTER_S: Final = 0.020
DISCORD_GLOBAL_LIMIT: Final = 50.0  # requests per second for one bot token, all processes
_NOW_US: Final = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint"
# clock_timestamp() is read after the row lock is granted: a grant that waited on another
# one's lock counts from when it got it.
_GRANT: Final = (
    f"UPDATE rate_limits SET tat = GREATEST(tat, {_NOW_US}) + $2 WHERE name = $1"
    f" RETURNING tat - $2 AS slot_us, {_NOW_US} AS now_us"
)
_CLOCK_SAMPLES: Final = 32  # recent round trips the server clock's offset is read from
_LATE_TRIES: Final = 4
_FAILURES: Final = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a connection cut in the middle of a statement
    OSError,
    TimeoutError,
)


class SharedRateLimiter:
    def __init__(
        self,
        dsn: str,
        rate: float,
        *,
        processes: int = 1,
        name: str = GLOBAL_LIMIT,
        late_after: float = LATE_AFTER_S,
        timeout: float = 2.0,  # a busy database is slow, not gone: waiting does not burst
        retry_after: float = 5.0,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0 or processes < 1:
            raise ValueError("rate must be positive and processes at least 1")
        self._dsn = dsn
        self.rate = rate
        self.processes = processes
        self.name = name
        self._spacing_us = math.ceil(1_000_000 / rate)  # never more than rate in a second
        self._late_after = late_after
        self._samples: deque[tuple[float, float]] = deque(maxlen=_CLOCK_SAMPLES)
        self._clock_error = 0.0  # how far off the server's clock may be read, at most
        self._timeout = timeout
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._sleep = sleep
        self._turn = _PriorityLock()
        self._edits_ahead = asyncio.Semaphore(1)
        # what this process may send alone while the others may still take all of ``rate``
        self.fallback_rate = max(min(rate, DISCORD_GLOBAL_LIMIT - rate), 1.0) / processes
        # burst 1: taking over from the shared limit never starts with a burst
        self._fallback = TokenBucket(self.fallback_rate, 1, monotonic=monotonic, sleep=sleep)
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None
        self._retry_at: float | None = None  # degraded until then
        self.degraded_since: float | None = None  # monotonic
        self.last_error: str | None = None
        self.granted = 0  # grants through the database
        self.fallback_granted = 0  # grants at the local share
        self.late = 0  # slots left unused: this process woke up too late for them
        self.late_granted = 0  # grants let go late after _LATE_TRIES late slots in a row
        # told each slot used, on the server's clock (µs): the one clock every process shares
        self.on_grant: Callable[[int], None] | None = None

    @property
    def degraded(self) -> bool:
        """Pacing at the local share: the database did not answer."""
        return self.degraded_since is not None

    @property
    def share(self) -> float:
        """The most this process may send per second now: the whole rate through the database
        (shared with the others), its share of it when degraded."""
        return self.fallback_rate if self.degraded else self.rate

    def health(self) -> dict[str, object]:
        """For /healthz and /metrics: where the budget comes from and this process's share."""
        return {
            "shared": not self.degraded,
            "rate": self.rate,
            "share": self.share,
            "processes": self.processes,
            "granted": self.granted,
            "fallback_granted": self.fallback_granted,
            "late_slots": self.late,
            "error": self.last_error if self.degraded else None,
        }

    async def acquire(self, priority: int = Priority.POST) -> None:
        if priority <= Priority.POST:
            await self._acquire(priority)
            return
        # Edits hold one slot ahead at most: a wave of them ("Official", one task per event)
        # reserving a slot each would put a new alert's post behind all of them.
        async with self._edits_ahead:
            await self._acquire(priority)

    async def _acquire(self, priority: int) -> None:
        for _ in range(_LATE_TRIES):
            # One reservation at a time on the connection, best priority first; the sleep
            # until the slot is outside it, so the next waiter reserves the following slot
            # meanwhile: a process never leaves a gap in the shared timeline while it waits
            # for the database (which a busy machine made 7 % of the rate).
            await self._turn.acquire(priority)
            try:
                degraded = self._retry_at is not None and self._monotonic() < self._retry_at
                reserved = None if degraded else await self._reserve()
            finally:
                self._turn.release()
            if reserved is None:  # degraded: the local share until the next try
                await self._fallback.acquire(priority)
                self.fallback_granted += 1
                return
            slot, slot_us = reserved
            wait = slot - self._monotonic()
            if wait > 0:
                await self._sleep(wait)
            # Woken more than ``late_after`` after its slot (a slow answer, a busy event
            # loop), this request would go out bunched with the next slots': its slot goes
            # unused and another is asked for.
            # (the slot is known within the quickest round trip: that much less leeway)
            if self._monotonic() - slot <= self._late_after - self._clock_error:
                self.granted += 1
                if self.on_grant is not None:
                    self.on_grant(slot_us)
                return
            self.late += 1
        # too late every time (an overloaded process): go, and count it
        self.granted += 1
        self.late_granted += 1

    async def _reserve(self) -> tuple[float, int] | None:
        """This grant's slot: on the monotonic clock (never early) and on the server's (in
        microseconds); None when the database failed."""
        try:
            async with asyncio.timeout(self._timeout):
                conn = await self._connection()
                asked = self._monotonic()
                row = await conn.fetchrow(_GRANT, self.name, self._spacing_us)
                answered = self._monotonic()
        except _FAILURES as exc:
            self._lost(exc)
            return None
        if row is None:  # the row is gone (a reset database): make it again
            self._lost(LookupError(f"no rate_limits row {self.name!r}"))
            await self._drop()
            return None
        if self.degraded:
            log.warning(
                "global rate limit: shared through the database again (at %.1f/s locally "
                "for %.1f s)",
                self.fallback_rate,
                self._monotonic() - (self.degraded_since or 0.0),
            )
        self._retry_at = self.degraded_since = None
        # The server read its clock between asked and answered: the answers that came back
        # quickest tell its offset from this process's monotonic clock best (within half
        # their round trip), as NTP does; the slot is placed that much later to be safe.
        now_s = int(row["now_us"]) / 1_000_000
        self._samples.append((answered - asked, now_s - (asked + answered) / 2))
        rtt, offset = min(self._samples)
        self._clock_error = rtt
        slot_us = int(row["slot_us"])
        return slot_us / 1_000_000 - offset + rtt / 2, slot_us

    async def _connection(self) -> asyncpg.Connection[asyncpg.Record]:
        if self._conn is None or self._conn.is_closed():
            conn = await asyncpg.connect(self._dsn)
            try:
                await conn.execute(
                    "INSERT INTO rate_limits (name, tat) VALUES ($1, 0)"
                    " ON CONFLICT (name) DO NOTHING",
                    self.name,
                )
            except BaseException:
                conn.terminate()
                raise
            self._conn = conn
        return self._conn

    def _lost(self, exc: BaseException) -> None:
        self.last_error = f"{type(exc).__name__}: {exc}"
        self._retry_at = self._monotonic() + self._retry_after
        if not self.degraded:
            self.degraded_since = self._monotonic()
            log.error(
                "global rate limit: the database is not answering (%s); pacing at this "
                "process's share, %.1f/s of %.1f/s, until it is back",
                self.last_error,
                self.fallback_rate,
                self.rate,
            )
        if self._conn is not None:
            self._conn.terminate()  # may be broken: start afresh at the next try
            self._conn = None

    async def _drop(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()


async def shared_limiter(
    delivery: DeliverySettings, store_url: str, processes: int
) -> SharedRateLimiter | None:
    """The shared limiter ``[delivery] shared_rate_limit`` asks for (None: the local bucket).
    Raises ValueError for a store that is not PostgreSQL; a URL of its own is migrated."""
    setting = delivery.shared_rate_limit
    if setting is False:
        return None
    url = store_url if setting is True else setting
    if url.partition("://")[0] not in ("postgresql", "postgres"):
        raise ValueError(
            f"[delivery] shared_rate_limit needs PostgreSQL (true: the store's), not {url!r}"
        )
    if setting is not True:
        from medalbot.store.postgres import PostgresStore

        await (await PostgresStore.open(url, max_size=1)).close()  # its rate_limits table
    return SharedRateLimiter(url, delivery.global_rate, processes=processes)
