"""Forgiving search over events and athletes, for autocomplete and "did you mean".

Users type fragments with typos ("speed skat 1000", "leerdm"): each query word is matched
against the best word of the target, exact and prefix matches first, then difflib similarity.
"""

from __future__ import annotations

import difflib
import functools
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


def _similarity(word: str, other: str) -> float:
    """difflib's ratio, skipped (0.0) when its cheap upper bounds already rule out a match."""
    if 2 * min(len(word), len(other)) < MIN_SCORE * (len(word) + len(other)):
        return 0.0  # the lengths alone rule it out (difflib's real_quick_ratio, inlined)
    matcher = difflib.SequenceMatcher(None, word, other)
    if matcher.quick_ratio() < MIN_SCORE:
        return 0.0
    return matcher.ratio()


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
            # a whole-word typo compares with the whole word, a typo in a word still being typed
            # ("speeds" for "speed skating") with the candidate cut to the typed length
            score = _similarity(word, candidate)
            if len(word) >= 4 and len(candidate) > len(word):
                score = max(score, 0.9 * _similarity(word, candidate[: len(word)]))
        best = max(best, score)
    return best


@functools.lru_cache(maxsize=65_536)
def _words(text: str) -> list[str]:
    """Normalized words of a name; cached, as the same names are searched keystroke after
    keystroke (callers must not modify the list)."""
    return normalize(text).split()


def _score(words: list[str], target: str) -> float:
    candidates = _words(target)
    if not words or not candidates:
        return 0.0
    return sum(_word_score(word, candidates) for word in words) / len(words)


def match_score(query: str, target: str) -> float:
    """How well ``query`` matches ``target``: 1.0 when every query word is a target word."""
    return _score(normalize(query).split(), target)


def _coverage(words: list[str], name: str) -> float:
    """How much of an event's own name (not its sport) the query's words spell out whole or
    as a prefix: "men's 100m freestyle" covers all of "Men's 100m Freestyle" but half of
    "Men's 4 x 100m Freestyle Relay", so the event typed goes first."""
    targets = _words(name)
    if not targets:
        return 0.0
    covered = sum(1 for t in targets if any(t == w or t.startswith(w) for w in words))
    return covered / len(targets)


EXACT_NAME: Final = 1.5  # above any word match, below a typed code
WHOLE_WORDS: Final = 0.95  # every word typed is a word of the event, or begins one
TYPO_FLOOR: Final = 0.8  # below: some word matched only by resemblance


def _ranked_events(snapshot: Snapshot, query: str) -> list[tuple[tuple[float, float], Event]]:
    wanted_code = query.strip().upper()
    typed = normalize(query)
    words = typed.split()
    scored: list[tuple[tuple[float, float], Event]] = []
    for event in snapshot.events:
        if event.code.upper() == wanted_code:
            score = 2.0
        elif typed in (normalize(event.name), normalize(f"{event.sport} {event.name}")):
            score = EXACT_NAME  # the event's name typed in full: no doubt left
        else:
            score = _score(words, f"{event.sport} {event.name} {event.code}")
        if score >= MIN_SCORE:
            scored.append(((score, _coverage(words, event.name)), event))
    if any(key[0] >= WHOLE_WORDS for key, _ in scored):
        # what was typed is spelled right: a look-alike word ("triathlon" for "marathon") is
        # noise beside the events that have the words
        scored = [(key, event) for key, event in scored if key[0] >= TYPO_FLOOR]
    scored.sort(key=lambda item: (-item[0][0], -item[0][1], *_start_key(item[1])))
    return scored


def _start_key(event: Event) -> tuple[bool, float, str]:
    return (event.start is None, event.start.timestamp() if event.start else 0.0, event.code)


def find_events(snapshot: Snapshot, query: str, limit: int = 25) -> list[Event]:
    """Events whose sport, name or code match ``query``, best first: a typed code, then the
    event's whole name, then by how well the words match (whole words before prefixes before
    typos) and how much of the event's name they cover; then by start.

    An empty query lists events by start, for an autocomplete that has nothing typed yet.
    """
    if not normalize(query):
        return sorted(snapshot.events, key=_start_key)[:limit]
    return [event for _, event in _ranked_events(snapshot, query)[:limit]]


def clear_best_event(snapshot: Snapshot, query: str, confident: float) -> Event | None:
    """The event ``query`` clearly means: the only one it names in full, or the only best
    match scoring at least ``confident`` that matches better than the next. How much of a name
    the words cover orders suggestions but picks none: "1000m" covers more of "Women's 1000m"
    than of "Men's 1000m (fictional)", yet means either."""
    ranked = _ranked_events(snapshot, query)
    if not ranked:
        return None
    (best, event), runner_up = ranked[0], ranked[1][0] if len(ranked) > 1 else (0.0, 0.0)
    if best[0] >= EXACT_NAME:
        return event if runner_up[0] < best[0] else None
    return event if best[0] >= confident and best[0] > runner_up[0] else None


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
    words = normalize(query).split()
    scored: list[tuple[float, AthleteMatch]] = []
    for (name, noc), codes in entries.items():
        score = _score(words, name)
        if score >= MIN_SCORE:
            scored.append((score, AthleteMatch(name, noc, tuple(codes))))
    scored.sort(key=lambda item: (-item[0], normalize(item[1].name), item[1].noc))
    return [match for _, match in scored[:limit]]
