"""The medal table: what each nation won in medal events, ranked the IOC way or by total."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from msgspec import Struct

from medalbot.domain.alerts import NocTally
from medalbot.domain.awards import medal_results
from medalbot.domain.models import Medal, Snapshot

TableOrder = Literal["medals", "total"]


class TableRow(Struct, frozen=True):
    rank: int
    noc: str
    gold: int
    silver: int
    bronze: int
    total: int


def medal_tallies(snapshot: Snapshot) -> dict[str, NocTally]:
    """Medals per NOC as the table counts them: medal events only, unranked NOCs left out.

    A team medal is one result, so it counts once for its NOC whatever the number of members.
    """
    unranked = frozenset(snapshot.unranked_nocs)
    counts: dict[str, list[int]] = {}
    for event in snapshot.events:
        if not event.medal_event:
            continue
        for result, medal in medal_results(event):
            noc = result.competitor.noc
            if noc in unranked:
                continue
            row = counts.get(noc)
            if row is None:
                row = counts[noc] = [0, 0, 0]
            row[_INDEX[medal]] += 1
    return {noc: NocTally(noc, gold=g, silver=s, bronze=b) for noc, (g, s, b) in counts.items()}


_INDEX = {Medal.GOLD: 0, Medal.SILVER: 1, Medal.BRONZE: 2}


def rank_tallies(tallies: Iterable[NocTally], order: TableOrder = "medals") -> list[TableRow]:
    """Rank nations; nations with equal counts share a rank (1, 2, 2, 4) and are listed by NOC."""

    def sort_key(t: NocTally) -> tuple[int, ...]:
        if order == "total":
            return (-t.total, -t.gold, -t.silver, -t.bronze)
        return (-t.gold, -t.silver, -t.bronze)

    ranked = sorted((t for t in tallies if t.total > 0), key=lambda t: (sort_key(t), t.noc))
    rows: list[TableRow] = []
    previous_key: tuple[int, ...] | None = None
    rank = 0
    for position, tally in enumerate(ranked, start=1):
        key = sort_key(tally)
        if key != previous_key:
            rank, previous_key = position, key
        rows.append(TableRow(rank, tally.noc, tally.gold, tally.silver, tally.bronze, tally.total))
    return rows


def medal_table(snapshot: Snapshot, order: TableOrder = "medals") -> list[TableRow]:
    """The medal table of a snapshot: IOC order (gold, silver, bronze) or by total."""
    return rank_tallies(medal_tallies(snapshot).values(), order)
