"""Change detection: from the last state and a new snapshot, the new state and what to announce.

Pure: no clock, no I/O. Everything an alert says comes from the snapshots, and alert ids come
from that content, so replaying the same snapshots yields the same alerts with the same ids.

The ledger records what was announced per event; a snapshot is compared with the ledger (not
with the previous snapshot) so that each medal and record is announced once, corrections name
the alerts they correct, and a moved medal is never announced as a second new medal.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from datetime import datetime
from typing import Any, Final, TypeVar

import msgspec
from msgspec import Struct

from medalbot.domain.alerts import (
    Alert,
    AlertBase,
    CorrectionAlert,
    MedalAlert,
    MedalWon,
    NocTally,
    RecordAlert,
    RecordMark,
    RecordSet,
)
from medalbot.domain.awards import (
    FlaggedRecord,
    MedalKey,
    RecordKey,
    medal_key,
    podium_medals,
    record_flags,
    record_key,
)
from medalbot.domain.ids import alert_id
from medalbot.domain.models import Event, Snapshot, StandingRecord
from medalbot.domain.state import (
    AnnouncedMedal,
    AnnouncedRecord,
    Applied,
    EventLedger,
    GamesState,
    Ignored,
)
from medalbot.domain.table import medal_tallies

SUSPECT_EXAMPLES: Final = 5  # event codes named in a suspect snapshot's reason

_AlertT = TypeVar("_AlertT", bound=AlertBase)


class DetectionPolicy(Struct, frozen=True):
    """Knobs of change detection.

    suspect_min_events: a snapshot in which announced medals vanish from this many events at
    once is ignored as suspect (an empty-looking feed), not turned into a storm of corrections.
    An event counts when it is missing altogether or shows fewer medals than were announced;
    medals that merely change hands do not count. To accept such a snapshot deliberately
    (a confirmed mass disqualification), apply it with a higher threshold. 0 or 1: any event
    losing medals makes a snapshot suspect.
    """

    suspect_min_events: int = 3


DEFAULT_POLICY: Final = DetectionPolicy()


def apply_snapshot(
    state: GamesState | None,
    snapshot: Snapshot,
    policy: DetectionPolicy = DEFAULT_POLICY,
) -> Applied | Ignored:
    """Apply ``snapshot`` to ``state`` (None: the first snapshot of the Games).

    The first snapshot announces everything it shows: a bot started mid-Games replays the
    medals and records so far, which is the intended behaviour. Nothing is logged here: an
    Ignored outcome carries its reason for the caller to log.
    """
    previous: dict[str, Event] = {}
    ledger: dict[str, EventLedger] = {}
    if state is not None:
        if snapshot.games.code != state.games_code:
            return Ignored(
                kind="other_games",
                reason=f"snapshot is for {snapshot.games.code}, state follows {state.games_code}",
            )
        if snapshot.sequence <= state.sequence:
            return Ignored(
                kind="stale",
                reason=(
                    f"sequence {snapshot.sequence} is not above {state.sequence}, "
                    "the last one applied"
                ),
            )
        previous = {event.code: event for event in state.snapshot.events}
        ledger = state.ledger

    current_codes = {event.code for event in snapshot.events}
    # Unchanged events (equal by value) cannot reveal anything: skip them, share their ledger.
    changed = [
        event
        for event in snapshot.events
        if (before := previous.get(event.code)) is None or (before is not event and before != event)
    ]
    # An event gone from the feed is read as an event with no results (medals withdrawn).
    gone = [
        msgspec.structs.replace(event, results=())
        for code, event in previous.items()
        if code not in current_codes
    ]

    vanished = _events_losing_medals([*changed, *gone], ledger)
    # Early in the Games fewer events have medals than the threshold: medals vanishing from
    # every one of two or more events at once is as suspect as from many.
    threshold = policy.suspect_min_events
    if vanished and len(vanished) < threshold:
        awarded = sum(1 for entry in ledger.values() if entry.medals)
        threshold = min(threshold, max(2, awarded))
    if vanished and len(vanished) >= threshold:
        examples = ", ".join(vanished[:SUSPECT_EXAMPLES])
        more = "…" if len(vanished) > SUSPECT_EXAMPLES else ""
        reason = (
            f"announced medals vanished from {len(vanished)} events at once ({examples}{more}); "
            f"threshold {threshold}"
        )
        return Ignored(kind="suspect", reason=reason)

    context = _Context(snapshot)
    new_ledger = dict(ledger)
    revealed: list[tuple[tuple[int, float, str], list[Alert]]] = []
    for event in [*changed, *gone]:
        old = ledger.get(event.code, _EMPTY_LEDGER)
        updated, alerts = _detect_event(context, event, old)
        if event.code in current_codes:
            # "official since 17:41": remember when the feed first showed this status
            if old.status is event.status:
                since, seen = old.status_since, old.status_change_seen
            else:
                since, seen = snapshot.generated_at, old.status is not None
            now = (event.status, since, seen)
            if (updated.status, updated.status_since, updated.status_change_seen) != now:
                updated = msgspec.structs.replace(
                    updated, status=event.status, status_since=since, status_change_seen=seen
                )
        if updated != old:
            new_ledger[event.code] = updated
        if alerts:
            revealed.append((_event_order(event), alerts))
    revealed.sort(key=lambda item: item[0])
    alerts_in_order = tuple(alert for _, alerts in revealed for alert in alerts)
    return Applied(state=GamesState(snapshot=snapshot, ledger=new_ledger), alerts=alerts_in_order)


_EMPTY_LEDGER: Final = EventLedger()


def _event_order(event: Event) -> tuple[int, float, str]:
    """Announcement order of events: by start time, then code; events without a start last."""
    if event.start is None:
        return (1, 0.0, event.code)
    return (0, event.start.timestamp(), event.code)


def _events_losing_medals(events: Sequence[Event], ledger: dict[str, EventLedger]) -> list[str]:
    """Codes of events that now show fewer medals than were announced, some of them gone."""
    codes: list[str] = []
    for event in events:
        announced = ledger.get(event.code)
        if announced is None or not announced.medals:
            continue
        shown = podium_medals(event)
        shown_keys = {medal_key(m) for m in shown}
        lost = any(medal_key(a.medal) not in shown_keys for a in announced.medals)
        if lost and len(shown) < len(announced.medals):
            codes.append(event.code)
    return codes


class _Context:
    """What every event of one snapshot shares; the tallies are counted once, when first needed."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.standing: dict[tuple[str, str], StandingRecord] = {}
        for record in snapshot.standing_records:
            self.standing.setdefault((record.event, record.type), record)
        self._tallies: dict[str, NocTally] | None = None

    def tallies_for(self, medals: Sequence[MedalWon]) -> tuple[NocTally, ...]:
        """Running tallies of the NOCs named, in the table's terms (unranked NOCs have none)."""
        if self._tallies is None:
            self._tallies = medal_tallies(self.snapshot)
        unranked = self.snapshot.unranked_nocs
        nocs = dict.fromkeys(m.noc for m in medals if m.noc not in unranked)
        return tuple(self._tallies.get(noc, NocTally(noc)) for noc in nocs)


