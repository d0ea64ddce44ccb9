"""What a daily digest says: a subscription's medals and records of one day, from the alert log.

Pure: the caller passes the alerts of the digest's period (``schedule.digest_slot``) in
detection order. A correction of a result from the same period is applied (the digest shows
the result as it stands); a correction of an earlier day's result is listed as a correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from msgspec import Struct

from medalbot.domain.alerts import (
    Alert,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    NocTally,
    RecordAlert,
    RecordSet,
)
from medalbot.domain.models import Medal


class DigestFilter(Struct, frozen=True):
    """Which medals and records a subscription follows (as routing matches its alerts)."""

    noc: str | None = None
    sport: str | None = None
    golds_only: bool = False
    records: bool = True

    def wants(self, sport: str, item: MedalWon | RecordSet) -> bool:
        if self.sport is not None and self.sport.casefold() != sport.casefold():
            return False
        if self.noc is not None and item.noc != self.noc:
            return False
        if isinstance(item, RecordSet):
            return self.records
        return not self.golds_only or item.medal is Medal.GOLD


class DigestEntry(Struct, frozen=True):
    """One medal or record of the day, with the event it was won in."""

    sport: str
    event_name: str
    item: MedalWon | RecordSet
    detected_at: datetime
    event: str = ""  # the event code, to match corrections


class Digest(Struct, frozen=True):
    day: date
    noc: str | None
    medals: tuple[DigestEntry, ...] = ()  # in the order they were won
    records: tuple[DigestEntry, ...] = ()
    corrections: tuple[CorrectionAlert, ...] = ()  # of results from before the period
    tally: NocTally | None = None  # the nation's medal count at the end of the period
    games: str | None = None  # the Games code of the latest alert, for the footer

    @property
    def is_empty(self) -> bool:
        return not (self.medals or self.records or self.corrections)

    def medal_count(self, medal: Medal) -> int:
        return sum(1 for e in self.medals if isinstance(e.item, MedalWon) and e.item.medal is medal)


def _key(event: str, item: MedalWon | RecordSet) -> tuple[str, str, str, str]:
    """What identifies a medal or record in an event (a correction may change its mark)."""
    kind = item.medal.value if isinstance(item, MedalWon) else f"record:{item.type}"
    return (event, kind, item.noc, item.name)


def _entry(alert: Alert, item: MedalWon | RecordSet) -> DigestEntry:
    return DigestEntry(
        sport=alert.sport,
        event_name=alert.event_name,
        item=item,
        detected_at=alert.detected_at,
        event=alert.event,
    )


def _without(entries: list[DigestEntry], event: str, item: MedalWon | RecordSet) -> bool:
    """Remove the first entry for ``item`` in ``event``; False if there was none."""
    wanted = _key(event, item)
    for index, entry in enumerate(entries):
        if _key(entry.event, entry.item) == wanted:
            del entries[index]
            return True
    return False


def build_digest(alerts: Sequence[Alert], *, day: date, follow: DigestFilter) -> Digest:
    """The digest of ``day`` for a subscription, from the alerts of its period in order."""
    medals: list[DigestEntry] = []
    records: list[DigestEntry] = []
    corrections: list[CorrectionAlert] = []
    tally: NocTally | None = None
    seen_ids: set[str] = set()
    for alert in alerts:
        if isinstance(alert, MedalAlert):
            medals += [_entry(alert, m) for m in alert.medals if follow.wants(alert.sport, m)]
        elif isinstance(alert, RecordAlert):
            if follow.wants(alert.sport, alert.record):
                records.append(_entry(alert, alert.record))
        elif seen_ids.intersection(alert.corrects):
            _apply(alert, medals, records, follow)
        elif any(follow.wants(alert.sport, x) for x in (*alert.before, *alert.after)):
            corrections.append(alert)
        seen_ids.add(alert.id)
        tally = _latest_tally(alert, follow.noc) or tally
    return Digest(
        day=day,
        noc=follow.noc,
        medals=tuple(medals),
        records=tuple(records),
        corrections=tuple(corrections),
        tally=tally,
        games=alerts[-1].games if alerts else None,
    )


def _apply(
    fix: CorrectionAlert,
    medals: list[DigestEntry],
    records: list[DigestEntry],
    follow: DigestFilter,
) -> None:
    """A correction of a result from the same day: show the result as it stands now."""
    for item in fix.before:
        _without(records if isinstance(item, RecordSet) else medals, fix.event, item)
    for item in fix.after:
        if follow.wants(fix.sport, item):
            (records if isinstance(item, RecordSet) else medals).append(_entry(fix, item))


def _latest_tally(alert: Alert, noc: str | None) -> NocTally | None:
    if noc is None or isinstance(alert, RecordAlert):
        return None
    return next((t for t in alert.tallies if t.noc == noc), None)
