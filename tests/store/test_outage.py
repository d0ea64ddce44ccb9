"""StoreOutage: one log line per outage, a probe with backoff, everyone resumes when it answers."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from medalbot.store.base import StoreError, StoreUnavailable
from medalbot.store.outage import StoreOutage
from medalbot.store.postgres import driver_error


class FlakyProbe:
    """A store read that fails ``failures`` times, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise StoreUnavailable("cannot connect to PostgreSQL: Connect call failed")


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


async def test_an_outage_is_said_once_probed_with_backoff_and_ends_by_itself(
    caplog: pytest.LogCaptureFixture,
) -> None:
    probe, sleep = FlakyProbe(failures=6), RecordingSleep()
    outage = StoreOutage(probe, first_retry=0.25, max_retry=2.0, sleep=sleep)
    caplog.set_level(logging.DEBUG, logger="medalbot.store.outage")
    assert not outage.down
    waiter = asyncio.create_task(outage.wait_up())
    await asyncio.sleep(0)
    assert waiter.done()  # up: nobody waits

    lost = StoreUnavailable("PostgreSQL error: connection was closed in the middle of operation")
    outage.lost(lost, "claiming deliveries")
    for doing in ("feed main: saving a snapshot", "instance 3: heartbeat"):
        outage.lost(lost, doing)  # the same outage, seen by the others
    assert outage.down and outage.outages == 1
    assert outage.reason == f"claiming deliveries: {lost}"
    await asyncio.wait_for(outage.wait_up(), timeout=5)

    assert not outage.down and outage.since is None and outage.reason is None
    assert probe.calls == 7 and outage.probes == 7
    # full jitter within a window that doubles up to the cap
    windows = [0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0]
    assert all(w / 2 <= d <= w for d, w in zip(sleep.delays, windows, strict=True)), sleep.delays
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelname for r in said] == ["ERROR", "WARNING"]  # lost once, back once
    assert "claiming deliveries" in said[0].getMessage()
    assert "answers again" in said[1].getMessage()

    outage.lost(lost, "posting a digest")  # a second outage is a new one
    assert outage.down and outage.outages == 2
    await outage.close()


async def test_whoever_waits_resumes_when_the_database_answers() -> None:
    answered = asyncio.Event()

    async def probe() -> None:
        await answered.wait()

    outage = StoreOutage(probe, first_retry=0.01, max_retry=0.01)
    outage.lost(StoreUnavailable("gone"), "claiming deliveries")
    waiters = [asyncio.create_task(outage.wait_up()) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert not any(w.done() for w in waiters)
    answered.set()
    await asyncio.wait_for(asyncio.gather(*waiters), timeout=5)
    await outage.close()


@pytest.mark.parametrize(
    ("exc", "unavailable"),
    [
        (asyncpg.ConnectionDoesNotExistError("connection was closed"), True),
        (asyncpg.InterfaceError("pool is closing"), True),
        (asyncpg.InternalClientError("unexpected connection_lost() call"), True),
        (asyncpg.AdminShutdownError("terminating connection due to administrator command"), True),
        (asyncpg.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.TooManyConnectionsError("too many clients already"), True),
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (TimeoutError(), True),
        (asyncpg.UniqueViolationError("duplicate key"), False),
        (asyncpg.InvalidPasswordError("password authentication failed"), False),
    ],
)
def test_what_a_lost_connection_looks_like_from_asyncpg(exc: Exception, unavailable: bool) -> None:
    error = driver_error(exc)
    assert isinstance(error, StoreError)
    assert isinstance(error, StoreUnavailable) is unavailable
    assert str(error).startswith("PostgreSQL error: ") and str(error) != "PostgreSQL error: "
