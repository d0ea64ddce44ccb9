"""/medals race on the whole of Paris 2024: the data (medals per nation per day, from the state
of a bot that read the Games day by day) and the PNG of the ten nations with most medals, as the
worker thread makes them for one fan.

Baseline in the same run: the same-sized blank picture encoded as PNG, the floor any chart
of this size pays. Also shown: Pillow's import time (in a fresh interpreter), which a plotting
library would multiply. Goal: data and picture together well under a second; we ask 300 ms of
wall time, median of the runs, so a busy machine still answers in time.

The day bodies come from the test suite's generator (``tests/feeds/olympics_days.py``), so run
this from the repository's root.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Final

from PIL import Image

from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import GamesInfo
from medalbot.domain.race import MAX_NATIONS, games_time_zone, leading_nocs, medal_race
from medalbot.domain.state import Applied, GamesState
from medalbot.feeds.olympics.adapter import OlympicsAdapter
from medalbot.render.race_chart import BACKGROUND, COMPRESS, HEIGHT, SCALE, WIDTH, race_png
from tests.feeds.olympics_days import paris_days

RUNS: Final = 15
TARGET_MS: Final = 300.0


def wall_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def paris_state() -> GamesState:
    adapter = OlympicsAdapter(GamesInfo(code="OG2024", name="Paris 2024"))
    state: GamesState | None = None
    for day in paris_days():
        adapter(day.medallists_bytes())
        snapshot = adapter(day.medals_bytes())
        assert snapshot is not None
        outcome = apply_snapshot(state, snapshot)
        assert isinstance(outcome, Applied)
        state = outcome.state
    assert state is not None
    return state


def blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND).save(out, format="PNG", compress_level=COMPRESS)
    return out.getvalue()


def import_ms() -> float:
    code = "import time; t = time.perf_counter(); import PIL.ImageDraw, PIL.ImageFont; "
    code += "print((time.perf_counter() - t) * 1000)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> bool:
    state = paris_state()
    tz = games_time_zone("OG2024")
    nocs = leading_nocs(state, MAX_NATIONS)
    race = medal_race(state, nocs, tz=tz)

    data_ms = wall_ms(lambda: medal_race(state, nocs, tz=tz))
    draw_ms = wall_ms(lambda: race_png(race, locale="en"))
    total_ms = wall_ms(lambda: race_png(medal_race(state, nocs, tz=tz), locale="en"))
    baseline_ms = wall_ms(blank_png)
    png = race_png(race, locale="en")

    print(
        f"Paris 2024: {len(race.days)} days, {len(race.series)} nations, "
        f"{sum(s.total for s in race.series)} medals drawn; PNG {WIDTH}×{HEIGHT} "
        f"(drawn at ×{SCALE}), {len(png) / 1024:.0f} KiB"
    )
    print(f"data (medals per nation per day):     {data_ms:7.1f} ms (median of {RUNS})")
    print(f"picture (draw, scale down, encode):   {draw_ms:7.1f} ms")
    print(f"data + picture:                       {total_ms:7.1f} ms")
    print(f"blank PNG of the same size (baseline): {baseline_ms:6.1f} ms")
    print(f"ratio chart / blank PNG:              {total_ms / baseline_ms:7.1f}")
    print(f"(import PIL.ImageDraw + ImageFont, fresh interpreter: {import_ms():.0f} ms)")
    met = total_ms < TARGET_MS
    print(f"target: data and picture under {TARGET_MS:.0f} ms: {'met' if met else 'NOT met'}")
    return met


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
