"""What is particular to the PostgreSQL store: placeholders, and errors when it is down."""

from __future__ import annotations

import pytest

from medalbot.store import open_store
from medalbot.store.base import StoreError
from medalbot.store.postgres import numbered_placeholders


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1", "SELECT 1"),
        ("a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"),
        ("status = 'why?' AND x = ?", "status = 'why?' AND x = $1"),
        ("note = 'it''s ?' OR y = ? OR z = ?", "note = 'it''s ?' OR y = $1 OR z = $2"),
    ],
)
def test_question_marks_become_numbered_placeholders(sql: str, expected: str) -> None:
    assert numbered_placeholders(sql) == expected


async def test_an_unreachable_server_is_a_store_error() -> None:
    # Port 1 on the loopback refuses at once: nothing listens there.
    with pytest.raises(StoreError, match="cannot connect"):
        await open_store("postgresql://postgres@127.0.0.1:1/nothing")
