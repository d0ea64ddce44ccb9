"""ODF (Olympic Data Feed, XML) → snapshots.

ODF sends many small messages, each a new version of one document (a unit's results, an event's
medallists, a discipline's records). ``OdfAccumulator`` keeps the newest version of each and
assembles a whole-Games ``Snapshot`` from them on demand; ``OdfAdapter`` plugs it into an HTTP
feed source. What is read, and how events are assembled, is listed in ``ODF.md``. The documents
it took can be exported and read back after a restart (``documents.OdfDocumentKeeper``).
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from medalbot.domain.models import (
    FEED_FORMAT,
    Event,
    EventStatus,
    GamesInfo,
    Medal,
    Result,
    Snapshot,
    StandingRecord,
)
from medalbot.feeds.errors import DEFAULT_MAX_BYTES, FeedError, FeedRejected, describe_size
from medalbot.feeds.native import encode_snapshot, parse_snapshot
from medalbot.feeds.odf.codes import (
    DEFAULT_RECORD_TYPES,
    DISCIPLINES,
    KNOWN_GAMES,
    default_event_name,
    gender_of,
)
from medalbot.feeds.odf.messages import (
    EventMedallists,
    Message,
    Records,
    UnitEntry,
    UnitResults,
    message_elements,
    message_xml,
    parse_message,
)
from medalbot.store.base import FeedDocument

log = logging.getLogger(__name__)

_FINAL_PHASE_PREFIX = "FNL"


class OdfAccumulator:
    """The newest version of every ODF document of one Games, and the snapshot they make."""

    def __init__(
        self,
        games_code: str | None = None,
        games_name: str | None = None,
        *,
        event_names: Mapping[str, str] | None = None,
        record_types: Collection[str] = DEFAULT_RECORD_TYPES,
        unranked_nocs: Sequence[str] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._games_code = games_code
        self._games_name = games_name
        self._event_names = dict(event_names or {})
        self._record_types = frozenset(record_types)
        self._unranked_nocs = tuple(unranked_nocs)
        self._max_bytes = max_bytes
        self._versions: dict[tuple[str, str, str], int] = {}
        # Insertion order is arrival order: the first version of a document fixes its place.
        self._units: dict[tuple[str, str, str], UnitResults] = {}
        self._medallists: dict[str, EventMedallists] = {}
        self._records: dict[tuple[str, str, str], Records] = {}
        self._events: dict[str, None] = {}
        # Where each document first arrived (kept across restarts), and the newest versions
        # taken since the last ``mark_saved``, as they would be saved.
        self._positions: dict[tuple[str, str, str], int] = {}
        self._next_position = 0
        self._unsaved: dict[str, FeedDocument] = {}

    def ingest(self, xml: bytes) -> bool:
        """Read one ODF message, or a wrapper of several; True if the snapshot would change.

        A body is taken whole or not at all: if any message in it is malformed, ``FeedRejected``
        is raised and nothing in the body is applied. Test messages (FeedFlag="T"), message
        types medalbot does not read, and versions not above the one held are skipped.
        """
        return self._ingest(xml, position=None)

    def seed(self, documents: Iterable[FeedDocument]) -> int:
        """Take back documents saved before a restart, in arrival order; returns how many.

        They count as saved already. A saved document that is now refused (another Games is
        configured, or it no longer parses) is skipped with a warning: the feed's own messages
        are what counts, and a bot must start.
        """
        taken = 0
        for document in sorted(documents, key=lambda d: d.position):
            try:
                self._ingest(document.body.encode("utf-8"), position=document.position)
            except FeedError as exc:
                log.warning(
                    "skipping saved ODF document %s v%d: %s",
                    document.key,
                    document.version,
                    exc.reason,
                )
                continue
            taken += 1
        return taken

    def unsaved_documents(self) -> list[FeedDocument]:
        """The documents whose newest version was taken since the last ``mark_saved`` (every
        one a changed body brought), in arrival order, with that message's XML."""
        return sorted(self._unsaved.values(), key=lambda d: d.position)

    def mark_saved(self, documents: Iterable[FeedDocument]) -> None:
        """These documents are in the store; a newer version taken meanwhile stays unsaved."""
        for document in documents:
            held = self._unsaved.get(document.key)
            if held is not None and held.version == document.version:
                del self._unsaved[document.key]

    def _ingest(self, xml: bytes, *, position: int | None) -> bool:
        if len(xml) > self._max_bytes:
            raise FeedRejected(
                f"body larger than {describe_size(self._max_bytes)} ({describe_size(len(xml))})"
            )
        parsed: list[tuple[Message, Element]] = []
        games_code = self._games_code
        for i, element in enumerate(message_elements(xml)):
            try:
                message = parse_message(element, record_types=self._record_types)
            except FeedError as exc:
                raise exc.prefixed(f"message {i + 1}") from exc
            if message is None:
                continue
            competition = message.header.competition
            if games_code is None:
                games_code = competition  # follow the Games of the first message
            elif competition is not None and competition != games_code:
                raise FeedRejected(
                    f"message {i + 1}: {message.header.label} is for competition "
                    f"{competition}, not {games_code}"
                )
            parsed.append((message, element))
        if parsed and games_code is None:
            raise FeedRejected("no CompetitionCode in the messages and no Games code configured")
        self._games_code = games_code
        changed = False
        for message, element in parsed:
            if self._take(message, element, position):
                changed = self._apply(message) or changed
        return changed

    @property
    def games(self) -> GamesInfo | None:
        """The Games followed: as configured, or as named by the first message's CompetitionCode."""
        if self._games_code is None:
            return None
        name = self._games_name or KNOWN_GAMES.get(self._games_code, self._games_code)
        return GamesInfo(code=self._games_code, name=name)

    def snapshot(self, sequence: int, generated_at: datetime) -> Snapshot:
        """The Games as the documents held so far describe them."""
        games = self.games
        if games is None:
            raise FeedRejected("no Games code: none configured and no message named one yet")
        standing: list[StandingRecord] = []
        for records in self._records.values():
            standing.extend(records.records)
        snapshot = Snapshot(
            format=FEED_FORMAT,
            games=games,
            sequence=sequence,
            generated_at=generated_at,
            events=tuple(self._event(code) for code in self._events),
            unranked_nocs=self._unranked_nocs,
            standing_records=tuple(standing),
        )
        # The same checks as a native feed gets, so both adapters promise the same snapshot.
        return parse_snapshot(encode_snapshot(snapshot), max_bytes=sys.maxsize)

    @property
    def documents(self) -> int:
        """How many documents (newest versions) are held."""
        return len(self._versions)

    def _take(self, message: Message, element: Element, position: int | None) -> bool:
        """Record a version newer than the one held (False: ignore the message). Seeded
        documents (``position`` given) keep their saved place and are not unsaved."""
        header = message.header
        held = self._versions.get(header.key)
        if held is not None and header.version <= held:
            log.debug("ignoring %s: version %d is already held", header.label, held)
            return False
        self._versions[header.key] = header.version
        if header.key not in self._positions:
            self._positions[header.key] = self._next_position if position is None else position
            self._next_position = max(self._next_position, self._positions[header.key] + 1)
        if position is None:
            key = _join_key(header.key)
            self._unsaved[key] = FeedDocument(
                key=key,
                version=header.version,
                body=message_xml(element),
                position=self._positions[header.key],
            )
        return True

    def _apply(self, message: Message) -> bool:
        """Put a newly taken version in place; True if the snapshot changes."""
        header = message.header
        if isinstance(message, UnitResults):
            before: Message | None = self._units.get(header.key)
            self._units[header.key] = message
            self._events.setdefault(message.event)
        elif isinstance(message, EventMedallists):
            before = self._medallists.get(message.event)
            self._medallists[message.event] = message
            self._events.setdefault(message.event)
        else:
            before = self._records.get(header.key)
            self._records[header.key] = message
        return before is None or _content(before) != _content(message)

    def _event(self, code: str) -> Event:
        units = [u for u in self._units.values() if u.event == code]
        medallists = self._medallists.get(code)
        return Event(
            code=code,
            sport=DISCIPLINES.get(code[:3], code[:3]),
            name=self._event_names.get(code) or default_event_name(code),
            gender=gender_of(code),
            status=_event_status(units, medallists),
            results=_event_results(units, medallists),
        )


