"""The medal race as a PNG, drawn with Pillow for a phone in dark mode.

Pillow draws it itself: no plotting library (matplotlib would add tens of MB and about a second
of import), and its bundled scalable font (``ImageFont.load_default(size=...)``) needs no font
files on the host. The picture is drawn at twice its size and scaled down, which smooths the
lines (Pillow's own lines are not anti-aliased). Called from a worker thread: it is CPU work.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Final

from babel.dates import format_skeleton
from PIL import Image, ImageDraw, ImageFont

from medalbot.domain.race import MedalRace
from medalbot.i18n import translator

WIDTH, HEIGHT = 1000, 680  # shown full width on a phone, so the labels stay large
SCALE: Final = 2  # drawn at this multiple, then scaled down (anti-aliasing)
BACKGROUND: Final = (49, 51, 56)  # Discord's dark theme behind an embed (#313338)
GRID: Final = (78, 80, 88)
TEXT: Final = (219, 222, 225)
MUTED: Final = (148, 155, 164)
# Distinct on a dark background, and told apart by the common colour-vision deficiencies
# (Okabe–Ito, brightened), then a few more for a tenth line.
COLOURS: Final = (
    (86, 180, 233),  # sky blue
    (230, 159, 0),  # orange
    (0, 200, 150),  # bluish green
    (240, 228, 66),  # yellow
    (204, 121, 167),  # reddish purple
    (255, 99, 71),  # vermilion
    (160, 160, 255),  # lavender
    (255, 255, 255),  # white
    (140, 220, 80),  # lime
    (255, 170, 200),  # pink
)
COMPRESS: Final = 3  # zlib level: a third of level 6's time for a few more KiB
LINE: Final = 7  # line width at the final size
LABEL: Final = 32  # axis labels
LEGEND: Final = 42  # legend entries


def colour_of(index: int) -> tuple[int, int, int]:
    return COLOURS[index % len(COLOURS)]


def race_png(race: MedalRace, *, locale: str) -> bytes:
    """The chart as PNG bytes: cumulative medals (y) per day of the Games (x), one line per
    nation, a legend with each NOC code and its count, in the series' order."""
    s = SCALE
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), BACKGROUND)
    draw = ImageDraw.Draw(image)
    label_font = ImageFont.load_default(size=LABEL * s)
    legend_font = ImageFont.load_default(size=LEGEND * s)

    top = _max_count(race)
    step = _nice_step(top)
    y_max = max(step, -(-top // step) * step)
    legend_width = max(
        (draw.textlength(f"{x.noc} {x.total}", font=legend_font) for x in race.series),
        default=0.0,
    )
    first_day = _day_label(race.days[0], locale) if race.days else ""
    left = 24 * s + max(
        draw.textlength(str(y_max), font=label_font),
        draw.textlength(first_day, font=label_font) / 2,
    )
    right = WIDTH * s - legend_width - 100 * s
    plot_top, bottom = 30 * s, HEIGHT * s - 70 * s

    def x_at(index: int) -> float:
        span = max(len(race.days) - 1, 1)
        return left + (right - left) * index / span

    def y_at(count: int) -> float:
        return bottom - (bottom - plot_top) * count / y_max

    for value in range(0, y_max + 1, step):
        y = y_at(value)
        draw.line([(left, y), (right, y)], fill=GRID, width=2 * s)
        draw.text((left - 12 * s, y), str(value), fill=MUTED, font=label_font, anchor="rm")
    for index in _day_ticks(len(race.days)):
        x = x_at(index)
        draw.line([(x, bottom), (x, bottom + 10 * s)], fill=GRID, width=2 * s)
        text = _day_label(race.days[index], locale)
        draw.text((x, bottom + 16 * s), text, fill=MUTED, font=label_font, anchor="mt")

    # the leader last, so its line is on top
    for index in reversed(range(len(race.series))):
        series = race.series[index]
        points = [(x_at(i), y_at(c)) for i, c in enumerate(series.cumulative)]
        colour = colour_of(index)
        if len(points) > 1:
            draw.line(points, fill=colour, width=LINE * s, joint="curve")
        if points:
            x, y = points[-1]
            r = LINE * s
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)

    row = LEGEND * s * 1.5
    legend_top = plot_top + (bottom - plot_top - row * len(race.series)) / 2
    for index, series in enumerate(race.series):
        y = legend_top + row * index + row / 2
        x = right + 40 * s
        draw.rounded_rectangle(
            [x, y - 6 * s, x + 22 * s, y + 6 * s], radius=3 * s, fill=colour_of(index)
        )
        label = f"{series.noc} {series.total}"
        draw.text((x + 32 * s, y), label, fill=TEXT, font=legend_font, anchor="lm")

    small = image.reduce(SCALE)  # box average of each SCALE × SCALE block: fast, smooth enough
    out = io.BytesIO()
    small.save(out, format="PNG", compress_level=COMPRESS)
    return out.getvalue()


def _max_count(race: MedalRace) -> int:
    return max((series.total for series in race.series), default=0)


def _nice_step(top: int) -> int:
    """A round grid step giving at most six lines up to ``top``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500):
        if top / step <= 6:
            return step
    return 1000


def _day_ticks(days: int) -> list[int]:
    """Which days get a label: at most eight, the first and the last always."""
    if days == 0:
        return []
    every = max(1, -(-(days - 1) // 7))
    ticks = list(range(0, days, every))
    if ticks[-1] != days - 1:
        if days - 1 - ticks[-1] < every / 2:
            ticks.pop()  # too close to the last day's label
        ticks.append(days - 1)
    return ticks


def _day_label(day: date, locale: str) -> str:
    """Day and month in digits, in the reader's order ("7/27", "27/7", "27.7."): the bundled
    font has no CJK glyphs, so no month names."""
    return format_skeleton("Md", day, locale=translator(locale).babel_locale)
