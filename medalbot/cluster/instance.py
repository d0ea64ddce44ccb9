"""This process as a live instance of the store (medalbot.store.instances): registered at
start-up, heartbeating, and taking back the claims of instances found dead.

A store only one process uses (SQLite, memory) takes back every claim at start-up at once:
whatever claimed them is gone. On PostgreSQL another process's claims come back once its
instance is dead: its connection's lock free (a killed process: at the next check), or its
heartbeat silent for ``instance_stale_after`` seconds (a host that vanished).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from medalbot.cluster.settings import ClusterSettings
from medalbot.services.clock import Clock, utc_now
from medalbot.store.base import StoreError, StoreUnavailable
from medalbot.store.instances import InstanceStore
from medalbot.store.outage import StoreOutage

log = logging.getLogger(__name__)


def is_shared(store: Any) -> bool:
    """Whether several processes may use ``store`` at once (PostgreSQL)."""
    return getattr(store, "dialect", None) == "postgresql"


class InstanceHeartbeat:
    def __init__(
        self,
        store: InstanceStore,
        settings: ClusterSettings,
        *,
        shared: bool,
        clock: Clock = utc_now,
        on_released: Callable[[], None] | None = None,
        outage: StoreOutage | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._shared = shared
        self._clock = clock
        self._on_released = on_released  # rows became due: e.g. wake the sender
        self.instance_id: int | None = None
        self._outage = outage  # told when a beat finds the database out of reach
        self.released = 0  # claims taken back from dead instances, in all

    async def join(self) -> int:
        """Register, and take back the claims nobody alive holds; before the first claim."""
        description = f"{socket.gethostname()} pid {os.getpid()}"
        self.instance_id = await self._store.register_instance(self._clock(), description)
        if self._shared:
            count = await self._store.release_orphaned_claims(
                self.instance_id, self._clock(), self._settings.instance_stale_after
            )
        else:
            count = await self._store.release_all_claims(self.instance_id, self._clock())
        self._took_back(count)
        log.info("instance %d joined (%s)", self.instance_id, description)
        return self.instance_id

    async def run(self) -> None:
        """Heartbeat and check the others until cancelled. A failing store is tried again at
        every beat, and said once per outage (the others may take this one's claims back
        meanwhile: its sends cut short go again with their nonces).

        The beat and the check run apart: the check waits for a connection of the pool the
        sender keeps busy, and a beat waiting behind it went silent for longer than
        ``instance_stale_after`` on a loaded machine, so that the others took this live
        process's claims back (bench.cluster at 10,000 channels: 24 rows, 8 re-sent)."""
        instance_id = self._joined()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._beat(instance_id))
            if self._shared:
                group.create_task(self._check_others(instance_id))

    async def _beat(self, instance_id: int) -> None:
        async def beat() -> None:
            await self._store.heartbeat_instance(instance_id, self._clock())

        await self._every_beat(instance_id, "heartbeat", "heartbeating again", beat)

    async def _check_others(self, instance_id: int) -> None:
        async def check() -> None:
            self._took_back(
                await self._store.release_orphaned_claims(
                    instance_id, self._clock(), self._settings.instance_stale_after
                )
            )

        await self._every_beat(
            instance_id, "checking the others", "checking the others again", check
        )

    async def _every_beat(
        self, instance_id: int, what: str, again: str, step: Callable[[], Awaitable[None]]
    ) -> None:
        """``step`` every heartbeat interval until cancelled. A failure is said once per streak
        (a lost database by the outage, once for everyone), and never ends the loop: a bug in
        one must not silence the beat, or the others would take this live process's claims
        back."""
        failing = False
        while True:
            await asyncio.sleep(self._settings.heartbeat_interval)
            try:
                await step()
            except StoreUnavailable as exc:
                if self._outage is not None:
                    self._outage.lost(exc, f"instance {instance_id}: {what}")
                elif not failing:
                    log.warning("instance %d: %s failed: %s", instance_id, what, exc)
            except StoreError as exc:
                if not failing:
                    log.warning("instance %d: %s failed: %s", instance_id, what, exc)
            except Exception:  # e.g. a deadlock between processes
                if not failing:
                    log.exception("instance %d: %s failed", instance_id, what)
            else:
                if failing:
                    log.info("instance %d: %s", instance_id, again)
                failing = False
                continue
            failing = True

    async def leave(self) -> None:
        """A clean exit: the claims still held go back at once (a send cut off by the exit
        goes again with its nonce)."""
        instance_id = self._joined()
        try:
            count = await self._store.retire_instance(instance_id, self._clock())
        except StoreError as exc:
            log.warning("instance %d: could not retire: %s", instance_id, exc)
            return
        log.info("instance %d left; %d claimed rows due again", instance_id, count)

    def _joined(self) -> int:
        if self.instance_id is None:
            raise RuntimeError("join() first")
        return self.instance_id

    def _took_back(self, count: int) -> None:
        if not count:
            return
        self.released += count
        log.info("took back %d outbox rows claimed by instances no longer running", count)
        if self._on_released is not None:
            self._on_released()
