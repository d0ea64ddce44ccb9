"""A day's digest from the alert log: the games-day sample as a Dutch fan would read it."""

from __future__ import annotations

from datetime import date

import msgspec

from medalbot.domain.alerts import Alert, CorrectionAlert, MedalWon, RecordSet
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.digest import Digest, DigestFilter, build_digest
from medalbot.domain.models import Medal, Snapshot
from medalbot.domain.state import Applied, GamesState
from medalbot.samples import sample_files

DAY = date(2026, 2, 11)


def gamesday_alerts() -> list[Alert]:
    state: GamesState | None = None
    found: list[Alert] = []
    for path in sample_files("gamesday"):
        outcome = apply_snapshot(state, msgspec.json.decode(path.read_bytes(), type=Snapshot))
        assert isinstance(outcome, Applied)
        state = outcome.state
        found += outcome.alerts
    return found


ALERTS = gamesday_alerts()


def medals(digest: Digest) -> list[tuple[str, str, str]]:
    return [
        (e.item.medal.value, e.item.name, e.event_name)
        for e in digest.medals
        if isinstance(e.item, MedalWon)
    ]


def records(digest: Digest) -> list[tuple[str, str]]:
    return [(e.item.type, e.item.name) for e in digest.records if isinstance(e.item, RecordSet)]


def test_a_nation_gets_its_medals_and_records_of_the_day_as_they_stand() -> None:
    digest = build_digest(ALERTS, day=DAY, follow=DigestFilter(noc="NED"))

    # Daan VERMEULEN's bronze became silver after a disqualification later that day.
    assert medals(digest) == [
        ("gold", "Jutta LEERDAM", "Women's 1000m"),
        ("silver", "Femke KOK", "Women's 1000m"),
        ("silver", "Daan VERMEULEN", "Men's 1000m (fictional)"),
    ]
    assert records(digest) == [("OR", "Femke KOK"), ("OR", "Jutta LEERDAM")]
    assert digest.corrections == ()
    assert (digest.medal_count(Medal.GOLD), digest.medal_count(Medal.SILVER)) == (1, 2)
    assert digest.medal_count(Medal.BRONZE) == 0
    assert digest.tally is not None and (digest.tally.gold, digest.tally.silver) == (1, 2)
    assert (digest.day, digest.noc, digest.games) == (DAY, "NED", "OWG2026")


def test_the_subscriptions_filters_apply() -> None:
    golds = build_digest(ALERTS, day=DAY, follow=DigestFilter(noc="NED", golds_only=True))
    assert medals(golds) == [("gold", "Jutta LEERDAM", "Women's 1000m")]
    assert len(golds.records) == 2  # records are not medals: they stay

    no_records = build_digest(ALERTS, day=DAY, follow=DigestFilter(noc="NED", records=False))
    assert no_records.records == () and len(no_records.medals) == 3

    skating = build_digest(ALERTS, day=DAY, follow=DigestFilter(sport="short track speed skating"))
    assert [m[1] for m in medals(skating)] == [
        "SEO Jun-ho",
        "Daan VERMEULEN",  # silver now, in place of Liam BOUCHARD (disqualified)
        "WANG Lei",
    ]
    assert records(skating) == [("OR", "SEO Jun-ho"), ("WR", "SEO Jun-ho")]


def test_a_correction_of_an_earlier_day_is_listed_not_applied() -> None:
    (fix,) = [a for a in ALERTS if isinstance(a, CorrectionAlert)]

    digest = build_digest([fix], day=DAY, follow=DigestFilter(noc="NED"))

    assert digest.medals == () and digest.corrections == (fix,)
    assert not digest.is_empty
    # a nation the correction does not concern hears nothing of it
    assert build_digest([fix], day=DAY, follow=DigestFilter(noc="JPN")).is_empty


def test_a_day_without_anything_for_the_nation_is_empty() -> None:
    digest = build_digest(ALERTS, day=DAY, follow=DigestFilter(noc="JPN", golds_only=True))

    assert digest.is_empty and digest.tally is not None  # JPN's count is still known
    assert build_digest([], day=DAY, follow=DigestFilter(noc="NED")).games is None
