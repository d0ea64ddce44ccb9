"""Shared helpers for the feed tests: a hand-driven clock, a recording jitter, snapshot files."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from medalbot.domain.models import Snapshot
from medalbot.feeds.native import encode_snapshot, parse_snapshot

FIXTURES = Path(__file__).parent / "fixtures"


class FakeClock:
    """Monotonic seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingJitter:
    """Stands in for ``random.uniform``: always the top of the window, and remembers windows."""

    def __init__(self) -> None:
        self.windows: list[float] = []

    def __call__(self, low: float, high: float) -> float:
        assert low == 0.0
        self.windows.append(high)
        return high


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jitter() -> RecordingJitter:
    return RecordingJitter()


def base_snapshot() -> Snapshot:
    return parse_snapshot((FIXTURES / "native" / "snapshot.json").read_bytes())


def write_snapshots(directory: Path, sequences: list[int]) -> list[Path]:
    """One native snapshot file per sequence number, named like a producer would."""
    files = []
    for sequence in sequences:
        path = directory / f"snapshot-{sequence}.json"
        snapshot = msgspec.structs.replace(base_snapshot(), sequence=sequence)
        path.write_bytes(encode_snapshot(snapshot))
        files.append(path)
    return files
