"""The native JSON feed: a good snapshot decodes into the domain model; every kind of bad body is
rejected whole with a reason an operator can act on."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from medalbot.domain.models import EventStatus, Medal, RecordFlag
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.native import encode_snapshot, parse_snapshot

FIXTURES = Path(__file__).parent / "fixtures" / "native"
GOOD = (FIXTURES / "snapshot.json").read_bytes()


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(GOOD)
    return loaded


def _with(change: Callable[[dict[str, Any]], None]) -> bytes:
    document = copy.deepcopy(_document())
    change(document)
    return json.dumps(document).encode()


def _reason(body: bytes, **kwargs: int) -> str:
    with pytest.raises(FeedRejected) as caught:
        parse_snapshot(body, **kwargs)
    return caught.value.reason


def test_good_snapshot_decodes_into_the_domain_model() -> None:
    snapshot = parse_snapshot(GOOD)

    assert snapshot.games.code == "OWG2026"
    assert snapshot.sequence == 412
    assert snapshot.generated_at.utcoffset() is not None
    assert snapshot.unranked_nocs == ("AIN",)
    assert [e.code for e in snapshot.events] == ["SSKW1000M", "SSKWTEAMPURSUIT", "ALPWDH"]
    skating = snapshot.events[0]
    assert skating.status is EventStatus.OFFICIAL
    assert [(r.competitor.name, r.medal) for r in skating.results[:3]] == [
        ("Jutta LEERDAM", Medal.GOLD),
        ("Femke KOK", Medal.SILVER),
        ("Miho TAKAGI", Medal.BRONZE),
    ]
    assert skating.results[0].records == (RecordFlag(type="OR"),)
    assert skating.results[3].status == "DNF" and skating.results[3].rank is None
    team = snapshot.events[1].results[0]
    assert team.competitor.members == ("Miho TAKAGI", "Ayano SATO", "Momoka HORIKAWA")
    assert team.records == (RecordFlag(type="OR", equalled=True),)
    assert snapshot.events[2].medal_event is True and snapshot.events[2].results == ()
    assert snapshot.standing_records[0].holder.name == "Miho TAKAGI"


def test_encoding_round_trips() -> None:
    snapshot = parse_snapshot(GOOD)
    assert parse_snapshot(encode_snapshot(snapshot)) == snapshot


def test_byte_order_mark_and_unknown_fields_are_tolerated() -> None:
    body = b"\xef\xbb\xbf" + _with(lambda d: d.update(producer="some-new-field"))
    assert parse_snapshot(body).sequence == 412


def test_truncated_json_is_rejected() -> None:
    reason = _reason(GOOD[:812])
    assert reason == "not JSON: input data was truncated (the body ends after 812 bytes)"


def test_malformed_json_is_rejected() -> None:
    reason = _reason(GOOD.replace(b'"sequence": 412', b'"sequence": 412,,', 1))
    assert reason == "not JSON: JSON is malformed: object keys must be strings (byte 114)"


def test_html_error_page_is_rejected_as_html() -> None:
    reason = _reason((FIXTURES / "error_page.html").read_bytes())
    assert reason == (
        "got an HTML page, not a feed (starts with '<!DOCTYPE html> <html><head><title>502 B')"
    )


def test_xml_is_rejected_as_markup() -> None:
    reason = _reason(b'<?xml version="1.0"?><OdfBody DocumentType="DT_RESULT"/>')
    assert reason.startswith("got XML or other markup, not a JSON feed")


def test_empty_body_is_rejected() -> None:
    assert _reason(b"  \n") == "empty body, not a feed"


def test_a_json_array_is_not_a_feed() -> None:
    assert _reason(b"[1, 2]") == "not a feed: expected `object`, got `array`"


def test_wrong_format_tag_is_named() -> None:
    reason = _reason(_with(lambda d: d.update(format="medalbot.feed/2")))
    assert reason == "wrong format tag 'medalbot.feed/2' (expected 'medalbot.feed/1')"


def test_missing_format_tag_is_named() -> None:
    reason = _reason(_with(lambda d: d.pop("format")))
    assert reason == "no format tag (expected 'medalbot.feed/1')"


def test_wrong_type_names_the_field() -> None:
    reason = _reason(_with(lambda d: d.update(sequence="412")))
    assert reason == "sequence: expected `int`, got `str`"


def test_bad_noc_names_the_path_and_the_value() -> None:
    def bad_noc(d: dict[str, Any]) -> None:
        d["events"][0]["results"][1]["competitor"]["noc"] = "NE"

    reason = _reason(_with(bad_noc))
    assert reason == "events[0].results[1].competitor.noc: expected a three-letter NOC, got 'NE'"


def test_missing_required_field_names_the_object() -> None:
    reason = _reason(_with(lambda d: d["events"][1].pop("status")))
    assert reason == "events[1]: object missing required field `status`"


def test_unknown_status_is_named() -> None:
    reason = _reason(_with(lambda d: d["events"][0].update(status="finished")))
    assert reason == "events[0].status: invalid enum value 'finished'"


def test_time_without_offset_is_rejected() -> None:
    reason = _reason(_with(lambda d: d.update(generated_at="2026-02-09T17:41:05")))
    assert reason == (
        "generated_at: expected `datetime` with a timezone component, got '2026-02-09T17:41:05'"
    )


def test_oversized_body_is_rejected_before_decoding() -> None:
    twenty_mib = GOOD[:-2] + b', "padding": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    assert _reason(twenty_mib).startswith("body larger than 5 MiB (20 MiB)")


def test_size_cap_is_configurable() -> None:
    assert (
        _reason(GOOD, max_bytes=100) == f"body larger than 100 bytes ({len(GOOD) / 1024:.1f} KiB)"
    )


def test_repeated_event_code_is_rejected() -> None:
    def repeat(d: dict[str, Any]) -> None:
        d["events"][2]["code"] = "SSKW1000M"

    assert _reason(_with(repeat)) == "events[2].code 'SSKW1000M' repeats events[0].code"


def test_end_before_start_is_rejected() -> None:
    reason = _reason(_with(lambda d: d["events"][0].update(end="2026-02-09T15:00:00+01:00")))
    assert reason == (
        "events[0] (SSKW1000M): end 2026-02-09T15:00:00+01:00 is before start "
        "2026-02-09T16:30:00+01:00"
    )


def test_medal_on_a_disqualified_result_is_rejected() -> None:
    reason = _reason(_with(lambda d: d["events"][0]["results"][2].update(status="DSQ")))
    assert reason == "events[0].results[2] (SSKW1000M, Miho TAKAGI): a bronze medal on a DSQ result"
