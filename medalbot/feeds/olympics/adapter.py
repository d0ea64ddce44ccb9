"""Bodies in, snapshots out, in the order the site's clock gives them.

The API has no sequence number. A medals body's ``eventInfo.dateTime`` orders it: the
snapshot's sequence is that moment in microseconds since the epoch, so the domain's own rule
(a sequence not above the last applied one is stale) throws out an older copy an edge cache
serves after a newer one, and the stores keep the order across restarts as they keep any
sequence. A body identical to the last one (same bytes, same medallists) is "nothing new"
before anything is decoded. Should the content change while the clock does not, the sequence
moves up by one microsecond, still below the next real second.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable

from medalbot.domain.models import GamesInfo, Snapshot
from medalbot.feeds.errors import DEFAULT_MAX_BYTES, FeedRejected
from medalbot.feeds.olympics.body import MedallistsBody, MedalsBody, ScheduleBody
from medalbot.feeds.olympics.decode import decode_body
from medalbot.feeds.olympics.snapshot import (
    MedallistsIndex,
    ScheduleIndex,
    build_snapshot,
    sequence_of,
)

log = logging.getLogger(__name__)


class OlympicsAdapter:
    """The ``BodyAdapter`` of an ``olympics`` feed: takes medals bodies and, optionally,
    medallists and schedule bodies (kept, and joined to the medals bodies that follow)."""

    def __init__(
        self,
        games: GamesInfo,
        *,
        unranked_nocs: Iterable[str] = ("AIN",),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.games = games
        self._unranked = tuple(unranked_nocs)
        self._max_bytes = max_bytes
        self._medallists: MedallistsIndex | None = None
        self._medallists_digest = b""
        self._schedule: ScheduleIndex | None = None
        self._schedule_digest = b""
        self._medals: MedalsBody | None = None  # the newest medals body taken
        self._medals_digest = b""
        self._emitted: tuple[bytes, bytes] | None = None  # digests of the newest snapshot made
        # (its medals body's, and the one of the medallists and schedule bodies it joined)
        self._clock_sequence: int | None = None  # sequence_of its dateTime
        self._sequence = 0  # the sequence it was given

    def __call__(self, body: bytes) -> Snapshot | None:
        """A snapshot for a medals body (None: the same as last time); None for a medallists
        or schedule body, which the next medals body (or ``rebuild``) takes in. Raises
        ``FeedError``."""
        digest = hashlib.blake2b(body, digest_size=16).digest()
        if self._emitted == (digest, self._extras) or digest in (
            self._medallists_digest,
            self._schedule_digest,
        ):
            return None  # cheaper than decoding: polls of an unchanged feed cost a hash
        decoded = decode_body(body, max_bytes=self._max_bytes)
        if isinstance(decoded, ScheduleBody):
            self._schedule, self._schedule_digest = ScheduleIndex(decoded), digest
            return None
        if isinstance(decoded, MedallistsBody):
            self._note_competition(decoded.competitionCode)
            self._medallists, self._medallists_digest = MedallistsIndex(decoded), digest
            return None
        self._note_competition(decoded.competitionCode)
        _check_not_emptied(decoded)
        return self._snapshot(decoded, digest)

    def rebuild(self) -> Snapshot | None:
        """The newest medals body again with the medallists taken since (None if there is
        none yet, or nothing changed)."""
        if self._medals is None or self._emitted == (self._medals_digest, self._extras):
            return None
        return self._snapshot(self._medals, self._medals_digest)

    def _snapshot(self, medals: MedalsBody, digest: bytes) -> Snapshot:
        clock = sequence_of(medals.medalStandings.eventInfo.dateTime)
        sequence = clock
        newest = self._clock_sequence is None or clock >= self._clock_sequence
        if newest and clock == self._clock_sequence:
            sequence = self._sequence + 1  # changed content, same clock
        elif not newest and self._medals is not None:
            log.info(
                "olympics feed for %s: a body of %s after one of %s: an older copy (an edge "
                "cache's), so it changes nothing",
                self.games.code,
                medals.medalStandings.eventInfo.dateTime.isoformat(),
                self._medals.medalStandings.eventInfo.dateTime.isoformat(),
            )
        snapshot = build_snapshot(
            medals,
            self._medallists,
            games=self.games,
            sequence=sequence,
            unranked_nocs=self._unranked,
            schedule=self._schedule,
        )
        if newest:  # an older copy goes on to be called stale, and is not remembered
            self._medals, self._medals_digest = medals, digest
            self._emitted = (digest, self._extras)
            self._clock_sequence, self._sequence = clock, sequence
        return snapshot

    @property
    def _extras(self) -> bytes:
        """What the medals body is joined with, as one digest."""
        return self._medallists_digest + self._schedule_digest

    def _note_competition(self, code: str) -> None:
        if code and code.casefold() != self.games.code.casefold():
            log.warning(
                "olympics feed for %s: the body names competition %r; the Games followed is "
                "the one configured (games_code)",
                self.games.code,
                code,
            )


def _check_not_emptied(body: MedalsBody) -> None:
    """A table that lost most of the events the site itself says are finished is a broken
    body (Paris briefly served an empty table), not a wave of withdrawn medals."""
    info = body.medalStandings.eventInfo
    shown = {
        winner.eventCode
        for row in body.medalStandings.medalsTable
        for discipline in row.disciplines
        for winner in discipline.medalWinners
    }
    if len(shown) * 2 < info.finishedEvents:  # fewer than half: not a few late corrections
        raise FeedRejected(
            f"suspect body: the table shows medals of {len(shown)} events but eventInfo says "
            f"{info.finishedEvents} are finished; the last good state is kept"
        )
