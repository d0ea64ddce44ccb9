"""Sample alerts for the moderators' ``/alerts test`` command.

Built from the women's 1000m of the feed contract's example (LEERDAM, KOK, TAKAGI). Their ids start
with :data:`SAMPLE_ID_PREFIX`, which the renderer shows as a "test alert" banner, so nobody mistakes
one for a real result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final, TypedDict

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
from medalbot.domain.models import EventStatus, Medal

SAMPLE_ID_PREFIX: Final = "sample:"
SAMPLE_KINDS: Final = ("medal", "record", "correction")

_GAMES: Final = "OWG2026"
_EVENT: Final = "SSKW1000M"
_PODIUM: Final = (
    MedalWon(Medal.GOLD, "NED", "Jutta LEERDAM", mark="1:12.31"),
    MedalWon(Medal.SILVER, "NED", "Femke KOK", mark="1:12.59"),
    MedalWon(Medal.BRONZE, "JPN", "Miho TAKAGI", mark="1:13.95"),
)
_TALLIES: Final = (NocTally("NED", gold=1, silver=1), NocTally("JPN", bronze=1))


class _Common(TypedDict):
    id: str
    games: str
    event: str
    sequence: int
    detected_at: datetime
    sport: str
    event_name: str


def is_sample(alert: Alert) -> bool:
    return alert.id.startswith(SAMPLE_ID_PREFIX)


def sample_alert(kind: str = "medal", *, now: datetime | None = None) -> Alert:
    """A clearly labelled sample alert of ``kind`` (one of :data:`SAMPLE_KINDS`)."""
    detected_at = now if now is not None else datetime.now(UTC)
    common: _Common = {
        "id": f"{SAMPLE_ID_PREFIX}{kind}",
        "games": _GAMES,
        "event": _EVENT,
        "sequence": 0,
        "detected_at": detected_at,
        "sport": "Speed Skating",
        "event_name": "Women's 1000m",
    }
    if kind == "medal":
        return MedalAlert(
            **common,
            event_status=EventStatus.OFFICIAL,
            medals=_PODIUM,
            podium=_PODIUM,
            tallies=_TALLIES,
        )
    if kind == "record":
        beaten = RecordMark(
            "1:12.59",
            "NED",
            "Femke KOK",
            in_this_event=True,
            set_at=detected_at - timedelta(minutes=4),
        )
        record = RecordSet("OR", "1:12.31", "NED", "Jutta LEERDAM", beats=beaten)
        return RecordAlert(**common, event_status=EventStatus.UNOFFICIAL, record=record)
    if kind == "correction":
        # The feed contract's case of a record flag that disappears: KOK's interim OR is withdrawn.
        withdrawn = RecordSet("OR", "1:12.59", "NED", "Femke KOK")
        return CorrectionAlert(
            **common,
            event_status=EventStatus.OFFICIAL,
            before=(withdrawn,),
            after=(),
            corrects=(f"{SAMPLE_ID_PREFIX}record",),
            podium=_PODIUM,
            tallies=_TALLIES,
        )
    raise ValueError(f"unknown sample kind {kind!r}; expected one of {', '.join(SAMPLE_KINDS)}")
