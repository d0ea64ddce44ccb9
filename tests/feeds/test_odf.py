"""ODF XML messages → snapshots: medallists, ties, teams, record flags, standing records, version
rules, test messages, and refusal of malformed or hostile XML."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from medalbot.domain.models import (
    Competitor,
    Event,
    EventStatus,
    GamesInfo,
    Medal,
    RecordFlag,
    Result,
    Snapshot,
    StandingRecord,
)
from medalbot.feeds.errors import FeedRejected
from medalbot.feeds.odf.accumulator import OdfAccumulator, OdfAdapter
from medalbot.feeds.poller import PollerSettings
from medalbot.feeds.server import ReplayFeedServer
from medalbot.feeds.sources import HttpFeedSource

ODF = Path(__file__).parent / "fixtures" / "odf"
AT = datetime(2022, 2, 17, 18, 0, tzinfo=UTC)
BEIJING = (
    "record_ssk.xml",
    "result_ssk_w1000m_live.xml",
    "result_ssk_w1000m_official.xml",
    "medallists_ssk_w1000m.xml",
    "result_ssk_wteampursuit_qf.xml",
    "result_ssk_wteampursuit_final_a.xml",
    "medallists_ssk_wteampursuit.xml",
    "result_ssk_w500m_equalled.xml",
    "result_ssk_m500m_startlist.xml",
)


def _xml(name: str) -> bytes:
    return (ODF / name).read_bytes()


def _accumulator(*names: str, games: str = "OWG2022") -> OdfAccumulator:
    accumulator = OdfAccumulator(games, "Beijing 2022" if games == "OWG2022" else "Tokyo 2020")
    for name in names:
        accumulator.ingest(_xml(name))
    return accumulator


def _event(snapshot: Snapshot, code: str) -> Event:
    event = snapshot.event(code)
    assert event is not None, f"no event {code} in {[e.code for e in snapshot.events]}"
    return event


def _podium(event: Event) -> list[tuple[Medal | None, int | None, str, str]]:
    return [
        (r.medal, r.rank, r.competitor.name, r.competitor.noc) for r in event.results if r.medal
    ]


def _reason(accumulator: OdfAccumulator, body: bytes) -> str:
    with pytest.raises(FeedRejected) as caught:
        accumulator.ingest(body)
    return caught.value.reason


def _batch(*bodies: bytes) -> bytes:
    """Several messages in one body, as an HTTP producer may serve them."""
    inner = b"".join(re.sub(rb"<\?xml[^>]*\?>", b"", body) for body in bodies)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n<OdfBatch>' + inner + b"</OdfBatch>"


def test_medallists_and_results_make_the_event() -> None:
    snapshot = _accumulator(*BEIJING).snapshot(412, AT)

    assert snapshot.games.code == "OWG2022" and snapshot.sequence == 412
    assert snapshot.generated_at == AT
    assert [e.code for e in snapshot.events] == [
        "SSKW1000M",
        "SSKWTEAMPURSUIT",
        "SSKW500M",
        "SSKM500M",
    ]
    event = _event(snapshot, "SSKW1000M")
    assert (event.sport, event.name, event.gender) == ("Speed Skating", "Women's 1000M", "W")
    assert event.status is EventStatus.OFFICIAL
    assert event.results == (
        Result(
            competitor=Competitor(name="Miho TAKAGI", noc="JPN"),
            rank=1,
            mark="1:13.19",
            records=(RecordFlag(type="OR"),),  # the PB indicator is not a record we announce
            medal=Medal.GOLD,
        ),
        Result(
            Competitor(name="Jutta LEERDAM", noc="NED"), rank=2, mark="1:13.83", medal=Medal.SILVER
        ),
        Result(
            Competitor(name="Brittany BOWE", noc="USA"), rank=3, mark="1:14.61", medal=Medal.BRONZE
        ),
        Result(Competitor(name="Lena VOGLER", noc="AUT"), status="DSQ"),
    )


def test_team_medallists_carry_their_members() -> None:
    event = _event(_accumulator(*BEIJING).snapshot(1, AT), "SSKWTEAMPURSUIT")

    gold = event.results[0]
    assert gold.medal is Medal.GOLD
    assert gold.competitor == Competitor(
        name="Canada",
        noc="CAN",
        members=("Ivanie BLONDIN", "Valérie MALTAIS", "Isabelle WEIDEMANN"),
    )
    assert _podium(event) == [
        (Medal.GOLD, 1, "Canada", "CAN"),
        (Medal.SILVER, 2, "Japan", "JPN"),
        (Medal.BRONZE, 3, "Netherlands", "NED"),
    ]
    assert event.results[2].competitor.members[1] == "Antoinette RIJPMA-DE JONG"


def test_a_record_set_in_an_earlier_round_keeps_its_own_mark() -> None:
    event = _event(_accumulator(*BEIJING).snapshot(1, AT), "SSKWTEAMPURSUIT")

    with_records = [
        (r.competitor.noc, r.mark, r.rank, r.records) for r in event.results if r.records
    ]

    assert with_records == [
        ("CAN", "2:53.44", 1, (RecordFlag(type="OR"),)),  # the final
        ("JPN", "2:53.61", None, (RecordFlag(type="OR"),)),  # the quarterfinal, unranked
    ]
    # Several finals (A and B) and no single deciding unit: only medallists are ranked.
    assert [(r.competitor.noc, r.rank) for r in event.results if not r.medal] == [
        ("ROC", None),
        ("JPN", None),
    ]


def test_two_golds_and_no_silver() -> None:
    event = _event(
        _accumulator("medallists_ath_m_highjump.xml", games="OG2020").snapshot(1, AT),
        "ATHMHIGHJUMP",
    )

    assert event.sport == "Athletics" and event.gender == "M"
    assert _podium(event) == [
        (Medal.GOLD, 1, "Mutaz Essa BARSHIM", "QAT"),
        (Medal.GOLD, 1, "Gianmarco TAMBERI", "ITA"),
        (Medal.BRONZE, 3, "Maksim NEDASEKAU", "BLR"),
    ]
    assert event.status is EventStatus.OFFICIAL


def test_two_bronzes() -> None:
    event = _event(
        _accumulator("medallists_jud_m73kg.xml", games="OG2020").snapshot(1, AT), "JUDM73KG"
    )

    assert _podium(event) == [
        (Medal.GOLD, 1, "Shohei ONO", "JPN"),
        (Medal.SILVER, 2, "Lasha SHAVDATUASHVILI", "GEO"),
        (Medal.BRONZE, 3, "Changrim AN", "KOR"),
        (Medal.BRONZE, 3, "Tsogtbaatar TSEND-OCHIR", "MGL"),
    ]


def test_an_equalled_record_is_flagged_as_equalled() -> None:
    event = _event(_accumulator(*BEIJING).snapshot(1, AT), "SSKW500M")

    assert event.status is EventStatus.UNOFFICIAL
    assert event.results[0].records == (RecordFlag(type="OR", equalled=True),)
    assert event.results[0].rank == 1 and event.results[0].mark == "36.94"


def test_standing_records_are_the_current_ones_of_the_announced_types() -> None:
    snapshot = _accumulator("record_ssk.xml").snapshot(1, AT)

    assert snapshot.events == ()
    assert [(r.event, r.type, r.mark, r.holder.name) for r in snapshot.standing_records] == [
        ("SSKW1000M", "WR", "1:11.61", "Brittany BOWE"),
        ("SSKW1000M", "OR", "1:13.56", "Jorien TER MORS"),  # the 2010 OR (Current="N") is gone
        ("SSKWTEAMPURSUIT", "OR", "2:53.89", "Japan"),
    ]  # the national record (NR) is not an announced type
    assert snapshot.standing_records[1] == StandingRecord(
        event="SSKW1000M",
        type="OR",
        mark="1:13.56",
        holder=Competitor(name="Jorien TER MORS", noc="NED"),
        date="2018-02-14",
        place="Gangneung",
    )


def test_record_types_are_configurable() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022", record_types={"OR", "PB", "NR"})
    accumulator.ingest(_xml("record_ssk.xml"))
    accumulator.ingest(_xml("result_ssk_w1000m_official.xml"))
    snapshot = accumulator.snapshot(1, AT)

    assert {r.type for r in snapshot.standing_records} == {"OR", "NR"}
    assert _event(snapshot, "SSKW1000M").results[0].records == (
        RecordFlag(type="OR"),
        RecordFlag(type="PB"),
    )


def test_event_status_follows_the_deciding_unit() -> None:
    accumulator = _accumulator("result_ssk_m500m_startlist.xml", "result_ssk_w1000m_live.xml")
    snapshot = accumulator.snapshot(1, AT)

    assert _event(snapshot, "SSKM500M").status is EventStatus.SCHEDULED
    live = _event(snapshot, "SSKW1000M")
    assert live.status is EventStatus.RUNNING
    assert [(r.rank, r.competitor.name, r.medal) for r in live.results] == [
        (1, "Jutta LEERDAM", None),
        (2, "Brittany BOWE", None),
    ]


def test_a_protest_on_any_unit_makes_the_event_protested() -> None:
    protested = _xml("result_ssk_wteampursuit_qf.xml").replace(
        b'Version="6" ResultStatus="OFFICIAL"', b'Version="7" ResultStatus="PROTESTED"'
    )
    accumulator = _accumulator(*BEIJING)

    assert accumulator.ingest(protested) is True
    assert _event(accumulator.snapshot(2, AT), "SSKWTEAMPURSUIT").status is EventStatus.PROTESTED


def test_the_highest_version_wins_and_a_lower_one_arriving_later_is_ignored() -> None:
    accumulator = _accumulator("result_ssk_w1000m_official.xml")

    assert accumulator.ingest(_xml("result_ssk_w1000m_live.xml")) is False  # v3 after v9
    event = _event(accumulator.snapshot(1, AT), "SSKW1000M")
    assert event.status is EventStatus.OFFICIAL
    assert event.results[0].competitor.name == "Miho TAKAGI"


def test_an_equal_version_is_ignored_even_with_other_content() -> None:
    accumulator = _accumulator("medallists_ssk_w1000m.xml")
    swapped = (
        _xml("medallists_ssk_w1000m.xml")
        .replace(b"ME_GOLD", b"ME_XXX")
        .replace(b"ME_SILVER", b"ME_GOLD")
        .replace(b"ME_XXX", b"ME_SILVER")
    )

    assert accumulator.ingest(swapped) is False
    assert _podium(_event(accumulator.snapshot(1, AT), "SSKW1000M"))[0][2] == "Miho TAKAGI"


def test_a_higher_version_reallocates_medals() -> None:
    accumulator = _accumulator("medallists_ssk_w1000m.xml")
    reallocated = (
        _xml("medallists_ssk_w1000m.xml")
        .replace(b'Version="1"', b'Version="2"')
        .replace(b"ME_GOLD", b"ME_XXX")
        .replace(b"ME_SILVER", b"ME_GOLD")
        .replace(b"ME_XXX", b"ME_SILVER")
    )

    assert accumulator.ingest(reallocated) is True
    assert _podium(_event(accumulator.snapshot(2, AT), "SSKW1000M"))[:2] == [
        (Medal.GOLD, 1, "Jutta LEERDAM", "NED"),
        (Medal.SILVER, 2, "Miho TAKAGI", "JPN"),
    ]


def test_a_resent_higher_version_with_the_same_content_is_no_change() -> None:
    accumulator = _accumulator("medallists_ssk_w1000m.xml")
    resent = _xml("medallists_ssk_w1000m.xml").replace(b'Version="1"', b'Version="2"')

    assert accumulator.ingest(resent) is False
    assert accumulator.ingest(resent) is False


def test_test_messages_are_ignored() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022")
    rehearsal = _xml("medallists_ssk_w1000m.xml").replace(b'FeedFlag="P"', b'FeedFlag="T"')

    assert accumulator.ingest(rehearsal) is False
    assert accumulator.snapshot(1, AT).events == ()
    assert accumulator.documents == 0


def test_message_types_medalbot_does_not_read_are_skipped() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022")
    keep_alive = (
        b'<OdfBody CompetitionCode="OWG2022" DocumentCode="SSK-------------------------------" '
        b'DocumentType="DT_KA" Version="1" FeedFlag="P"/>'
    )

    assert accumulator.ingest(keep_alive) is False
    assert accumulator.documents == 0


def test_a_batch_of_messages_is_applied_in_order() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022")
    body = _batch(*(_xml(name) for name in BEIJING))

    assert accumulator.ingest(body) is True
    assert accumulator.snapshot(1, AT) == _accumulator(*BEIJING).snapshot(1, AT)


def test_a_batch_with_one_bad_message_is_refused_whole() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022")
    bad = _xml("result_ssk_w500m_equalled.xml").replace(b'Organisation="AIN"', b'Organisation="NE"')

    reason = _reason(accumulator, _batch(_xml("medallists_ssk_w1000m.xml"), bad))

    assert reason == (
        "message 2: DT_RESULT SSKW500M--------------FNL-000100-- v4 Result[1] competitor "
        "1100020: Organisation must be a three-letter NOC, got 'NE'"
    )
    assert accumulator.documents == 0


def test_messages_of_another_games_are_refused() -> None:
    reason = _reason(
        OdfAccumulator("OWG2026", "Milano Cortina 2026"), _xml("medallists_jud_m73kg.xml")
    )

    assert reason == (
        "message 1: DT_MEDALLISTS JUDM73KG-------------------------- v1 is for competition OG2020, "
        "not OWG2026"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            (b'ResultStatus="UNOFFICIAL"', b'ResultStatus="DONE"'),
            "unknown ResultStatus 'DONE'",
        ),
        ((b'Version="4"', b'Version="four"'), "Version 'four' is not a whole number"),
        (
            (b'Rank="2"', b'Rank="second"'),
            "Result[1]: Rank 'second' is not a positive whole number",
        ),
        (
            (b'FamilyName="Sokolova"', b'FamilyName=""'),
            "Result[1] competitor 1100020: athlete 1100020 has no name",
        ),
        ((b'Result="37.21"', b'Result="' + b"9" * 65 + b'"'), "Expected `str` of length <= 64"),
    ],
)
def test_bad_values_are_refused_with_the_message_named(
    change: tuple[bytes, bytes], expected: str
) -> None:
    body = _xml("result_ssk_w500m_equalled.xml").replace(*change)

    reason = _reason(OdfAccumulator("OWG2022", "Beijing 2022"), body)

    assert reason.startswith("message 1: DT_RESULT SSKW500M")
    assert expected in reason


def test_unknown_medal_codes_are_refused() -> None:
    body = _xml("medallists_ssk_w1000m.xml").replace(b"ME_BRONZE", b"ME_COPPER")

    reason = _reason(OdfAccumulator("OWG2022", "Beijing 2022"), body)

    assert reason.endswith("Medal[2]: unknown medal code 'ME_COPPER'")


def test_malformed_xml_is_refused() -> None:
    truncated = _xml("medallists_ssk_w1000m.xml")[:700]

    reason = _reason(OdfAccumulator("OWG2022", "Beijing 2022"), truncated)

    assert reason == "malformed XML: unclosed token: line 12, column 4"


def test_an_unsupported_root_is_refused() -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    reason = _reason(OdfAccumulator("OWG2022", "Beijing 2022"), page)

    assert reason == (
        "unsupported root element <html> (expected <OdfBody> or a wrapper of <OdfBody> elements)"
    )


@pytest.mark.parametrize("fixture", ["xxe.xml", "billion_laughs.xml"])
def test_hostile_xml_is_refused_before_any_entity_is_expanded(fixture: str) -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022")

    reason = _reason(accumulator, _xml(fixture))

    assert reason == "XML with a DTD is refused (ODF messages have none)"
    assert accumulator.documents == 0


def test_oversized_bodies_are_refused_before_parsing() -> None:
    accumulator = OdfAccumulator("OWG2022", "Beijing 2022", max_bytes=1024)

    assert _reason(accumulator, _xml("record_ssk.xml")).startswith("body larger than 1 KiB")


def test_event_names_and_unranked_nocs_come_from_the_operator() -> None:
    accumulator = OdfAccumulator(
        "OWG2022",
        "Beijing 2022",
        event_names={"SSKWTEAMPURSUIT": "Women's Team Pursuit"},
        unranked_nocs=["AIN"],
    )
    accumulator.ingest(_xml("medallists_ssk_wteampursuit.xml"))
    snapshot = accumulator.snapshot(1, AT)

    assert snapshot.events[0].name == "Women's Team Pursuit"
    assert snapshot.unranked_nocs == ("AIN",)


def test_the_adapter_numbers_snapshots_by_clock_and_skips_unchanged_bodies() -> None:
    times = iter([AT, AT, AT])
    adapter = OdfAdapter(OdfAccumulator("OWG2022", "Beijing 2022"), clock=lambda: next(times))
    millis = int(AT.timestamp() * 1000)

    first = adapter(_xml("result_ssk_w1000m_live.xml"))
    unchanged = adapter(_xml("result_ssk_w1000m_live.xml"))
    second = adapter(_xml("result_ssk_w1000m_official.xml"))

    assert first is not None and first.sequence == millis
    assert unchanged is None
    assert second is not None and second.sequence == millis + 1  # the clock did not move


async def test_an_odf_feed_over_http(tmp_path: Path) -> None:
    live, official = tmp_path / "1.xml", tmp_path / "2.xml"
    live.write_bytes(_batch(_xml("record_ssk.xml"), _xml("result_ssk_w1000m_live.xml")))
    official.write_bytes(
        _batch(_xml("result_ssk_w1000m_official.xml"), _xml("medallists_ssk_w1000m.xml"))
    )
    adapter = OdfAdapter(OdfAccumulator("OWG2022", "Beijing 2022"))
    async with ReplayFeedServer([live, official]) as server:
        source = HttpFeedSource.odf("odf", PollerSettings(url=server.url), adapter)
        first = await source.poll()
        unchanged = await source.poll()
        server.advance()
        second = await source.poll()
        await source.close()

    assert first is not None and _event(first, "SSKW1000M").status is EventStatus.RUNNING
    assert len(first.standing_records) == 3
    assert unchanged is None and server.not_modified == 1
    assert second is not None and second.sequence > first.sequence
    assert _podium(_event(second, "SSKW1000M"))[0] == (Medal.GOLD, 1, "Miho TAKAGI", "JPN")


def test_without_a_configured_games_the_first_message_names_it() -> None:
    accumulator = OdfAccumulator()
    with pytest.raises(FeedRejected, match="no Games code"):
        accumulator.snapshot(1, AT)

    accumulator.ingest(_xml("medallists_ssk_w1000m.xml"))
    reason = _reason(accumulator, _xml("medallists_jud_m73kg.xml"))

    assert accumulator.snapshot(1, AT).games == GamesInfo(code="OWG2022", name="Beijing 2022")
    assert reason.endswith("is for competition OG2020, not OWG2022")


def test_messages_without_a_games_code_need_one_configured() -> None:
    anonymous = _xml("medallists_ssk_w1000m.xml").replace(b'CompetitionCode="OWG2022" ', b"")

    reason = _reason(OdfAccumulator(), anonymous)
    configured = OdfAccumulator("OWG2022", "Beijing 2022")

    assert reason == "no CompetitionCode in the messages and no Games code configured"
    assert configured.ingest(anonymous) is True
