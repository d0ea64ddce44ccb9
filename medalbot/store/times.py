"""How stores keep time: integer microseconds since the Unix epoch, in UTC.

An integer compares and sorts the same in SQLite and PostgreSQL (ISO text would depend on one
exact format), and microseconds hold a Python datetime exactly, so every store hands back the
very datetime it was given, whichever backend is behind it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MICROSECOND = timedelta(microseconds=1)


def to_epoch_us(moment: datetime) -> int:
    """An aware datetime as microseconds since the epoch; a naive one is a caller's bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the store needs aware datetimes, got naive {moment.isoformat()}")
    return (moment - _EPOCH) // _ONE_MICROSECOND


def from_epoch_us(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def as_stored(moment: datetime) -> datetime:
    """The datetime a store would give back for ``moment`` (UTC, checked aware)."""
    return from_epoch_us(to_epoch_us(moment))


def opt_from_epoch_us(micros: int | None) -> datetime | None:
    return None if micros is None else from_epoch_us(micros)