class _EventAlerts:
    """Builds the alerts of one event in one snapshot; ids come from their content."""

    def __init__(self, context: _Context, event: Event, podium: Sequence[MedalWon]) -> None:
        self.context = context
        self.event = event
        self.podium = tuple(podium)

    def _id(self, kind: str, payload: object) -> str:
        snapshot = self.context.snapshot
        return alert_id(snapshot.games.code, snapshot.sequence, self.event.code, kind, payload)

    def _alert(self, cls: type[_AlertT], kind: str, payload: object, **fields: Any) -> _AlertT:
        """An alert of ``cls`` about this event: ``AlertBase``'s fields from the snapshot and
        the event, its own from ``fields``."""
        snapshot, event = self.context.snapshot, self.event
        return cls(
            id=self._id(kind, payload),
            games=snapshot.games.code,
            event=event.code,
            sequence=snapshot.sequence,
            detected_at=snapshot.generated_at,
            sport=event.sport,
            event_name=event.name,
            event_status=event.status,
            **fields,
        )

    def medals(self, medals: tuple[MedalWon, ...]) -> MedalAlert:
        return self._alert(
            MedalAlert,
            "medal",
            medals,
            medals=medals,
            podium=self.podium,
            tallies=self.context.tallies_for(medals),
        )

    def record(self, record: RecordSet) -> RecordAlert:
        return self._alert(RecordAlert, "record", record, record=record)

    def correction(
        self,
        before: tuple[MedalWon, ...] | tuple[RecordSet, ...],
        after: tuple[MedalWon, ...],
        corrects: tuple[str, ...],
    ) -> CorrectionAlert:
        medals = [m for m in (*before, *after) if isinstance(m, MedalWon)]
        return self._alert(
            CorrectionAlert,
            "correction",
            (before, after),
            before=before,
            after=after,
            corrects=corrects,
            podium=self.podium,
            tallies=self.context.tallies_for(medals),
        )


