from __future__ import annotations

import pytest

from medalbot.ops.window import SlidingWindowCounter
from tests.ops.fakes import FakeClock


def test_counts_events_until_they_leave_the_window() -> None:
    clock = FakeClock()
    window = SlidingWindowCounter(600.0, clock=clock)
    window.add()
    clock.now += 300
    assert window.add(2) == 3
    clock.now += 299
    assert window.count() == 3
    clock.now += 2  # the first event is now over 600 s old
    assert window.count() == 2
    clock.now += 300
    assert window.count() == 0


def test_a_storm_is_kept_in_a_bounded_number_of_buckets() -> None:
    clock = FakeClock()
    window = SlidingWindowCounter(600.0, clock=clock)
    for _ in range(6000):  # 10 per second for 10 minutes
        window.add()
        clock.now += 0.1
    assert window.count() == 6000
    assert len(window._buckets) <= 601


def test_rejects_a_useless_window() -> None:
    with pytest.raises(ValueError):
        SlidingWindowCounter(0)
