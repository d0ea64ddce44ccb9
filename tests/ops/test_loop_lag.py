from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import generate_latest

from medalbot.ops.loop_lag import LoopLagMonitor
from medalbot.ops.metrics import BotMetrics
from tests.ops.promtext import value


async def test_a_blocked_loop_is_measured_as_lag() -> None:
    metrics = BotMetrics()
    monitor = LoopLagMonitor(metrics.observe_loop_lag, interval=0.05)
    monitor.start()
    try:
        # Once a measurement is in, the monitor's next timer is already scheduled.
        calm = await asyncio.wait_for(monitor.next_measurement(), timeout=2)
        time.sleep(0.2)  # block the loop, as a synchronous call in a coroutine would  # noqa: ASYNC251
        blocked = await asyncio.wait_for(monitor.next_measurement(), timeout=2)
    finally:
        await monitor.stop()

    assert calm < 0.1
    assert blocked >= 0.15
    text = generate_latest(metrics.registry).decode()
    assert value(text, "medalbot_event_loop_lag_seconds") == pytest.approx(blocked)
    assert value(text, "medalbot_event_loop_lag_distribution_seconds_bucket", le="0.1") == 1
    assert value(text, "medalbot_event_loop_lag_distribution_seconds_count") == 2


async def test_a_blocked_loop_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    lags: list[float] = []
    monitor = LoopLagMonitor(lags.append, interval=0.02, warn_after=0.1)
    monitor.start()
    try:
        await asyncio.wait_for(monitor.next_measurement(), timeout=2)
        time.sleep(0.15)  # noqa: ASYNC251
        await asyncio.wait_for(monitor.next_measurement(), timeout=2)
    finally:
        await monitor.stop()
    assert [lag >= 0.1 for lag in lags] == [False, True]
    assert "event loop blocked" in caplog.text


async def test_stop_ends_the_measurements() -> None:
    monitor = LoopLagMonitor(lambda _lag: None, interval=0.01)
    assert monitor.last_lag is None
    monitor.start()
    await asyncio.wait_for(monitor.next_measurement(), timeout=2)
    await monitor.stop()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(monitor.next_measurement(), timeout=0.1)
