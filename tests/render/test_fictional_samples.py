"""The demo's Games day is real only for the women's 1000 m: every alert about an invented
athlete says, in the message itself, that the event is fictional."""

from __future__ import annotations

import re

from medalbot.domain.alerts import Alert
from medalbot.domain.detection import apply_snapshot
from medalbot.domain.state import Applied, GamesState
from medalbot.render.alerts import render_alert
from medalbot.samples import load_sample

REAL = {"SSKW1000M"}
# A person's name as the feed writes it ("Dmitri VOLKOV"), not a team's ("Canada", "USA 1").
ATHLETE = re.compile(r"[a-zà-ÿ].*\b[A-ZÀ-Ý]{2,}|\b[A-ZÀ-Ý]{2,}\b.*[a-zà-ÿ]")


def alerts_and_names() -> tuple[list[Alert], set[str]]:
    state: GamesState | None = None
    alerts: list[Alert] = []
    invented: set[str] = set()
    for snapshot in load_sample("gamesday"):
        outcome = apply_snapshot(state, snapshot)
        assert isinstance(outcome, Applied)
        state = outcome.state
        alerts += outcome.alerts
        for event in snapshot.events:
            if event.code in REAL:
                continue
            assert event.name.endswith(" (fictional)"), event.name
            for result in event.results:
                people = result.competitor.members or (result.competitor.name,)
                invented.update(name for name in people if ATHLETE.search(name))
    for record in load_sample("gamesday")[-1].standing_records:
        if record.event not in REAL:
            invented.add(record.holder.name)
    return alerts, invented


def test_every_alert_naming_an_invented_athlete_says_fictional() -> None:
    alerts, invented = alerts_and_names()
    assert invented and len(alerts) > 10
    fictional = 0
    for alert in alerts:
        embed = render_alert(alert, locale="en").to_dict()
        text = str(embed)
        if any(name in text for name in invented):
            fictional += 1
            assert "(fictional)" in text, text
        if alert.event in REAL:
            assert "(fictional)" not in text
    assert fictional >= 8  # every invented event's medals, records and correction
