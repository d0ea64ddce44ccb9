"""``medalbot demo`` as a person watches it: before anything plays it says what is real, and
every message about an invented event says it is fictional."""

from __future__ import annotations

import pytest
from rich.console import Console

from medalbot.demo import run_demo

pytestmark = pytest.mark.e2e


async def test_the_demo_says_what_is_real_before_it_plays() -> None:
    console = Console(record=True, width=200, color_system=None)
    assert await run_demo(speed=50.0, console=console) == 0
    shown = console.export_text()
    banner = shown.index("Every other event of this day is fictional")
    assert "Only the women's 1000 m speed skating is real" in shown[:banner]
    assert banner < shown.index("#oranje") and banner < shown.index("#golds")
    # #golds shows every gold: the real 1000 m's, and invented ones, each labelled
    assert "Jutta LEERDAM" in shown
    for event in (
        "Men's Team Combined (fictional)",
        "Mixed 4x6km Relay (fictional)",
        "Mixed Doubles (fictional)",
        "Men's Normal Hill Individual (fictional)",
        "Short Track Speed Skating · Men's 1000m (fictional)",  # the correction, the last alert
    ):
        assert event in shown, event
    assert "Women's 1000m (fictional)" not in shown
