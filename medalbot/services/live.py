"""The current state of each Games, kept in memory so fans' commands never wait on the
database or on a running fan-out."""

from __future__ import annotations

from medalbot.domain.models import EventStatus
from medalbot.domain.state import GamesState


class LiveState:
    def __init__(self, *, carries_records: bool = True) -> None:
        self._games: dict[str, GamesState] = {}
        self._current: str | None = None
        self._carries_records = carries_records

    @property
    def carries_records(self) -> bool:
        """Whether the feeds followed can announce records at all (``FeedFormat``'s
        ``carries_records``): when none can, fans and moderators are told so."""
        return self._carries_records

    def get(self, games_code: str) -> GamesState | None:
        return self._games.get(games_code)

    @property
    def current(self) -> GamesState | None:
        """The Games most recently updated (medalbot follows one Games at a time)."""
        return self._games.get(self._current) if self._current else None

    def set(self, state: GamesState) -> None:
        self._games[state.games_code] = state
        self._current = state.games_code

    def is_official(self, games_code: str, event_code: str) -> bool:
        """Whether the event's result is official in the latest state applied."""
        state = self._games.get(games_code)
        ledger = state.ledger.get(event_code) if state is not None else None
        return ledger is not None and ledger.status is EventStatus.OFFICIAL
