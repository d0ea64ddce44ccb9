"""Values for store tests: feed states, alerts of every kind, outbox rows, at fixed times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    NocTally,
    RecordAlert,
    RecordMark,
    RecordSet,
)
from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Medal,
    RecordFlag,
    Result,
    Snapshot,
)
from medalbot.domain.state import AnnouncedMedal, AnnouncedRecord, EventLedger, GamesState
from medalbot.domain.subscriptions import NewDelivery
from medalbot.store.base import NewSubscription

GAMES = "MILANO2026"
T0 = datetime(2026, 2, 9, 9, 0, tzinfo=UTC)
GUILD = 111_111_111_111_111_111  # 64-bit snowflakes, as Discord sends them
OTHER_GUILD = 222_222_222_222_222_222
CHANNEL = 9_000_000_000_000_000_001
OTHER_CHANNEL = 9_000_000_000_000_000_002


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def state(sequence: int, games: str = GAMES, *, ledger_alert: str | None = None) -> GamesState:
    """A Games with one event in progress; ``ledger_alert`` records one announced gold."""
    gold = Result(
        competitor=Competitor(name="Joy Beune", noc="NED"),
        rank=1,
        mark="1:54.09",
        medal=Medal.GOLD,
        records=(RecordFlag(type="OR"),),
    )
    snapshot = Snapshot(
        format="medalbot.feed/1",
        games=GamesInfo(code=games, name=f"Games {games}"),
        sequence=sequence,
        generated_at=at(sequence),
        events=(
            Event(
                code="SSKW1500M",
                sport="Speed Skating",
                name="Women's 1500m",
                gender="W",
                status=EventStatus.RUNNING,
                start=T0,
                results=(gold,),
            ),
        ),
    )
    ledger: dict[str, EventLedger] = {}
    if ledger_alert is not None:
        won = MedalWon(medal=Medal.GOLD, noc="NED", name="Joy Beune")
        record = RecordSet(type="OR", mark="1:54.09", noc="NED", name="Joy Beune")
        ledger["SSKW1500M"] = EventLedger(
            medals=(AnnouncedMedal(medal=won, alert_id=ledger_alert),),
            records=(
                AnnouncedRecord(
                    record=record, alert_id=ledger_alert, set_at=at(sequence), sequence=sequence
                ),
            ),
        )
    return GamesState(snapshot=snapshot, ledger=ledger)


def medal_alert(alert_id: str, games: str = GAMES, sequence: int = 1) -> MedalAlert:
    won = MedalWon(medal=Medal.GOLD, noc="NED", name="Joy Beune")
    return MedalAlert(
        id=alert_id,
        games=games,
        event="SSKW1500M",
        sequence=sequence,
        detected_at=at(sequence),
        sport="Speed Skating",
        event_name="Women's 1500m",
        event_status=EventStatus.RUNNING,
        medals=(won,),
        podium=(won,),
        tallies=(NocTally(noc="NED", gold=1),),
    )


def record_alert(alert_id: str, games: str = GAMES, sequence: int = 1) -> RecordAlert:
    return RecordAlert(
        id=alert_id,
        games=games,
        event="SSKW1500M",
        sequence=sequence,
        detected_at=at(sequence),
        sport="Speed Skating",
        event_name="Women's 1500m",
        event_status=EventStatus.RUNNING,
        record=RecordSet(
            type="OR",
            mark="1:54.09",
            noc="NED",
            name="Joy Beune",
            beats=RecordMark(mark="1:54.28", noc="NED", name="Ireen Wüst", date="2018-02-12"),
        ),
    )


def correction_alert(alert_id: str, corrects: str, games: str = GAMES) -> CorrectionAlert:
    before = MedalWon(medal=Medal.SILVER, noc="JPN", name="Miho Takagi")
    after = MedalWon(medal=Medal.BRONZE, noc="JPN", name="Miho Takagi")
    return CorrectionAlert(
        id=alert_id,
        games=games,
        event="SSKW1500M",
        sequence=3,
        detected_at=at(3),
        sport="Speed Skating",
        event_name="Women's 1500m",
        event_status=EventStatus.PROTESTED,
        before=(before,),
        after=(after,),
        corrects=(corrects,),
    )


def delivery(
    alert: Alert | str,
    channel_id: int = CHANNEL,
    *,
    priority: int = 1,
    subscription_id: int = 1,
    guild_id: int = GUILD,
    nonce: str | None = None,
) -> NewDelivery:
    alert_id = alert if isinstance(alert, str) else alert.id
    return NewDelivery(
        alert_id=alert_id,
        subscription_id=subscription_id,
        guild_id=guild_id,
        channel_id=channel_id,
        priority=priority,
        nonce=nonce or f"{alert_id}:{channel_id % 10_000}"[:25],
    )


def subscription(
    channel_id: int = CHANNEL,
    noc: str | None = None,
    sport: str | None = None,
    *,
    guild_id: int = GUILD,
    golds_only: bool = False,
    records: bool = True,
    role_id: int | None = None,
    spoiler_safe: bool = False,
) -> NewSubscription:
    return NewSubscription(
        spoiler_safe=spoiler_safe,
        guild_id=guild_id,
        channel_id=channel_id,
        noc=noc,
        sport=sport,
        golds_only=golds_only,
        records=records,
        role_id=role_id,
    )
