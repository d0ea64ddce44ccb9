"""Cutting and cleaning text the way Discord will show it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medalbot.render.text import safe, strike, truncate, utf16_len


def test_text_that_fits_is_left_alone() -> None:
    assert truncate("Jutta LEERDAM", 13) == "Jutta LEERDAM"


def test_a_cut_ends_in_an_ellipsis_within_the_limit() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abcdef", 1) == "…"
    assert truncate("abcdef", 0) == ""


def test_lengths_count_utf16_units_and_a_flag_is_never_halved() -> None:
    assert utf16_len("🇳🇱") == 4
    assert truncate("🇳🇱🇳🇱🇳🇱", 6) == "🇳🇱…"
    assert truncate("a🇳🇱b", 4) == "a…"  # room for one regional indicator only: drop it


def test_a_cut_prefers_a_line_boundary() -> None:
    assert truncate("line one\nline two is long", 15) == "line one\n…"


def test_a_cut_closes_strikethrough_and_bold_innermost_first() -> None:
    assert truncate("~~struck through text~~", 12) == "~~struck…~~"
    assert truncate("**bold ~~both struck and bold~~**", 16) == "**bold ~~bo…~~**"


def test_a_cut_never_leaves_half_an_escape_or_half_a_timestamp() -> None:
    assert truncate(r"ab\*cd", 4) == "ab…"
    assert truncate("at <t:1770658865:R>", 10) == "at…"


def test_escaped_markers_do_not_count_as_open_pairs() -> None:
    assert truncate(r"a \*\* b c d e f g h", 10) == r"a \*\* b…"


@settings(deadline=None)  # a slow CI machine must not turn timing into a failure
@given(st.text(), st.integers(min_value=0, max_value=300))
def test_a_cut_is_always_within_the_limit(text: str, limit: int) -> None:
    assert utf16_len(truncate(text, limit)) <= limit


def test_safe_disarms_mentions() -> None:
    shown = safe("@everyone @here <@&123> <@456> <#789> <@12345678901234567>")
    assert "@everyone" not in shown and "@here" not in shown
    assert "<@" not in shown and "<#" not in shown
    assert (
        shown.replace("\u200b", "") == "@everyone @here <@&123> <@456> <#789> <@12345678901234567>"
    )


def test_safe_escapes_markdown() -> None:
    assert safe("**Bold** _x_ ~~s~~ `c` ||sp||") == r"\*\*Bold\*\* \_x\_ \~\~s\~\~ \`c\` \|\|sp\|\|"
    assert safe("[link](https://evil.example)") == r"\[link](https://evil.example)"  # no link


def test_safe_makes_one_clean_line() -> None:
    assert safe("Jutta\nLEERDAM\t\u202e\x07 ") == "Jutta LEERDAM"


def test_safe_shortens_before_escaping() -> None:
    shown = safe("_" * 300, 80)
    assert shown == "\\_" * 79 + "…"


def test_strike_keeps_indentation_outside_the_markers() -> None:
    assert strike("\u2003Ola NORDMANN") == "\u2003~~Ola NORDMANN~~"
    assert strike("") == ""