def _detect_event(
    context: _Context, event: Event, ledger: EventLedger
) -> tuple[EventLedger, list[Alert]]:
    podium = podium_medals(event)
    make = _EventAlerts(context, event, podium)
    medals, medal_corrections, medal_alerts = _detect_medals(
        make, podium, ledger.medals, context.snapshot.generated_at
    )
    records, record_corrections, record_alerts = _detect_records(make, ledger.records)
    updated = ledger  # unchanged: keep sharing the old entry
    if (medals, records) != (ledger.medals, ledger.records):
        # the status stays what it was when last seen (an event gone from the feed has none)
        updated = msgspec.structs.replace(ledger, medals=medals, records=records)
    # Within an event: what is corrected first, then records (set during the race), then medals.
    return updated, [*medal_corrections, *record_corrections, *record_alerts, *medal_alerts]


def _detect_medals(
    make: _EventAlerts,
    podium: Sequence[MedalWon],
    announced: tuple[AnnouncedMedal, ...],
    seen_at: datetime,
) -> tuple[tuple[AnnouncedMedal, ...], list[Alert], list[Alert]]:
    held = {medal_key(a.medal): a for a in announced}
    shown = {medal_key(m) for m in podium}
    withdrawn = [a for key, a in held.items() if key not in shown]
    added = [m for m in podium if medal_key(m) not in held]
    if not withdrawn and not added:
        return announced, [], []

    corrections: list[Alert] = []
    medal_alerts: list[Alert] = []
    announced_by: dict[MedalKey, str] = {}
    if withdrawn:
        # The new holders of the medal types that lost a holder are the correction's "after":
        # announcing them as new medals would count a moved medal twice.
        affected = {a.medal.medal for a in withdrawn}
        before = tuple(sorted((a.medal for a in withdrawn), key=lambda m: m.medal.order))
        after = tuple(m for m in added if m.medal in affected)
        added = [m for m in added if m.medal not in affected]
        correction = make.correction(
            before, after, corrects=tuple(dict.fromkeys(a.alert_id for a in withdrawn))
        )
        corrections.append(correction)
        announced_by.update((medal_key(m), correction.id) for m in after)
    if added:
        alert = make.medals(tuple(added))
        medal_alerts.append(alert)
        announced_by.update((medal_key(m), alert.id) for m in added)
    ledger = tuple(
        held[key]
        if (key := medal_key(m)) in held
        else AnnouncedMedal(m, announced_by[key], seen_at=seen_at)
        for m in podium
    )
    return ledger, corrections, medal_alerts


