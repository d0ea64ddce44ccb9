"""When daily digests run: one scheduler job per distinct (local time, time zone), not one per
subscription.

An APScheduler 3.x job with a ``CronTrigger`` costs about 3.1 KB (traced, ``bench/memory.py``),
so one per subscription with a digest broke the memory goal (2 KiB per subscription) once a
fifth of them had one. Subscriptions that share a local time and a time zone share a job; the
schedule keeps which subscriptions each job is for (sets of ids: 64 bytes a subscription at
100,000) and runs their digests when it fires.

Kept in step with the database: rebuilt from it at start-up (``rebuild``), and told of every
moderator's change at once (``update``, ``forget``); a group whose last subscription leaves
loses its job. A run also drops the subscriptions it finds removed or without a digest any
more, should a change reach the database some other way. Each digest is still posted through
``DigestPoster.post_due``, which posts a subscription's digest once per local day whatever
runs it (a clock change, a restart, the start-up catch-up), so the grouping changes when jobs
run, never what is posted.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, time, timedelta
from typing import Final, TypeAlias

from apscheduler.job import Job
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger

from medalbot.delivery.digest import DigestOutcome
from medalbot.domain.schedule import Schedule, UnknownTimezone, next_digest_at, zone
from medalbot.domain.subscriptions import Subscription

log = logging.getLogger(__name__)

# A digest run that starts this late (a busy or suspended process) still runs; the digest
# poster itself refuses digests older than its catch-up window.
DIGEST_MISFIRE_GRACE: Final = 15 * 60  # seconds
DIGEST_JOB_PREFIX: Final = "digest:"
_TICK: Final = timedelta(microseconds=1)

DigestKey: TypeAlias = tuple[time, str]  # a local time (hours and minutes), an IANA time zone
PostDue: TypeAlias = Callable[[int], Awaitable[DigestOutcome]]


def digest_job_id(at: time, timezone: str) -> str:
    return f"{DIGEST_JOB_PREFIX}{at:%H:%M}:{timezone}"


def digest_key(sub: Subscription) -> DigestKey | None:
    if sub.digest_time is None:
        return None
    return (sub.digest_time.replace(second=0, microsecond=0, tzinfo=None), sub.timezone)


class DigestTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler is untyped
    """Fires when the digests of a local time in a time zone are due, as the digest poster
    reckons their days (``next_digest_at``). Not a ``CronTrigger``: on the day the clocks go
    forward, a bot started between the jump and the skipped time's reading (02:30 read as
    01:30 UTC in Amsterdam) would be told tomorrow by the cron, and today's digest never
    posted; and when they go back, the cron fires twice for nothing."""

    __slots__ = ("schedule",)

    def __init__(self, at: time, timezone: str) -> None:
        zone(timezone)  # raises UnknownTimezone now rather than at every reckoning
        self.schedule = Schedule(timezone=timezone, digest_time=at)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        start = now if previous_fire_time is None else max(now, previous_fire_time + _TICK)
        fires = next_digest_at(self.schedule, start - _TICK)  # strictly after: at or after start
        assert fires is not None  # the schedule has a digest time
        return fires

    def __str__(self) -> str:
        return f"daily at {self.schedule.digest_time:%H:%M} {self.schedule.timezone}"


class DigestSchedule:
    """The digest jobs of one scheduler, and which subscriptions each one posts for."""

    def __init__(self, scheduler: BaseScheduler, post_due: PostDue, *, concurrency: int) -> None:
        self._scheduler = scheduler
        self._post_due = post_due
        self._concurrency = concurrency  # digests sent at once (the sender paces them)
        self._groups: dict[DigestKey, set[int]] = {}
        # bumped by every update()/forget(): a run must not undo a change made while it ran
        self._changes: defaultdict[int, int] = defaultdict(int)

    def keys(self) -> list[DigestKey]:
        return sorted(self._groups)

    def subscriptions(self, at: time, timezone: str) -> frozenset[int]:
        return frozenset(self._groups.get((at, timezone), ()))

    def job(self, at: time, timezone: str) -> Job | None:
        return self._scheduler.get_job(digest_job_id(at, timezone))

    def update(self, sub: Subscription) -> Job | None:
        """Follow a subscription's digest settings: its group's job (None without a digest)."""
        self._changes[sub.id] += 1
        key = digest_key(sub)
        old = self._key_of(sub.id)
        if old is not None and old != key:
            self._leave(old, sub.id)
        if key is None:
            if old is not None:
                log.info("subscription %d: daily digest unscheduled", sub.id)
            return None
        job = self._join(key, sub.id)
        if old != key and job is not None:
            log.info("subscription %d: daily digest at %s %s", sub.id, f"{key[0]:%H:%M}", key[1])
        return job

    def forget(self, subscription_id: int) -> None:
        """A removed subscription: out of its group (and the group's job, if it was the last)."""
        self._changes[subscription_id] += 1
        key = self._key_of(subscription_id)
        if key is not None:
            self._leave(key, subscription_id)
            log.info("subscription %d: daily digest unscheduled", subscription_id)

    def rebuild(self, subs: Iterable[Subscription]) -> None:
        """Every digest job anew, as the database says."""
        for job in self._scheduler.get_jobs():
            if job.id.startswith(DIGEST_JOB_PREFIX):
                job.remove()
        self._groups.clear()
        refused: set[DigestKey] = set()  # said once, not once per subscription
        for sub in subs:
            key = digest_key(sub)
            if key is None or key in refused:
                continue
            group = self._groups.get(key)
            if group is not None:
                group.add(sub.id)
            elif self._add_job(key):
                self._groups[key] = {sub.id}
            else:
                refused.add(key)
        log.info(
            "%d daily digests in %d jobs",
            sum(len(g) for g in self._groups.values()),
            len(self._groups),
        )

    async def run(self, at: time, timezone: str) -> dict[int, DigestOutcome]:
        """The job of (``at``, ``timezone``): post the digest of each of its subscriptions
        unless it was posted; a subscription that fails is logged and the others go on."""
        key = (at, timezone)
        ids = sorted(self._groups.get(key, ()))
        changes = {sub_id: self._changes[sub_id] for sub_id in ids}
        outcomes: dict[int, DigestOutcome] = {}
        queue = iter(ids)
        workers = [self._work(queue, outcomes) for _ in range(min(self._concurrency, len(ids)))]
        await asyncio.gather(*workers)
        for sub_id, outcome in outcomes.items():
            # removed or turned off without our hearing of it; unless a moderator changed it
            # while we ran: then update() has already put it where it belongs now
            changed = self._changes[sub_id] != changes[sub_id]
            if outcome in (DigestOutcome.GONE, DigestOutcome.NO_DIGEST) and not changed:
                self._leave(key, sub_id)
        counts = Counter(o.value for o in outcomes.values())
        log.info(
            "digest %s %s: %s",
            f"{at:%H:%M}",
            timezone,
            ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nobody",
        )
        if key not in self._groups:  # nobody left to post for: the job has no reason to stay
            self._drop_job(key)
        return outcomes

    async def catch_up(self, recent: Callable[[Schedule], bool]) -> None:
        """Run the groups whose latest digest is ``recent`` (at start-up: those whose time came
        while the bot was down); each subscription's digest still posts once."""
        for key in self.keys():
            if recent(schedule_of(key)):
                await self.run(*key)

    async def _work(self, queue: Iterator[int], outcomes: dict[int, DigestOutcome]) -> None:
        for sub_id in queue:  # the workers share the iterator: each id is taken once
            try:
                outcomes[sub_id] = await self._post_due(sub_id)
            except Exception:  # one subscription's failure must not cost the others theirs
                log.exception("subscription %d: the digest failed", sub_id)
                outcomes[sub_id] = DigestOutcome.FAILED
            log.debug("subscription %d: digest job: %s", sub_id, outcomes[sub_id].value)

    def _key_of(self, subscription_id: int) -> DigestKey | None:
        # a few dozen groups at most in practice: cheaper than a second map of every id
        for key, group in self._groups.items():
            if subscription_id in group:
                return key
        return None

    def _join(self, key: DigestKey, subscription_id: int) -> Job | None:
        group = self._groups.get(key)
        if group is None:
            if not self._add_job(key):
                return None
            group = self._groups[key] = set()
        group.add(subscription_id)
        return self.job(*key)

    def _leave(self, key: DigestKey, subscription_id: int) -> None:
        group = self._groups.get(key)
        if group is None:
            return
        group.discard(subscription_id)
        if not group:
            del self._groups[key]
            self._drop_job(key)

    def _add_job(self, key: DigestKey) -> bool:
        at, timezone = key
        try:
            trigger = DigestTrigger(at, timezone)
        except UnknownTimezone as exc:  # stored, then lost from tzdata: the others still run
            log.error("no daily digests at %s %s: %s", f"{at:%H:%M}", timezone, exc)
            return False
        self._scheduler.add_job(
            self.run,
            trigger,
            args=[at, timezone],
            id=digest_job_id(at, timezone),
            name=f"digest {at:%H:%M} {timezone}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
            replace_existing=True,
        )
        return True

    def _drop_job(self, key: DigestKey) -> None:
        job = self.job(*key)
        if job is not None:
            job.remove()
            log.info("no daily digests at %s %s any more", f"{key[0]:%H:%M}", key[1])


def schedule_of(key: DigestKey) -> Schedule:
    """The schedule every subscription of a group shares, as far as its digest goes."""
    return Schedule(timezone=key[1], digest_time=key[0])
