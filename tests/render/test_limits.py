"""The one fitter of Discord's limits, at the exact boundaries, with characters outside the
Basic Multilingual Plane: Discord counts JavaScript string length, so an emoji such as 🥇 is
2 units and a flag (two regional indicators) 4, where Python's ``len`` sees 1 and 2."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from medalbot.render.limits import Card, CardField, fit_card, fit_lines, fit_message, to_embed
from medalbot.render.text import utf16_len
from tests.render.discord_limits import assert_embeds_fit, embed_units

GOLD = "🥇"  # 2 units
FLAG = "🇳🇱"  # 4 units


def test_astral_characters_count_as_discord_counts_them() -> None:
    assert (len(GOLD), utf16_len(GOLD)) == (1, 2)
    assert (len(FLAG), utf16_len(FLAG)) == (2, 4)


# --- one embed: description 4096, field value 1024 ---------------------------------------------


def test_a_description_of_exactly_4096_units_is_kept_whole() -> None:
    description = GOLD * 2000 + FLAG * 24  # 4000 + 96
    card = fit_card(Card(title="t", colour=0, description=description))
    assert card.description == description
    assert utf16_len(to_embed(card).description or "") == 4096


def test_a_description_one_emoji_over_4096_units_is_cut_within_them() -> None:
    description = GOLD * 2049  # 4098 units, but only 2049 code points
    embed = to_embed(fit_card(Card(title="t", colour=0, description=description)))
    shown = embed.description or ""
    assert shown.endswith("…") and shown.removesuffix("…") == GOLD * 2047
    assert utf16_len(shown) == 4095  # one more emoji would be 4097
    assert_embeds_fit([embed])


def test_a_field_value_of_exactly_1024_units_is_kept_whole() -> None:
    value = FLAG * 256
    card = fit_card(Card(title="t", colour=0, fields=(CardField("Podium", value),)))
    assert card.fields[0].value == value


def test_a_field_value_over_1024_units_is_cut_without_halving_a_flag() -> None:
    value = "a" + FLAG * 256  # 1025 units
    embed = to_embed(fit_card(Card(title="t", colour=0, fields=(CardField("Podium", value),))))
    shown = str(embed.fields[0].value)
    assert shown == "a" + FLAG * 255 + "…"  # 1022 units: half a flag (2 more) would fit
    assert_embeds_fit([embed])


# --- the message: 6000 in all ------------------------------------------------------------------


def _card_of(units_in_footer: int) -> Card:
    """A card of 4096 + 2 + 1024 + 2 + ``units_in_footer`` units, all of them astral."""
    return Card(
        title=GOLD,
        colour=0,
        description=GOLD * 2048,
        fields=(CardField(GOLD, FLAG * 256),),
        footer=FLAG * (units_in_footer // 4) + GOLD * (units_in_footer % 4 // 2),
    )


def test_an_embed_of_exactly_6000_units_is_kept_whole() -> None:
    card = _card_of(6000 - 4096 - 2 - 1024 - 2)  # 876 units of footer
    assert card.size == 6000
    assert fit_card(card) == card
    assert embed_units(to_embed(fit_card(card))) == 6000


def test_an_embed_over_6000_units_is_cut_to_them() -> None:
    card = _card_of(878)  # 6002 units
    fitted = fit_card(card)
    assert 5996 <= fitted.size <= 6000  # only the longest text lost a few units
    assert fitted.description.endswith("…")
    assert (fitted.title, fitted.fields, fitted.footer) == (card.title, card.fields, card.footer)
    assert_embeds_fit([to_embed(fitted)])


def test_a_message_of_exactly_6000_units_keeps_every_embed_whole() -> None:
    cards = [Card(title=GOLD, colour=0, description=FLAG * 749)] * 2  # 2 x (2 + 2996)
    assert sum(c.size for c in cards) == 5996
    cards.append(Card(title=FLAG, colour=0))  # 4 more: 6000
    assert fit_message(cards) == cards


def test_a_message_over_6000_units_shares_the_cut() -> None:
    cards = [Card(title=GOLD, colour=0, description=FLAG * 750)] * 2  # 2 x 3002 units
    fitted = fit_message(cards)
    assert [c.size for c in fitted] == [2999, 2999]  # 3000 each; half a flag would be 3001
    assert_embeds_fit([to_embed(c) for c in fitted])


# --- lists of lines: whole lines and "… +N" ----------------------------------------------------


LINE = GOLD * 100  # 200 units, 100 code points


def test_lines_are_counted_in_units_and_the_count_of_the_rest_fits_too() -> None:
    # 5 lines and "… +15": 5 x 200 + 4 newlines + 1 + 5 = 1010 units. Counted in code points
    # less a margin of 40, as replies used to, a field of 1024 kept 9 of them: 1,814 units.
    assert fit_lines([LINE] * 20, 1010) == "\n".join([LINE] * 5 + ["… +15"])
    assert fit_lines([LINE] * 20, 1009) == "\n".join([LINE] * 4 + ["… +16"])
    assert utf16_len(fit_lines([LINE] * 20, 1024)) <= 1024


def test_lines_that_fit_exactly_are_all_kept_without_a_count() -> None:
    lines = [FLAG * 255, GOLD]  # 1020 + 1 + 2 = 1023 units
    assert fit_lines(lines, 1023) == f"{FLAG * 255}\n{GOLD}"
    assert fit_lines([GOLD * 2048], 4096) == GOLD * 2048


def test_the_count_grows_a_digit_and_still_fits() -> None:
    out = fit_lines([GOLD] * 150, 100)  # k lines: 3k - 1 units, then "\n… +1xx": 7
    assert out == "\n".join([GOLD] * 31 + ["… +119"])
    assert utf16_len(out) == 99


def test_a_first_line_too_long_for_the_limit_is_cut_not_dropped() -> None:
    out = fit_lines([FLAG * 300, "next"], 1024)
    first, more = out.split("\n")
    assert first == FLAG * 254 + "…" and more == "… +1"  # 1017 + 1 + 4 = 1022: no half flag
    assert fit_lines([FLAG * 300], 1024) == FLAG * 255 + "…"


def test_the_text_of_the_count_is_the_callers() -> None:
    out = fit_lines(["a" * 10] * 3, 22, lambda n: f"…and {n} more")
    assert out == "a" * 10 + "\n…and 2 more"


@settings(deadline=None)  # a slow CI machine must not turn timing into a failure
@given(
    st.lists(st.text(alphabet=["a", " ", "\n", GOLD, "\U0001f1f3", "\U0001f1f1"]), max_size=30),
    st.integers(min_value=10, max_value=400),
)
def test_lines_always_fit_and_whole_lines_are_kept_in_order(lines: list[str], limit: int) -> None:
    out = fit_lines(lines, limit)
    assert utf16_len(out) <= limit
    joined = "\n".join(lines)
    if utf16_len(joined) <= limit:
        assert out == joined
        return
    if len(lines) == 1:
        assert out.endswith("…")
        return
    body, _, count = out.rpartition("\n… +")
    kept = len(lines) - int(count)
    assert kept >= 1
    if body != "\n".join(
        lines[:kept]
    ):  # not even the first fitted whole: cut, and the rest counted
        assert kept == 1 and body.endswith("…") and lines[0].startswith(body[:-1])
