"""The offline tools on olympics.com bodies, run as a user runs them (a subprocess): the whole
of Paris 2024 day by day with the broken bodies a real Games mixes in, and the final table
against the site's own."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.feeds.olympics_days import (
    FIRST_DAY_2026,
    PARIS_MEDALLISTS,
    PARIS_MEDALS,
    load,
    paris_days,
    replay_files,
)

PARIS = "OG2024:Paris 2024"


def medalbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medalbot.cli", *args], capture_output=True, text=True, timeout=120
    )


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def medal_key(m: dict[str, Any]) -> tuple[str, str, str]:
    return (m["medal"], m["noc"], m["name"])


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    directory = tmp_path_factory.mktemp("paris")
    expected, wrong_event = replay_files(paris_days(), directory)
    return directory, expected, wrong_event


def test_paris_day_by_day_announces_each_medal_once_and_the_broken_bodies_nothing(
    replayed: tuple[Path, dict[str, str], str],
) -> None:
    directory, expected, wrong_event = replayed
    files = sorted(str(p) for p in directory.glob("*.json"))
    run = medalbot("replay", "--json", "--format", "olympics", "--games", PARIS, *files)
    assert run.returncode == 0, run.stderr
    alerts = lines(run.stdout)

    announced: Counter[tuple[str, str, str, str]] = Counter()
    corrections = []
    for alert in alerts:
        assert alert["games"] == "OG2024"
        if alert["type"] == "medal":
            announced.update((alert["event"], *medal_key(m)) for m in alert["medals"])
        elif alert["type"] == "correction":
            corrections.append(alert)
            announced.update((alert["event"], *medal_key(m)) for m in alert["after"])
    assert not [a for a in alerts if a["type"] == "record"]  # the API has no records

    final = load(PARIS_MEDALS)
    site_count = sum(
        1
        for row in final["medalStandings"]["medalsTable"]
        for d in row["disciplines"]
        for _ in d["medalWinners"]
    )
    neutral = {  # a doubles pair is one medal
        (m["event"].rstrip("-"), m["medalType"])
        for a in load(PARIS_MEDALLISTS)["athletes"]
        if a["organisation"] == "AIN"
        for m in a["medals"]
    }
    assert neutral  # Paris had neutral athletes' medals, which only the medallists body lists
    # every medal announced exactly once, the wrong athlete's gold aside (and corrected once)
    assert [(c["event"], len(c["before"]), len(c["after"])) for c in corrections] == [
        (wrong_event, 1, 1)
    ]
    wrong = (wrong_event, *medal_key(corrections[0]["before"][0]))
    assert announced[wrong] == 1
    rest = announced - Counter({wrong: 1})
    assert max(rest.values()) == 1
    assert sum(rest.values()) == site_count + len(neutral)
    medal_types = {"gold": "ME_GOLD", "silver": "ME_SILVER", "bronze": "ME_BRONZE"}
    assert {(e, medal_types[m]) for e, m, noc, _ in rest if noc == "AIN"} == neutral

    # the broken bodies: each named on stderr (except the stale copy, ignored quietly), none
    # announcing anything (the ids are stable: alerts of a run without them are the same)
    for name, says in expected.items():
        if "is not above" not in says:
            assert name in run.stderr and says in run.stderr, (name, run.stderr)
    sound = [f for f in files if Path(f).name not in expected]
    clean = medalbot("replay", "--json", "--format", "olympics", "--games", PARIS, *sound)
    assert {a["id"] for a in alerts} == {a["id"] for a in lines(clean.stdout)}


def test_the_final_table_is_the_sites_own(replayed: tuple[Path, dict[str, str], str]) -> None:
    directory, _, _ = replayed
    files = sorted(str(p) for p in directory.glob("*.json"))
    run = medalbot("table", "--json", "--format", "olympics", "--games", PARIS, *files)
    assert run.returncode == 0, run.stderr
    ours = json.loads(run.stdout)

    site = []
    for row in sorted(
        load(PARIS_MEDALS)["medalStandings"]["medalsTable"], key=lambda r: r["sortRank"]
    ):
        total = next(n for n in row["medalsNumber"] if n["type"] == "Total")
        site.append(
            {
                "rank": row["rank"],
                "noc": row["organisation"],
                **{k: total[k] for k in ("gold", "silver", "bronze", "total")},
            }
        )
    assert ours == site
    assert any(r["rankEqual"] for r in load(PARIS_MEDALS)["medalStandings"]["medalsTable"])
    assert "AIN" not in {r["noc"] for r in ours}  # announced, never ranked, as on the site


def test_podium_and_records_say_what_this_feed_has() -> None:
    podium = medalbot(
        "podium", "--format", "olympics", "--games", "OWG2026:Milano Cortina 2026",
        "SSKW1000M", str(FIRST_DAY_2026),
    )  # fmt: skip
    assert podium.returncode == 3 and "no event 'SSKW1000M'" in podium.stderr  # not on day 1
    body = load(FIRST_DAY_2026)
    code = next(
        w["eventCode"].rstrip("-")
        for r in body["medalStandings"]["medalsTable"]
        for d in r["disciplines"]
        for w in d["medalWinners"]
    )
    text = medalbot("podium", "--format", "olympics", code, str(FIRST_DAY_2026))
    assert text.returncode == 0, text.stderr
    places = text.stdout.splitlines()[1:]
    assert places and all(line.rstrip().endswith(")") for line in places)  # no marks, no flags
    as_json = json.loads(
        medalbot("podium", "--json", "--format", "olympics", code, str(FIRST_DAY_2026)).stdout
    )
    assert as_json["event"]["code"] == code
    assert {p["mark"] for p in as_json["places"]} == {None}
    records = medalbot("records", "--format", "olympics", str(FIRST_DAY_2026))
    assert records.returncode == 0 and records.stdout == ""
    assert "olympics files carry no records" in records.stderr


def test_games_defaults_and_is_refused_for_formats_naming_their_own(tmp_path: Path) -> None:
    run = medalbot("replay", "--json", "--format", "olympics", str(FIRST_DAY_2026))
    assert run.returncode == 0, run.stderr
    assert {a["games"] for a in lines(run.stdout)} == {"OLYMPICS"}
    native = medalbot("table", "--games", "X", str(FIRST_DAY_2026))
    assert native.returncode == 3 and "--games" in native.stderr
    bad = medalbot("table", "--format", "olympics", "--games", ":Nameless", str(FIRST_DAY_2026))
    assert bad.returncode == 3 and "games_code" in bad.stderr
