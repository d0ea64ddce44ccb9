"""The query service between Games: the table is final once the Games is over, and /schedule's
answer names the last Games and the configured next ones."""

from __future__ import annotations

from datetime import date, timedelta

from medalbot.domain.between_games import NextGames, Phase
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.models import EventStatus
from medalbot.domain.state import Applied
from medalbot.services.live import LiveState
from medalbot.services.queries import BetweenGames, QueryService
from tests.domain.factories import T0, G, event, result, snapshot

LA = NextGames(name="Los Angeles 2028", start=date(2028, 7, 14))


def service(status: EventStatus | None, *, days_later: int, next_games: NextGames | None = None):  # type: ignore[no-untyped-def]
    """Queries on a one-event Games (its final at 10:00 on T0's day), ``days_later``."""
    live = LiveState()
    if status is not None:
        snap = snapshot(1, event("E1", result("A", medal=G), status=status))
        outcome = apply_snapshot(None, snap)
        assert isinstance(outcome, Applied)
        live.set(outcome.state)
    return QueryService(live, clock=lambda: T0 + timedelta(days=days_later), next_games=next_games)


def test_the_table_is_final_once_the_games_is_over() -> None:
    assert service(EventStatus.OFFICIAL, days_later=2).medal_table().final
    assert not service(EventStatus.OFFICIAL, days_later=0).medal_table().final
    assert not service(EventStatus.UNOFFICIAL, days_later=2).medal_table().final


def test_between_games_names_the_last_and_the_next() -> None:
    over = service(EventStatus.OFFICIAL, days_later=2, next_games=LA)
    assert over.phase() is Phase.FINISHED
    assert over.between_games() == BetweenGames(
        last_games="Test Games 2026", finished=True, next_games=LA
    )
    assert service(EventStatus.RUNNING, days_later=2, next_games=LA).between_games() is None


def test_before_the_feed_is_read_only_configured_next_games_are_told() -> None:
    assert service(None, days_later=0).between_games() is None  # may be a live Games
    assert service(None, days_later=0, next_games=LA).between_games() == BetweenGames(
        last_games=None, finished=False, next_games=LA
    )


def test_next_games_that_have_started_are_not_announced_as_next() -> None:
    started = NextGames(name="Now", start=T0.date())
    info = service(EventStatus.OFFICIAL, days_later=2, next_games=started).between_games()
    assert info is not None and info.next_games is None
