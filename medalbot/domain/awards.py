"""What one event shows right now: its medals in podium order and its record flags in the order
they were set, each with the key change detection compares against the ledger."""

from __future__ import annotations

from typing import NamedTuple

from medalbot.domain.alerts import MedalWon, RecordSet
from medalbot.domain.models import Event, Medal, RecordFlag, Result

MedalKey = tuple[Medal, str, str]  # (medal, noc, name)
RecordKey = tuple[str, str, str, str, bool]  # (type, noc, name, mark, equalled)


def medal_key(medal: MedalWon) -> MedalKey:
    return (medal.medal, medal.noc, medal.name)


def record_key(record: RecordSet) -> RecordKey:
    return (record.type, record.noc, record.name, record.mark, record.equalled)


def medal_won(result: Result, medal: Medal) -> MedalWon:
    competitor = result.competitor
    return MedalWon(medal, competitor.noc, competitor.name, competitor.members, result.mark)


def medal_results(event: Event) -> list[tuple[Result, Medal]]:
    """The results that carry a medal, in the feed's order. A competitor listed twice with the
    same medal (a feed glitch) counts once: alerts, tallies and replies all count from here."""
    found: dict[MedalKey, tuple[Result, Medal]] = {}
    for result in event.results:
        if result.medal is not None:
            key = (result.medal, result.competitor.noc, result.competitor.name)
            found.setdefault(key, (result, result.medal))
    return list(found.values())


def podium_medals(event: Event) -> list[MedalWon]:
    """Every medal of the event, gold first; tied medals keep the order of the results."""
    won = (medal_won(result, medal) for result, medal in medal_results(event))
    return sorted(won, key=lambda m: m.medal.order)  # sorted() is stable


class FlaggedRecord(NamedTuple):
    """A record flag on a result, not yet resolved against what it beat."""

    key: RecordKey
    result: Result
    flag: RecordFlag


def record_flags(event: Event) -> list[FlaggedRecord]:
    """Record flags of the event, worse first: results without a rank (not yet placed), then by
    rank from the worst, ties and unranked in reverse result order; one result's flags in order.

    When several records appear in one snapshot, the worse one must have been set first: a
    better mark set earlier would have made it no record at all.
    """
    ordered: list[tuple[tuple[int, int, int, int], FlaggedRecord]] = []
    seen: set[RecordKey] = set()
    for index, result in enumerate(event.results):
        for flag_index, flag in enumerate(result.records):
            key: RecordKey = (
                flag.type,
                result.competitor.noc,
                result.competitor.name,
                result.mark or "",
                flag.equalled,
            )
            if key in seen:
                continue
            seen.add(key)
            placed = 0 if result.rank is None else 1
            sort_key = (placed, -(result.rank or 0), -index, flag_index)
            ordered.append((sort_key, FlaggedRecord(key, result, flag)))
    ordered.sort(key=lambda item: item[0])
    return [flagged for _, flagged in ordered]