def _detect_records(
    make: _EventAlerts, announced: tuple[AnnouncedRecord, ...]
) -> tuple[tuple[AnnouncedRecord, ...], list[Alert], list[Alert]]:
    snapshot = make.context.snapshot
    flags = record_flags(make.event)
    flag_keys = {f.key for f in flags}
    records = list(announced)
    still_flagged: set[RecordKey] = set()
    corrections: list[Alert] = []
    for index, entry in enumerate(announced):
        if entry.withdrawn:
            continue
        key = record_key(entry.record)
        if key in flag_keys:
            still_flagged.add(key)
            continue
        records[index] = msgspec.structs.replace(entry, withdrawn=True)
        corrections.append(make.correction((entry.record,), (), corrects=(entry.alert_id,)))

    # Records set at these Games, by (type, noc, name, mark): a "standing" record among them
    # is one a producer already updated (ODF does), so it is not what the others beat.
    # Equalled ones are left out: the holder of a record may well equal it.
    set_here = {key[:4] for key in flag_keys if not key[4]}
    set_here.update(record_key(a.record)[:4] for a in announced if not a.record.equalled)
    record_alerts: list[Alert] = []
    for flagged in flags:
        if flagged.key in still_flagged:
            continue
        # A withdrawn flag that comes back is the same performance: it goes back to where it
        # was set, so it beats what stood then, not a better record set after it.
        withdrawn = _last_withdrawn(records, flagged.key)
        if withdrawn is None:
            position, set_at, sequence = len(records), snapshot.generated_at, snapshot.sequence
        else:
            position = withdrawn + 1
            set_at, sequence = records[withdrawn].set_at, records[withdrawn].sequence
        record = _resolve_record(make.context, make.event, flagged, records[:position], set_here)
        alert = make.record(record)
        record_alerts.append(alert)
        records.insert(position, AnnouncedRecord(record, alert.id, set_at, sequence))
    if not corrections and not record_alerts:
        return announced, [], []
    return tuple(_with_superseded(records)), corrections, record_alerts


def _last_withdrawn(records: Sequence[AnnouncedRecord], key: RecordKey) -> int | None:
    """Where the latest withdrawn announcement of this record is, if there is one."""
    for index in range(len(records) - 1, -1, -1):
        if records[index].withdrawn and record_key(records[index].record) == key:
            return index
    return None


def _resolve_record(
    context: _Context,
    event: Event,
    flagged: FlaggedRecord,
    records: Sequence[AnnouncedRecord],
    set_here: Set[tuple[str, str, str, str]],
) -> RecordSet:
    """The record a flag stands for, naming the mark it beat (or equalled)."""
    record_type, noc, name, mark, equalled = flagged.key
    beats: RecordMark | None = None
    # The last record of this type not withdrawn is the one standing: a later one would have
    # superseded it, and an equalled one stands beside what it equalled.
    for earlier in reversed(records):
        if earlier.withdrawn or earlier.record.type != record_type:
            continue
        beats = RecordMark(
            mark=earlier.record.mark,
            noc=earlier.record.noc,
            name=earlier.record.name,
            in_this_event=True,
            set_at=earlier.set_at,
        )
        break
    if beats is None:
        standing = context.standing.get((event.code, record_type))
        if standing is not None and (
            (record_type, standing.holder.noc, standing.holder.name, standing.mark) not in set_here
        ):
            beats = RecordMark(
                mark=standing.mark,
                noc=standing.holder.noc,
                name=standing.holder.name,
                date=standing.date,
                place=standing.place,
            )
    return RecordSet(
        type=record_type, mark=mark, noc=noc, name=name, equalled=equalled, beats=beats
    )


def _with_superseded(records: list[AnnouncedRecord]) -> list[AnnouncedRecord]:
    """Recompute ``superseded_at``: when the next record of the same type that beat it (not
    equalled it, not withdrawn, and not the same performance reinstated) was set. Recomputing
    lets a record stand again when the one that superseded it is withdrawn."""
    result: list[AnnouncedRecord] = []
    for index, announced in enumerate(records):
        superseded_at: datetime | None = None
        key = record_key(announced.record)
        for later in records[index + 1 :]:
            if (
                later.record.type == announced.record.type
                and not later.withdrawn
                and not later.record.equalled
                and record_key(later.record) != key
            ):
                superseded_at = later.set_at
                break
        if superseded_at != announced.superseded_at:
            announced = msgspec.structs.replace(announced, superseded_at=superseded_at)
        result.append(announced)
    return result
