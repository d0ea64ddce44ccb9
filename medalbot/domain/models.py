"""The Games as the feed describes them: one snapshot of every event and result.

These structs mirror the native feed (``docs/feeds.md``) field for field, so the
native adapter decodes straight into them and the constraints below are the validation.
They are frozen: a snapshot is a value, and change detection compares values.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Final, Literal

import msgspec
from msgspec import Meta, Struct

FEED_FORMAT: Final = "medalbot.feed/1"

Noc = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="three-letter NOC code")]
# Codes become database keys, and PostgreSQL text cannot hold a NUL character.
CODE_PATTERN: Final = r"^[^\x00]+$"
EventCode = Annotated[str, Meta(min_length=1, max_length=64, pattern=CODE_PATTERN)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
AwareDatetime = Annotated[datetime, Meta(tz=True)]
RecordType = Annotated[str, Meta(pattern=r"^[A-Z0-9]{1,8}$", description="OR, WR or another code")]
MAX_SEQUENCE: Final = 2**63 - 1  # the stores keep sequences in a BIGINT


class Medal(StrEnum):
    GOLD = "gold"
    SILVER = "silver"
    BRONZE = "bronze"

    @property
    def order(self) -> int:
        return _MEDAL_ORDER[self]


_MEDAL_ORDER: Final = {Medal.GOLD: 0, Medal.SILVER: 1, Medal.BRONZE: 2}


class EventStatus(StrEnum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    UNOFFICIAL = "unofficial"
    OFFICIAL = "official"
    PROTESTED = "protested"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"


Gender = Literal["M", "W", "X", "O"]
ResultStatus = Literal["DNS", "DNF", "DSQ"]


class Competitor(Struct, frozen=True, forbid_unknown_fields=False):
    """An athlete, or a team (``members`` lists its athletes)."""

    name: Name
    noc: Noc
    members: tuple[Name, ...] = ()


class RecordFlag(Struct, frozen=True):
    type: RecordType
    equalled: bool = False


class Result(Struct, frozen=True):
    competitor: Competitor
    rank: Annotated[int, Meta(ge=1)] | None = None
    mark: Annotated[str, Meta(max_length=64)] | None = None
    status: ResultStatus | None = None
    records: tuple[RecordFlag, ...] = ()
    medal: Medal | None = None


class Event(Struct, frozen=True):
    code: EventCode
    sport: Name
    name: Name
    gender: Gender
    status: EventStatus
    medal_event: bool = True
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    results: tuple[Result, ...] = ()


class GamesInfo(Struct, frozen=True):
    code: Annotated[str, Meta(min_length=1, max_length=32, pattern=CODE_PATTERN)]
    name: Name


class StandingRecord(Struct, frozen=True):
    """A record that stood before the Games, so an alert can say which mark was beaten."""

    event: EventCode
    type: RecordType
    mark: Annotated[str, Meta(min_length=1, max_length=64)]
    holder: Competitor
    date: str | None = None
    place: str | None = None


class Snapshot(Struct, frozen=True):
    """The whole state of one Games at one moment."""

    format: Literal["medalbot.feed/1"]
    games: GamesInfo
    sequence: Annotated[int, Meta(ge=0, le=MAX_SEQUENCE)]
    generated_at: AwareDatetime
    events: tuple[Event, ...]
    unranked_nocs: tuple[Noc, ...] = ()
    standing_records: tuple[StandingRecord, ...] = ()
    # How many medal events the Games has in all, from a feed that lists only those decided so
    # far (olympics.com's eventInfo.totalEvents); None when ``events`` lists them all.
    medal_events: Annotated[int, Meta(ge=0)] | None = None

    def event(self, code: str) -> Event | None:
        for event in self.events:
            if event.code == code:
                return event
        return None


def snapshot_to_json(snapshot: Snapshot) -> bytes:
    """The native feed form of a snapshot (what a producer serves)."""
    return msgspec.json.encode(snapshot)
