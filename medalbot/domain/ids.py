"""Alert ids derived from what an alert says, so a replay of the same snapshots yields the same ids
(the outbox and Discord's nonces rely on that to deliver each alert once)."""

from __future__ import annotations

import hashlib
from typing import Final

import msgspec

ID_HEX_CHARS: Final = 16  # 64 bits: collisions within one Games are out of reach


def alert_id(games: str, sequence: int, event: str, kind: str, payload: object) -> str:
    """A short hex digest of the alert's identity; ``payload`` must be msgspec-encodable.

    The sequence is part of it: an alert belongs to the snapshot that revealed it, so the same
    medal announced again after a withdrawal gets a new id.
    """
    material = msgspec.json.encode((games, sequence, event, kind, payload))
    return hashlib.sha256(material).hexdigest()[:ID_HEX_CHARS]
