from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypedDict, Unpack

from medalbot.domain.alerts import CorrectionAlert, MedalAlert, MedalWon, RecordAlert, RecordSet
from medalbot.domain.models import EventStatus, Medal
from medalbot.domain.subscriptions import NewDelivery, Subscription
from medalbot.services.routing import (
    NONCE_LENGTH,
    PRIORITY_NATION,
    PRIORITY_OTHER,
    PRIORITY_URGENT,
    deliveries_for,
    delivery_nonce,
)
from tests.delivery.fixtures import AlertCommon as DeliveryAlertCommon

T = datetime(2026, 2, 9, 17, 0, tzinfo=UTC)


class AlertCommon(DeliveryAlertCommon):
    sequence: int


class SubscriptionOptions(TypedDict, total=False):
    noc: str | None
    sport: str | None
    golds_only: bool
    records: bool
    paused_reason: str | None
    spoiler_safe: bool


COMMON = AlertCommon(
    games="OWG2026",
    event="SSKW1000M",
    sequence=4,
    detected_at=T,
    sport="Speed Skating",
    event_name="Women's 1000m",
    event_status=EventStatus.UNOFFICIAL,
)


def medal_alert(*medals: MedalWon, alert_id: str = "m1") -> MedalAlert:
    return MedalAlert(id=alert_id, medals=medals, **COMMON)


def record_alert(noc: str = "NED", alert_id: str = "r1") -> RecordAlert:
    return RecordAlert(id=alert_id, record=RecordSet("OR", "1:12.59", noc, "Femke KOK"), **COMMON)


GOLD_NED = MedalWon(Medal.GOLD, "NED", "Jutta LEERDAM")
SILVER_NED = MedalWon(Medal.SILVER, "NED", "Femke KOK")
BRONZE_JPN = MedalWon(Medal.BRONZE, "JPN", "Miho TAKAGI")


def sub(sub_id: int, channel: int, **kw: Unpack[SubscriptionOptions]) -> Subscription:
    return Subscription(id=sub_id, guild_id=1, channel_id=channel, **kw)


def channels(rows: Sequence[NewDelivery]) -> list[int]:
    return sorted(r.channel_id for r in rows)


def test_nation_subscription_gets_its_nations_medals_only() -> None:
    subs = [sub(1, 10, noc="NED"), sub(2, 20, noc="JPN"), sub(3, 30, noc="USA")]
    rows = deliveries_for([medal_alert(GOLD_NED, SILVER_NED, BRONZE_JPN)], subs)
    assert channels(rows) == [10, 20]


def test_golds_only_ignores_a_bronze_and_takes_a_gold() -> None:
    subs = [sub(1, 10, golds_only=True), sub(2, 20, noc="JPN", golds_only=True)]
    assert channels(deliveries_for([medal_alert(BRONZE_JPN)], subs)) == []
    assert channels(deliveries_for([medal_alert(GOLD_NED, BRONZE_JPN)], subs)) == [10]


def test_records_off_drops_records_and_record_corrections() -> None:
    subs = [sub(1, 10, noc="NED", records=False), sub(2, 20, noc="NED")]
    correction = CorrectionAlert(
        id="c1", before=(RecordSet("OR", "1:12.59", "NED", "Femke KOK"),), after=(), **COMMON
    )
    assert channels(deliveries_for([record_alert()], subs)) == [20]
    assert channels(deliveries_for([correction], subs)) == [20]


def test_sport_filter_and_paused_subscription() -> None:
    subs = [
        sub(1, 10, sport="speed skating"),
        sub(2, 20, sport="Biathlon"),
        sub(3, 30, paused_reason="403"),
    ]
    assert channels(deliveries_for([medal_alert(GOLD_NED)], subs)) == [10]


def test_the_sport_filter_ignores_case_on_both_sides() -> None:
    subs = [sub(1, 10, sport="Speed Skating"), sub(2, 20, sport="SPEED SKATING")]
    assert channels(deliveries_for([medal_alert(GOLD_NED)], subs)) == [10, 20]


def test_a_channel_with_two_matching_subscriptions_gets_one_row() -> None:
    subs = [sub(1, 10), sub(2, 10, noc="NED")]
    rows = deliveries_for([medal_alert(SILVER_NED)], subs)
    assert len(rows) == 1
    assert rows[0].priority == PRIORITY_NATION and rows[0].subscription_id == 2


def test_priorities() -> None:
    everything, nation = sub(1, 10), sub(2, 20, noc="NED")
    assert {
        r.channel_id: r.priority
        for r in deliveries_for([medal_alert(SILVER_NED)], [everything, nation])
    } == {
        10: PRIORITY_OTHER,
        20: PRIORITY_NATION,
    }
    assert {r.priority for r in deliveries_for([record_alert()], [everything, nation])} == {
        PRIORITY_URGENT
    }
    assert {r.priority for r in deliveries_for([medal_alert(GOLD_NED)], [everything])} == {
        PRIORITY_URGENT
    }


def test_nonce_is_deterministic_short_and_distinct() -> None:
    a = delivery_nonce("alert-1", 10)
    assert a == delivery_nonce("alert-1", 10)
    assert len(a) <= NONCE_LENGTH
    assert len({delivery_nonce(f"alert-{i}", c) for i in range(200) for c in (10, 11)}) == 400


def test_a_channel_with_a_spoiler_safe_subscription_gets_its_copy_spoiler_safe() -> None:
    # the plain nation subscription is older and more urgent for a silver; the channel still
    # gets the spoiler-safe copy, as urgent as the nation subscription makes it
    plain, safe = sub(1, 10, noc="NED"), sub(2, 10, spoiler_safe=True)
    [row] = deliveries_for([medal_alert(SILVER_NED)], [plain, safe])
    assert (row.subscription_id, row.priority) == (2, PRIORITY_NATION)
    # without one, the most urgent (then the oldest) as before
    [row] = deliveries_for([medal_alert(SILVER_NED)], [plain, sub(2, 10)])
    assert (row.subscription_id, row.priority) == (1, PRIORITY_NATION)
    # a spoiler-safe subscription that does not want the alert carries nothing
    [row] = deliveries_for(
        [medal_alert(SILVER_NED)], [plain, sub(2, 10, noc="JPN", spoiler_safe=True)]
    )
    assert row.subscription_id == 1
