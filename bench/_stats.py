"""Small helpers the benchmarks of games, latency and memory share."""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: int) -> float:
    """The ``pct``-th percentile (inclusive method: p100 is the maximum)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def load_note() -> str:
    """The machine's load, printed with the figures: the benchmarks share two cores."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"
