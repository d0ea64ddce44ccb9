"""What fans read between Games: the final table's title, and /schedule's answer instead of an
empty list, in every language and within Discord's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from medalbot.domain.between_games import NextGames
from medalbot.i18n import SUPPORTED_LOCALES
from medalbot.render.replies import between_games_embed, medal_table_embed
from medalbot.services.queries import BetweenGames, MedalTable
from tests.render.discord_limits import assert_embeds_fit

LA = NextGames(name="Los Angeles 2028", start=date(2028, 7, 14))
START = int(datetime(2028, 7, 14, tzinfo=UTC).timestamp())
AS_OF = datetime(2026, 2, 22, 20, 0, tzinfo=UTC)


def table(*, final: bool) -> MedalTable:
    return MedalTable(
        games="Milano Cortina 2026", rows=(), order="medals", as_of=AS_OF, final=final
    )


def test_the_final_table_says_so() -> None:
    assert medal_table_embed(table(final=True), 0, locale="en").title == (
        "Final medal table · Milano Cortina 2026"
    )
    assert medal_table_embed(table(final=False), 0, locale="en").title == (
        "Medal table · Milano Cortina 2026"
    )
    assert medal_table_embed(table(final=True), 0, locale="de").title == (
        "Endgültiger Medaillenspiegel · Milano Cortina 2026"
    )


def test_schedule_between_games_in_english() -> None:
    ended = BetweenGames(last_games="Milano Cortina 2026", finished=True, next_games=LA)
    assert between_games_embed(ended, locale="en", title="T").description == (
        "Milano Cortina 2026 has ended: no medal events to come. /medals shows the final table."
        f"\n\nThe next Games, Los Angeles 2028, start on <t:{START}:D> (<t:{START}:R>)."
    )
    not_yet = BetweenGames(last_games="Milano Cortina 2026", finished=False, next_games=None)
    assert between_games_embed(not_yet, locale="en", title="T").description == (
        "Milano Cortina 2026 has not begun: no medal event is scheduled yet."
    )
    nothing = BetweenGames(last_games=None, finished=False, next_games=None)
    assert between_games_embed(nothing, locale="en", title="T").description == (
        "No Games is on right now."
    )
    only_next = BetweenGames(last_games=None, finished=False, next_games=LA)
    assert between_games_embed(only_next, locale="en", title="T").description == (
        f"The next Games, Los Angeles 2028, start on <t:{START}:D> (<t:{START}:R>)."
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_answer_between_games_fits_in_every_language(locale: str) -> None:
    long_name = NextGames(name="X" * 100, start=date(2028, 7, 14))
    for info in (
        BetweenGames(last_games="Milano Cortina 2026", finished=True, next_games=long_name),
        BetweenGames(last_games="Milano Cortina 2026", finished=False, next_games=LA),
        BetweenGames(last_games=None, finished=False, next_games=None),
    ):
        embed = between_games_embed(info, locale=locale, title="Medal events to come")
        assert_embeds_fit([embed])
        if info.next_games is not None:
            assert f"<t:{START}:D>" in (embed.description or "")
    assert_embeds_fit([medal_table_embed(table(final=True), 0, locale=locale)])
