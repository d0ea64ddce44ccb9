"""What the bot announces, as data independent of Discord.

An alert is self-contained: it carries the podium and the medal tallies as they stood when it was
detected, so it renders the same after a restart as it would have at once.
The JSON form (``msgspec.json.encode``) is the CLI's ``--json`` contract.
"""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from medalbot.domain.models import EventStatus, Medal


class MedalWon(Struct, frozen=True, tag_field="kind", tag="medal"):
    medal: Medal
    noc: str
    name: str
    members: tuple[str, ...] = ()
    mark: str | None = None


class RecordMark(Struct, frozen=True):
    """The mark a new record beat (or equalled)."""

    mark: str
    noc: str
    name: str
    in_this_event: bool = False  # set earlier in the same event at these Games
    set_at: datetime | None = None  # when it was set, if at these Games
    date: str | None = None  # when it was set, for a standing record
    place: str | None = None


class RecordSet(Struct, frozen=True, tag_field="kind", tag="record"):
    type: str
    mark: str
    noc: str
    name: str
    equalled: bool = False
    beats: RecordMark | None = None


class NocTally(Struct, frozen=True):
    noc: str
    gold: int = 0
    silver: int = 0
    bronze: int = 0

    @property
    def total(self) -> int:
        return self.gold + self.silver + self.bronze


class AlertBase(Struct, frozen=True, tag_field="type"):
    id: str
    games: str
    event: str
    sequence: int
    detected_at: datetime
    sport: str
    event_name: str
    event_status: EventStatus


class MedalAlert(AlertBase, frozen=True, tag="medal"):
    medals: tuple[MedalWon, ...]  # newly awarded, gold first
    podium: tuple[MedalWon, ...] = ()  # every medal of the event so far
    tallies: tuple[NocTally, ...] = ()  # running medal count of each NOC named in `medals`


class RecordAlert(AlertBase, frozen=True, tag="record"):
    record: RecordSet


class CorrectionAlert(AlertBase, frozen=True, tag="correction"):
    before: tuple[MedalWon | RecordSet, ...]
    after: tuple[MedalWon | RecordSet, ...]
    corrects: tuple[str, ...] = ()  # ids of the alerts whose content this corrects
    podium: tuple[MedalWon, ...] = ()
    tallies: tuple[NocTally, ...] = ()


Alert = MedalAlert | RecordAlert | CorrectionAlert


def alert_nocs(alert: Alert) -> frozenset[str]:
    """Every NOC an alert concerns, for matching a nation's subscription."""
    if isinstance(alert, MedalAlert):
        return frozenset(m.noc for m in alert.medals)
    if isinstance(alert, RecordAlert):
        return frozenset({alert.record.noc})
    return frozenset(x.noc for x in (*alert.before, *alert.after))
