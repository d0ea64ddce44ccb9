"""The Store contract for the edits owed to events now official, on memory, SQLite and
PostgreSQL: recorded by the commit that found the event official (not by a stale one), listed
for the feed whose poll found it, and owed until the messages are edited, so that a poller
that dies in between leaves them to the next one."""

from __future__ import annotations

import pytest

from medalbot.store.base import OfficialEdit, StaleStateError, Store
from tests.store.builders import GAMES, T0, at, medal_alert, state

EVENT = "SSKW1000M"


async def test_an_official_edit_is_owed_until_it_is_made(store: Store) -> None:
    edit = OfficialEdit(GAMES, EVENT, ("a1", "a2"), feed="main")
    alerts = [medal_alert("a1"), medal_alert("a2")]
    await store.commit_snapshot(state(1), alerts, [], T0, [edit])

    assert await store.official_edits_owed("main") == [edit]
    assert await store.official_edits_owed("odf") == []  # another feed's poller owes nothing

    # a commit that did not happen (another process applied it first) records nothing
    other = OfficialEdit(GAMES, "ALPMDH", ("x1",), feed="main")
    with pytest.raises(StaleStateError):
        await store.commit_snapshot(state(1), [], [], at(1), [other])
    # the same event owed again replaces what was owed (one edit per event)
    again = OfficialEdit(GAMES, EVENT, ("a1",), feed="main")
    await store.commit_snapshot(state(2), [], [], at(2), [again])
    assert await store.official_edits_owed("main") == [again]

    # the first edit's task ends after that commit: the edit owed since stays owed
    await store.official_edits_made(edit)
    assert await store.official_edits_owed("main") == [again]
    await store.official_edits_made(again)
    assert await store.official_edits_owed("main") == []
    await store.official_edits_made(again)  # made twice: nothing to strike off
