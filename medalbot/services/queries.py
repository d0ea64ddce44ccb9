"""Fans' questions, answered from the in-memory state (never the database, never waiting on a
fan-out), with a UserError that says what to do when a question cannot be answered."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from msgspec import Struct

from medalbot.domain.between_games import NextGames, Phase, games_phase, next_games_ahead
from medalbot.domain.models import Event, Snapshot
from medalbot.domain.queries import (
    AthleteSummary,
    GamesRecord,
    NationMedal,
    Podium,
    StatusTime,
    athlete_summary,
    games_records,
    nation_medals,
    podium,
    status_time,
    upcoming_medal_events,
)
from medalbot.domain.race import MedalRace, games_time_zone, medal_race
from medalbot.domain.search import (
    AthleteMatch,
    clear_best_event,
    find_athletes,
    find_events,
    match_score,
    normalize,
)
from medalbot.domain.state import GamesState
from medalbot.domain.table import TableOrder, TableRow, medal_table
from medalbot.i18n import N_, nation_names
from medalbot.services.clock import Clock, utc_now
from medalbot.services.errors import UserError
from medalbot.services.live import LiveState

# A typed event name is taken as meant when it scores this well and clearly beats the next.
CONFIDENT = 0.85


def match_sport(sports: Iterable[str], text: str) -> str:
    """The sport of ``sports`` (as the feed names it) that ``text`` means, whatever the case,
    accents or punctuation typed; otherwise a UserError with close matches."""
    by_name = {normalize(sport): sport for sport in sorted(sports)}
    wanted = normalize(text)
    if wanted in by_name:
        return by_name[wanted]
    close = [by_name[s] for s in difflib.get_close_matches(wanted, by_name, n=3, cutoff=0.6)]
    if close:
        raise UserError(
            N_("There is no sport called “{sport}” at these Games. Did you mean {sports}?"),
            sport=text,
            sports=", ".join(close),
        )
    raise UserError(N_("There is no sport called “{sport}” at these Games."), sport=text)


class MedalTable(Struct, frozen=True):
    games: str
    rows: tuple[TableRow, ...]
    order: TableOrder
    as_of: datetime
    unranked: tuple[str, ...] = ()
    final: bool = False  # the Games are over: this is their final table


class BetweenGames(Struct, frozen=True):
    """What /schedule says when no Games is live: the last Games (if the feed has one), and the
    next as the configuration names them (if it does and they have not started)."""

    last_games: str | None
    finished: bool  # the last Games are over (else they have not begun)
    next_games: NextGames | None


class NationReport(Struct, frozen=True):
    noc: str
    row: TableRow | None  # its line in the table; None without medals (or unranked)
    medals: tuple[NationMedal, ...]
    as_of: datetime


class QueryService:
    def __init__(
        self,
        live: LiveState,
        *,
        clock: Clock = utc_now,
        next_games: NextGames | None = None,
        finished_after: timedelta = timedelta(hours=24),
    ) -> None:
        self._live = live
        self._clock = clock
        self._next_games = next_games  # from the configuration ([games])
        self._finished_after = finished_after

    def phase(self) -> Phase | None:
        """Whether the followed Games is upcoming, live or finished; None before any data."""
        state = self._live.current
        if state is None:
            return None
        return games_phase(state.snapshot, self._clock(), finished_after=self._finished_after)

    def between_games(self) -> BetweenGames | None:
        """None while a Games is live; otherwise what fans should know instead of a schedule.
        Before the feed was first read, only the configured next Games are known: without
        them nothing is said (the bot may have just started during a Games)."""
        phase = self.phase()
        if phase is Phase.LIVE:
            return None
        state = self._live.current
        next_games = next_games_ahead(self._next_games, self._clock())
        if state is None and next_games is None:
            return None
        return BetweenGames(
            last_games=state.snapshot.games.name if state is not None else None,
            finished=phase is Phase.FINISHED,
            next_games=next_games,
        )

    def state(self) -> GamesState:
        state = self._live.current
        if state is None:
            raise UserError(N_("No results yet: the Games feed has not been read. Try again soon."))
        return state

    def snapshot(self) -> Snapshot:
        return self.state().snapshot

    # The medal table ----------------------------------------------------------------------

    def medal_table(self, order: TableOrder = "medals") -> MedalTable:
        snap = self.snapshot()
        return MedalTable(
            games=snap.games.name,
            rows=tuple(medal_table(snap, order)),
            order=order,
            as_of=snap.generated_at,
            unranked=snap.unranked_nocs,
            final=self.phase() is Phase.FINISHED,
        )

    def resolve_nation(self, text: str) -> str:
        """The NOC a fan meant: its code (what autocomplete sends) or its name in a language
        we speak ("netherlands", "Nederland"); otherwise a UserError with close matches."""
        snap = self.snapshot()
        known = sorted({r.competitor.noc for e in snap.events for r in e.results})
        code = text.strip().upper()
        if code in known:
            return code
        by_name = {normalize(name): noc for noc in known for name in nation_names(noc)}
        wanted = normalize(text)
        if wanted in by_name:
            return by_name[wanted]
        # a mistyped code ("NDE") is compared with codes, anything longer with names
        close = (
            difflib.get_close_matches(code, known, n=3, cutoff=0.5)
            if len(code) == 3
            else [by_name[n] for n in difflib.get_close_matches(wanted, by_name, n=3, cutoff=0.75)]
        )
        if close:
            raise UserError(
                N_("No nation “{noc}” takes part in these Games. Did you mean {codes}?"),
                noc=text,
                codes=", ".join(dict.fromkeys(close)),
            )
        raise UserError(N_("No nation “{noc}” takes part in these Games."), noc=text)

    def nation(self, noc: str) -> NationReport:
        snap = self.snapshot()
        code = self.resolve_nation(noc)
        row = next((r for r in medal_table(snap) if r.noc == code), None)
        return NationReport(
            noc=code, row=row, medals=tuple(nation_medals(snap, code)), as_of=snap.generated_at
        )

    def race(self, nations: Sequence[str] = ()) -> MedalRace:
        """The medal race of the nations named (codes or names), or of the leaders."""
        state = self.state()
        nocs = [self.resolve_nation(text) for text in nations]
        race = medal_race(state, nocs, tz=games_time_zone(state.snapshot.games.code))
        if not race.days:
            raise UserError(N_("No medals have been awarded yet."))
        return race

    # Events -------------------------------------------------------------------------------

    def resolve_event(self, text: str) -> Event:
        """The event a fan meant: an exact code (what autocomplete sends), else the clear best
        match of what they typed; otherwise a UserError that suggests events."""
        snap = self.snapshot()
        event = snap.event(text.strip()) or snap.event(text.strip().upper())
        if event is not None:
            return event
        clear = clear_best_event(snap, text, CONFIDENT)
        if clear is not None:
            return clear
        found = find_events(snap, text, limit=4)
        if found:
            names = "; ".join(f"{e.sport} · {e.name}" for e in found[:3])
            raise UserError(N_("Which event do you mean? Perhaps: {events}."), events=names)
        raise UserError(
            N_("No event matches “{text}”. Start typing a sport or an event name."), text=text
        )

    def status_since(self, event_code: str) -> StatusTime | None:
        """Since when the event has its status, and how the bot knows (see StatusTime)."""
        state = self.state()
        event = state.snapshot.event(event_code)
        if event is None:
            return None
        return status_time(event, state.ledger.get(event_code))

    def podium(self, text: str) -> Podium:
        event = self.resolve_event(text)
        result = podium(self.snapshot(), event.code)
        assert result is not None  # resolve_event found it in the same snapshot
        return result

    def event_choices(self, current: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, event code) pairs for autocomplete, best match first."""
        snap = self._live.current
        if snap is None:
            return []
        return [
            (f"{e.sport} · {e.name}"[:100], e.code)
            for e in find_events(snap.snapshot, current, limit=limit)
        ]

    # Records, schedule, athletes ----------------------------------------------------------

    def resolve_sport(self, text: str) -> str:
        return match_sport({e.sport for e in self.snapshot().events}, text)

    def records(self, sport: str | None = None) -> list[GamesRecord]:
        if not self._live.carries_records:  # an empty list would read as "none set yet"
            raise UserError(
                N_(
                    "The results feed this bot follows does not carry records, so there are "
                    "none to show: records set at these Games will not appear here."
                )
            )
        found = games_records(self.state())
        if sport:
            wanted = self.resolve_sport(sport)
            found = [r for r in found if r.sport == wanted]
        return found

    def schedule(
        self, *, noc: str | None = None, sport: str | None = None, limit: int = 25
    ) -> list[Event]:
        return upcoming_medal_events(
            self.snapshot(),
            self._clock(),
            noc=self.resolve_nation(noc) if noc else None,
            sport=self.resolve_sport(sport) if sport else None,
            limit=limit,
        )

    def athlete_choices(self, current: str, limit: int = 25) -> list[AthleteMatch]:
        state = self._live.current
        if state is None or not current.strip():
            return []
        return find_athletes(state.snapshot, current, limit=limit)

    def athlete(self, name: str) -> AthleteSummary:
        state = self.state()
        text, _, noc = name.partition("|")  # autocomplete sends "name|NOC"
        summary = athlete_summary(state, text, noc or None)
        matches = [] if summary is not None else find_athletes(state.snapshot, text, limit=3)
        if matches and _clear_best(text, [m.name for m in matches]):
            # a surname or a typo ("leerdam", "jutta leerdm") that fits one athlete only
            summary = athlete_summary(state, matches[0].name, matches[0].noc)
        if summary is None and matches:
            raise UserError(
                N_("No athlete “{name}” at these Games. Perhaps: {athletes}."),
                name=text,
                athletes=", ".join(f"{m.name} ({m.noc})" for m in matches),
            )
        if summary is None:
            raise UserError(N_("No athlete “{name}” at these Games."), name=text)
        return summary


def split_nations(text: str) -> list[str]:
    """The nations in what a fan typed: codes or names separated by commas ("GBR, Netherlands"),
    or codes separated by spaces ("GBR NED FRA")."""
    found: list[str] = []
    for part in re.split(r"[,;]", text):
        words = part.split()
        if len(words) > 1 and all(len(w) == 3 and w.isalpha() for w in words):
            found.extend(words)
        elif words:
            found.append(" ".join(words))
    return found


def _clear_best(text: str, labels: list[str]) -> bool:
    """Whether the first of the labels (best match first) is clearly what ``text`` meant."""
    best = match_score(text, labels[0])
    runner_up = match_score(text, labels[1]) if len(labels) > 1 else 0.0
    return best >= CONFIDENT and best > runner_up
