"""Small builders for snapshots in tests: only what a test cares about is spelled out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Medal,
    RecordFlag,
    Result,
    ResultStatus,
    Snapshot,
    StandingRecord,
)

GAMES = GamesInfo(code="TEST2026", name="Test Games 2026")
T0 = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)

G, S, B = Medal.GOLD, Medal.SILVER, Medal.BRONZE


def athlete(name: str, noc: str = "NED", *members: str) -> Competitor:
    return Competitor(name=name, noc=noc, members=tuple(members))


def result(
    name: str,
    noc: str = "NED",
    *,
    rank: int | None = None,
    mark: str | None = None,
    medal: Medal | None = None,
    records: tuple[str, ...] = (),
    equalled: tuple[str, ...] = (),
    members: tuple[str, ...] = (),
    status: ResultStatus | None = None,
) -> Result:
    flags = tuple(RecordFlag(type=t) for t in records) + tuple(
        RecordFlag(type=t, equalled=True) for t in equalled
    )
    return Result(
        competitor=Competitor(name=name, noc=noc, members=members),
        rank=rank,
        mark=mark,
        records=flags,
        medal=medal,
        status=status,
    )


def event(
    code: str,
    *results: Result,
    status: EventStatus = EventStatus.RUNNING,
    start_hour: int | None = 10,
    medal_event: bool = True,
    sport: str = "Speed Skating",
    name: str | None = None,
) -> Event:
    return Event(
        code=code,
        sport=sport,
        name=name or f"Event {code}",
        gender="W",
        status=status,
        medal_event=medal_event,
        start=None if start_hour is None else T0.replace(hour=start_hour),
        results=results,
    )


def snapshot(
    sequence: int,
    *events: Event,
    games: GamesInfo = GAMES,
    unranked: tuple[str, ...] = (),
    standing: tuple[StandingRecord, ...] = (),
) -> Snapshot:
    return Snapshot(
        format="medalbot.feed/1",
        games=games,
        sequence=sequence,
        generated_at=T0 + timedelta(minutes=sequence),
        events=events,
        unranked_nocs=unranked,
        standing_records=standing,
    )


def standing(event_code: str, type_: str, mark: str, name: str, noc: str) -> StandingRecord:
    return StandingRecord(
        event=event_code,
        type=type_,
        mark=mark,
        holder=Competitor(name=name, noc=noc),
        date="2022-02-17",
        place="Beijing",
    )
