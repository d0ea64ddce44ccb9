"""The JSON kept in the TEXT columns, and how times are kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from medalbot.domain.alerts import Alert
from medalbot.store.codec import (
    alert_type,
    decode_alert,
    decode_state,
    encode_alert,
    encode_state,
)
from medalbot.store.times import from_epoch_us, to_epoch_us
from tests.store.builders import correction_alert, medal_alert, record_alert, state


@pytest.mark.parametrize(
    ("alert", "kind"),
    [
        (medal_alert("m1"), "medal"),
        (record_alert("r1"), "record"),
        (correction_alert("c1", corrects="m1"), "correction"),
    ],
)
def test_each_kind_of_alert_round_trips_with_its_tag(alert: Alert, kind: str) -> None:
    text = encode_alert(alert)

    assert json.loads(text)["type"] == kind
    assert alert_type(alert) == kind
    assert decode_alert(text) == alert
    assert type(decode_alert(text)) is type(alert)


def test_an_unknown_alert_kind_is_refused() -> None:
    text = encode_alert(medal_alert("m1")).replace('"type":"medal"', '"type":"podcast"')

    with pytest.raises(msgspec.ValidationError):
        decode_alert(text)


def test_state_round_trips_and_is_validated() -> None:
    saved = state(3, ledger_alert="m1")
    assert decode_state(encode_state(saved)) == saved

    broken = encode_state(saved).replace('"noc":"NED"', '"noc":"Netherlands"', 1)
    with pytest.raises(msgspec.ValidationError):
        decode_state(broken)


def test_times_are_kept_to_the_microsecond() -> None:
    moment = datetime(2026, 2, 9, 9, 0, 0, 123457, tzinfo=UTC)

    assert to_epoch_us(moment) == 1_770_627_600_123_457
    assert from_epoch_us(to_epoch_us(moment)) == moment
    assert from_epoch_us(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_other_offsets_are_the_same_instant() -> None:
    tokyo = timezone(timedelta(hours=9))
    moment = datetime(2026, 2, 9, 18, 0, tzinfo=tokyo)

    assert to_epoch_us(moment) == to_epoch_us(datetime(2026, 2, 9, 9, 0, tzinfo=UTC))


def test_naive_times_are_a_bug() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_epoch_us(datetime(2026, 2, 9, 9, 0))  # noqa: DTZ001 - naive on purpose