class OdfAdapter:
    """Turns HTTP bodies of ODF XML into snapshots for ``HttpFeedSource``.

    Sequence numbers are milliseconds since the epoch (or one more than the last, if the clock
    stalls), so they keep growing across restarts, as the state store requires.
    """

    def __init__(
        self, accumulator: OdfAccumulator, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.accumulator = accumulator
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sequence = 0
        self._resync = False

    def resync(self) -> None:
        """Make the next body yield a snapshot even if it changes nothing: after a restart the
        saved documents may be ahead of the saved state (a crash between the two saves)."""
        self._resync = True

    def __call__(self, body: bytes) -> Snapshot | None:
        changed = self.accumulator.ingest(body)
        if not changed and not self._resync:
            return None
        self._resync = False
        now = self._clock()
        self._sequence = max(self._sequence + 1, int(now.timestamp() * 1000))
        return self.accumulator.snapshot(self._sequence, now)


def _join_key(key: tuple[str, str, str]) -> str:
    """A document's identity as stored: ODF codes never contain ``|``."""
    return "|".join(key)


def _content(message: Message) -> object:
    """A message without its header, to tell a real change from a re-sent version."""
    if isinstance(message, UnitResults):
        return (message.status, message.entries)
    if isinstance(message, EventMedallists):
        return message.medallists
    return message.records


def _event_status(units: list[UnitResults], medallists: EventMedallists | None) -> EventStatus:
    """An event is protested if any unit is; once its medallists are known it is at least
    unofficial; otherwise it follows its deciding unit (its only unit, or its only final)."""
    statuses = [u.status for u in units]
    if EventStatus.PROTESTED in statuses:
        return EventStatus.PROTESTED
    if medallists is not None:
        latest = statuses[-1] if statuses else EventStatus.OFFICIAL
        return latest if latest is EventStatus.OFFICIAL else EventStatus.UNOFFICIAL
    if all(s is EventStatus.SCHEDULED for s in statuses):
        return EventStatus.SCHEDULED
    deciding = _deciding_unit(units)
    if deciding is not None and deciding.status is not EventStatus.SCHEDULED:
        return deciding.status
    return EventStatus.RUNNING


def _deciding_unit(units: list[UnitResults]) -> UnitResults | None:
    """The unit whose ranking is the event's: the only unit, or the only final-phase unit.
    With several finals (A and B finals, bronze and gold bouts) no unit ranks the event."""
    if len(units) == 1:
        return units[0]
    finals = [u for u in units if u.phase.startswith(_FINAL_PHASE_PREFIX)]
    return finals[0] if len(finals) == 1 else None


def _event_results(
    units: list[UnitResults], medallists: EventMedallists | None
) -> tuple[Result, ...]:
    """One result per competitor, from the latest unit they appear in, with the medals of the
    medallists message; plus, for a record set in an earlier unit with another mark, a
    separate unranked result carrying that mark and its flags."""
    deciding = _deciding_unit(units)
    latest: dict[str, tuple[UnitResults, UnitEntry]] = {}
    for unit in units:
        for entry in unit.entries:
            latest[entry.key] = (unit, entry)

    medals = {m.key: m for m in medallists.medallists} if medallists else {}
    medal_ranks = _medal_ranks([m.medal for m in medals.values()])

    results: list[tuple[tuple[int, float], Result]] = []
    for key, (unit, entry) in latest.items():
        medallist = medals.get(key)
        mark = entry.result.mark
        flags = list(entry.result.records)
        for other_unit in units:  # flags set with this same mark elsewhere belong here too
            for other in other_unit.entries:
                if other.key == key and other is not entry and other.result.mark == mark:
                    flags.extend(f for f in other.result.records if f not in flags)
        if medallist is not None:
            result = Result(
                competitor=medallist.competitor,
                rank=medal_ranks[medallist.medal],
                mark=mark,
                records=tuple(flags),
                medal=medallist.medal,  # medals come from the medallists message alone
            )
        else:
            rank = entry.result.rank if unit is deciding else None
            result = Result(
                competitor=entry.result.competitor,
                rank=rank,
                mark=mark,
                status=entry.result.status,
                records=tuple(flags),
            )
        results.append((_order(result), result))

    for key, medallist in medals.items():
        if key not in latest:
            result = Result(
                competitor=medallist.competitor,
                rank=medal_ranks[medallist.medal],
                medal=medallist.medal,
            )
            results.append((_order(result), result))

    for unit in units:
        for entry in unit.entries:
            main = latest[entry.key][1]
            if entry is main or not entry.result.records or entry.result.mark == main.result.mark:
                continue
            extra = Result(
                competitor=entry.result.competitor,
                mark=entry.result.mark,
                records=entry.result.records,
            )
            results.append(((4, math.inf), extra))

    results.sort(key=lambda pair: pair[0])  # stable: arrival order within equal keys
    return tuple(result for _, result in results)


def _medal_ranks(medals: list[Medal]) -> dict[Medal, int]:
    """Tied medallists share a rank: two golds are both 1st and the bronze is 3rd."""
    golds, silvers = medals.count(Medal.GOLD), medals.count(Medal.SILVER)
    return {Medal.GOLD: 1, Medal.SILVER: 1 + golds, Medal.BRONZE: 1 + golds + silvers}


def _order(result: Result) -> tuple[int, float]:
    medal_order = result.medal.order if result.medal is not None else 3
    return (medal_order, result.rank if result.rank is not None else math.inf)
