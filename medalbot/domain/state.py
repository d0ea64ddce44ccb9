"""What medalbot remembers of a Games between snapshots: the last good snapshot and a ledger of
what was announced, per event. Change detection is a pure function from (state, snapshot)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from msgspec import Struct

from medalbot.domain.alerts import Alert, MedalWon, RecordSet
from medalbot.domain.models import EventStatus, Snapshot


class AnnouncedMedal(Struct, frozen=True):
    medal: MedalWon
    alert_id: str
    seen_at: datetime | None = None  # generated_at of the snapshot that first showed it


class AnnouncedRecord(Struct, frozen=True):
    record: RecordSet
    alert_id: str
    set_at: datetime  # generated_at of the snapshot that first showed it
    sequence: int
    superseded_at: datetime | None = None  # when a later record of the same type beat it
    withdrawn: bool = False  # its flag disappeared (announced as a correction)


class EventLedger(Struct, frozen=True):
    medals: tuple[AnnouncedMedal, ...] = ()
    records: tuple[AnnouncedRecord, ...] = ()  # in the order they were set, withdrawn ones kept
    status: EventStatus | None = None  # the event's status when last seen
    status_since: datetime | None = None  # generated_at of the snapshot that first showed it
    # whether the bot saw the event in another status before (so ``status_since`` is when the
    # status changed), or the first snapshot it read already showed it (a bot started late)
    status_change_seen: bool = False


class GamesState(Struct, frozen=True):
    snapshot: Snapshot  # the last snapshot applied
    ledger: dict[str, EventLedger]  # by event code

    @property
    def games_code(self) -> str:
        return self.snapshot.games.code

    @property
    def sequence(self) -> int:
        return self.snapshot.sequence


class Applied(Struct, frozen=True):
    """The snapshot was applied: the new state and what it revealed, in announcement order."""

    state: GamesState
    alerts: tuple[Alert, ...]


class Ignored(Struct, frozen=True):
    """The snapshot was not applied; the previous state stands."""

    kind: Literal["stale", "suspect", "other_games"]
    reason: str
