"""Live instances: the processes sharing one store, and the claims that belong to them.

A process registers an instance when it starts and heartbeats it (``medalbot.cluster.instance``
does both). The outbox rows it claims record its id, so that another process, or the same one
restarted, takes them back as soon as the instance is found dead, instead of waiting out the
claim's lease (30 s by default): its heartbeat stopped for ``stale_after`` seconds or, on
PostgreSQL, the session advisory lock its own connection holds on its id is free, which it is
the moment a killed process's connection drops. A row taken back is due again exactly as one
whose lease ran out: same channel order, and a row pinned to a message goes again with its
nonce, so that Discord hands back the message the dead process may already have posted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class InstanceStore(Protocol):
    async def register_instance(self, now: datetime, description: str = "") -> int:
        """Register this process as a live instance; returns its id. Every claim made through
        this store from then on records it."""
        ...

    async def heartbeat_instance(self, instance_id: int, now: datetime) -> None:
        """Say the instance is alive at ``now`` (registering it again if it was found dead
        meanwhile, e.g. after its event loop stalled)."""
        ...

    async def release_orphaned_claims(
        self, instance_id: int, now: datetime, stale_after: float
    ) -> int:
        """Forget the instances found dead (other than ``instance_id``) and make the rows they
        had claimed due at ``now``; returns how many rows."""
        ...

    async def release_all_claims(self, instance_id: int, now: datetime) -> int:
        """Take back every claim but ``instance_id``'s, whoever made it: for a store only one
        process uses (SQLite, memory), at start-up, when whatever claimed them is gone."""
        ...

    async def retire_instance(self, instance_id: int, now: datetime) -> int:
        """A clean exit: forget the instance and make the rows it still had claimed due at
        ``now`` (a send cut off by the exit goes again with its nonce); returns how many."""
        ...


@runtime_checkable
class CommittedStates(Protocol):
    async def committed_sequences(self) -> dict[str, int]:
        """The sequence of each Games' committed state, by Games code: a cheap read that
        tells a process which states another one committed since (medalbot.cluster.commits)."""
        ...
