"""Forgiving search over events and athletes, for autocomplete and "did you mean".

Users type fragments with typos ("speed skat 1000", "leerdm"): each query word is matched
against the best word of the target, exact and prefix matches first, then difflib similarity.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Final

from msgspec import Struct

from medalbot.domain.models import Event, Snapshot

MIN_SCORE: Final = 0.7  # mean word score below which a candidate is no match


def normalize(text: str) -> str:
    """Casefolded, accents and apostrophes dropped, other punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("'", "").replace("’", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def _word_score(word: str, candidates: list[str]) -> float:
    best = 0.0
    for candidate in candidates:
        if candidate == word:
            return 1.0
        if candidate.startswith(word):
            score = 0.95
        elif len(word) >= 3 and word in candidate:
            score = 0.8
        else:
            # a typo in a prefix typed so far ("speeds" for "speed skating") compares with the
            # candidate cut to the typed length, a whole-word typo with the whole word
            matcher = difflib.SequenceMatcher(None, word, candidate)
            score = matcher.ratio() if matcher.real_quick_ratio() >= MIN_SCORE else 0.0
            prefix = candidate[: len(word)]
            if len(word) >= 4 and len(candidate) > len(word):
                score = max(score, 0.9 * difflib.SequenceMatcher(None, word, prefix).ratio())
        best = max(best, score)
    return best


def match_score(query: str, target: str) -> float:
    """How well ``query`` matches ``target``: 1.0 when every query word is a target word."""
    words = normalize(query).split()
    candidates = normalize(target).split()
    if not words or not candidates:
        return 0.0
    return sum(_word_score(word, candidates) for word in words) / len(words)


def find_events(snapshot: Snapshot, query: str, limit: int = 25) -> list[Event]:
    """Events whose sport, name or code match ``query``, best first (then by start).

    An empty query lists events by start, for an autocomplete that has nothing typed yet.
    """

    def start_key(event: Event) -> tuple[bool, float, str]:
        return (event.start is None, event.start.timestamp() if event.start else 0.0, event.code)

    if not normalize(query):
        return sorted(snapshot.events, key=start_key)[:limit]
    wanted_code = query.strip().upper()
    scored: list[tuple[float, Event]] = []
    for event in snapshot.events:
        if event.code.upper() == wanted_code:
            score = 2.0
        else:
            score = match_score(query, f"{event.sport} {event.name} {event.code}")
        if score >= MIN_SCORE:
            scored.append((score, event))
    scored.sort(key=lambda item: (-item[0], *start_key(item[1])))
    return [event for _, event in scored[:limit]]


class AthleteMatch(Struct, frozen=True):
    name: str
    noc: str
    events: tuple[str, ...]  # codes of the events they are entered in


def find_athletes(snapshot: Snapshot, query: str, limit: int = 25) -> list[AthleteMatch]:
    """Athletes (individuals and team members) whose name matches ``query``, best first."""
    entries: dict[tuple[str, str], list[str]] = {}
    for event in snapshot.events:
        for result in event.results:
            competitor = result.competitor
            names = competitor.members or (competitor.name,)
            for name in names:
                codes = entries.setdefault((name, competitor.noc), [])
                if event.code not in codes:
                    codes.append(event.code)
    scored: list[tuple[float, AthleteMatch]] = []
    for (name, noc), codes in entries.items():
        score = match_score(query, name)
        if score >= MIN_SCORE:
            scored.append((score, AthleteMatch(name, noc, tuple(codes))))
    scored.sort(key=lambda item: (-item[0], normalize(item[1].name), item[1].noc))
    return [match for _, match in scored[:limit]]
