"""The bot's background work, in one owner: one poll job per feed, one digest job per distinct
(local time, time zone) of the subscriptions' daily digests and the start-up catch-up, the
outbox sender's task, and the edits of alert messages whose event became official.

The wiring (``medalbot.app``) builds it before the services, which are handed its digest jobs
(``digests``), and the client (``medalbot.client``) starts it when the bot starts, with the
sender it owns, and stops it when the bot closes. Cogs never reach it: moderators' changes go
through the services, which move a subscription between digest jobs at once.

APScheduler 3.x ``AsyncIOScheduler`` with the in-memory job store (jobs are rebuilt from the
settings and the database at start-up, nothing pickled): ``max_instances=1`` so a slow run is
never doubled, ``coalesce`` so a backlog of missed runs becomes one, and an explicit
``misfire_grace_time`` (the 1 s default drops runs on a busy loop). APScheduler itself logs a
missed or skipped run (WARNING) and a job that raised (ERROR, with the traceback), naming the
job ("poll main", "digest 08:00 Europe/Amsterdam"); ``medalbot.logs`` keeps its per-run INFO
lines out.

A poll job's interval is the feed's own while a Games is live and the off-season interval
(``[games]``) while none is (``medalbot.domain.between_games.poll_interval``): after each poll
the job is rescheduled when the rule's answer changed, and says so in the log.

A digest job fires at a local digest time in its time zone (``DigestTrigger``), shared by every
subscription with that time and zone (``medalbot.delivery.digest_schedule``). The job only asks
the digest poster to post each one's latest digest if it was not posted yet, so a run twice on
the same day (a clock change, a restart, the start-up catch-up for digests missed while the bot
was down) posts nothing more.

The database may go away while the bot runs (``medalbot.store.outage``): a poll or a digest
that meets ``StoreUnavailable`` reports it to the outage watch instead of raising; while the
database is out of reach the poll jobs skip their runs (the feed keeps what it has, nothing
is read and lost) and the digest jobs wait, and both resume by themselves when it is back.
Several processes on one PostgreSQL (``medalbot.cluster``): every process schedules every poll
job, but a job polls only while this process leads its feed (``FeedLeadership``; one process
alone leads them all). A process that gains a feed first loads the committed state of every
Games and re-opens a source that keeps its documents (ODF), so that it never detects against
what it held before another process polled, then polls at once. Meanwhile the commit
listener (``medalbot.cluster.commits``) keeps a follower's in-memory state, which fans'
commands answer from, on what the poller committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from medalbot.cluster.commits import CommitListener
from medalbot.cluster.leadership import FeedLeadership, OnChange, SoleLeader
from medalbot.cluster.settings import DIGESTS
from medalbot.config import DeliverySettings, GamesSettings
from medalbot.delivery.digest import DigestOutcome, DigestPoster
from medalbot.delivery.digest_schedule import DigestSchedule
from medalbot.delivery.sender import OutboxSender
from medalbot.domain.between_games import (
    first_medal_start,
    games_phase,
    next_games_ahead,
    poll_interval,
)
from medalbot.domain.state import GamesState
from medalbot.feeds.factory import open_feed
from medalbot.feeds.formats import feed_format
from medalbot.logs import log_context
from medalbot.ops.runtime import OpsRuntime
from medalbot.services.bundle import Feed
from medalbot.services.clock import Clock, utc_now
from medalbot.services.polling import PollReport, PollService
from medalbot.store.base import OfficialEdit, Store, StoreError, StoreUnavailable
from medalbot.store.outage import StoreOutage

log = logging.getLogger(__name__)


class LeadershipFactory(Protocol):
    """Builds the feeds' leadership, told of each change (``PostgresLeadership`` with its
    settings bound)."""

    def __call__(self, *, on_change: OnChange) -> FeedLeadership: ...


def sole_leader(*, on_change: OnChange) -> FeedLeadership:
    """One process: it leads every feed from the start, so nothing ever changes."""
    return SoleLeader()


class _Running:
    """What exists only while the background work runs: it needs the bot's sender."""

    def __init__(self, sender: OutboxSender, polling: PollService, poster: DigestPoster) -> None:
        self.sender = sender
        self.polling = polling
        self.poster = poster
        self.sender_task = asyncio.create_task(sender.run(), name="outbox-sender")
        self.cluster_tasks: list[asyncio.Task[None]] = []  # leadership, commit listener
        # edits of alert messages whose event became official, running beside the poll
        self.official_edits: set[asyncio.Task[None]] = set()


class Background:
    def __init__(
        self,
        settings: DeliverySettings,
        store: Store,
        feeds: Sequence[Feed],
        *,
        clock: Clock = utc_now,
        ops: OpsRuntime | None = None,
        games: GamesSettings | None = None,
        outage: StoreOutage | None = None,
        leadership: LeadershipFactory = sole_leader,
        commits: CommitListener | None = None,
    ) -> None:
        self._settings = settings
        self._games = games or GamesSettings()
        # each feed's poll interval now (the job's trigger), by feed name
        self.poll_intervals = {f.settings.name: f.settings.interval for f in feeds}
        self.outage = outage  # None: a store failure is raised (and logged by APScheduler)
        self._store = store
        self._feeds = list(feeds)
        self._clock = clock
        self._ops = ops
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.digests = DigestSchedule(
            self.scheduler, self._post_digest, concurrency=settings.workers
        )
        self.digests_caught_up = asyncio.Event()  # set once the start-up catch-up is done
        self._catching_up = asyncio.Lock()
        self._running: _Running | None = None
        self._stopping = False
        self._polls: set[asyncio.Task[object]] = set()  # poll jobs under way
        self.leadership = leadership(on_change=self._leadership_changed)
        self._commits = commits  # None: nobody else commits (one process)
        # Feeds this process leads and has reloaded the state for: their jobs poll.
        self._leading: set[str] = set()
        # A feed's poll and its take-over (reload, re-open) never overlap.
        self._feed_locks = {f.settings.name: asyncio.Lock() for f in self._feeds}

    async def start(self, *, sender: OutboxSender, polling: PollService) -> None:
        """Schedule the polls (the first at once), the digests and their catch-up; run the
        sender."""
        if self._running is not None:
            raise RuntimeError("the background work is already running")
        poster = DigestPoster(self._store, sender, self._settings, clock=self._clock)
        self._running = running = _Running(sender, polling, poster)
        if isinstance(self.leadership, SoleLeader):
            self._leading = {f.settings.name for f in self._feeds}  # loaded by the wiring
            for feed in self._feeds:  # what the last run left owed (a crash, a stop)
                await self._resume_official_edits(running, feed.settings.name)
        now = datetime.now(UTC)  # the scheduler runs on real time, whatever clock alerts use
        for feed in self._feeds:
            self.scheduler.add_job(
                self.poll,
                IntervalTrigger(seconds=feed.settings.interval, jitter=feed.settings.jitter),
                args=[feed],
                id=f"poll:{feed.settings.name}",
                name=f"poll {feed.settings.name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=feed.settings.misfire_grace_time,
                replace_existing=True,
                next_run_time=now,  # poll at once on start-up, then on the interval
            )
        await self.rebuild_digest_jobs()
        # Digests whose time came while the bot was down, if recent and not posted yet.
        self.scheduler.add_job(
            self.catch_up_digests,
            DateTrigger(run_date=now, timezone=UTC),
            id="digests:catch-up",
            name="digest catch-up",
            misfire_grace_time=None,
        )
        self.scheduler.start()
        if self._commits is not None:
            await self._commits.start()
            running.cluster_tasks.append(
                asyncio.create_task(self._commits.run(), name="commit-listener")
            )
        running.cluster_tasks.append(
            asyncio.create_task(self.leadership.run(), name="feed-leadership")
        )

    async def stop(self) -> None:
        """No new runs; the sender and the official edits are cancelled (a clean shutdown:
        what they leave unsent is sent again at the next start)."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        # A poll under way is stopped here, not by the event loop's teardown: APScheduler
        # would log that as a job that failed. Its commit is one transaction either way.
        polls = list(self._polls)
        for task in polls:
            task.cancel()
        await asyncio.gather(*polls, return_exceptions=True)
        running, self._running = self._running, None
        if running is None:
            return
        tasks = [running.sender_task, *running.official_edits, *running.cluster_tasks]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._leading.clear()
        await self.leadership.close()  # another process takes the feeds over at its next try

    async def poll(self, feed: Feed) -> None:
        """One poll of ``feed`` if this process leads it (a follower's job does nothing);
        what it committed goes to the sender at once."""
        running = self._started()
        if self.outage is not None and self.outage.down:
            return  # paused: the next run after the database is back polls
        name = feed.settings.name
        task = asyncio.current_task()
        if task is not None:
            self._polls.add(task)
        try:
            async with self._feed_locks[name]:
                if name not in self._leading or not self.leadership.leads(name):
                    return
                with log_context(feed=name):
                    report = await running.polling.poll(feed.source)
        except StoreUnavailable as exc:
            if self.outage is None:
                raise
            # the snapshot is kept and applied at the first poll after the outage
            self.outage.lost(exc, f"feed {name}: saving a snapshot")
            return
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("feed %s: poll stopped by the shutdown", name)
            return
        finally:
            if task is not None:
                self._polls.discard(task)
        if report.outcome == "applied":
            self._deliver(running, report)
        if self._ops is not None:
            self._ops.metrics.observe_poll(report, self._clock())
        self._pace(feed, running.polling.live.current)

    def interval_for(self, feed: Feed, state: GamesState | None) -> float:
        """How long to wait before polling ``feed`` again, by what its Games' state says."""
        now = self._clock()
        games = self._games
        phase = None
        if state is not None:
            phase = games_phase(state.snapshot, now, finished_after=games.finished_after)
        return poll_interval(
            phase,
            now,
            live_interval=feed.settings.interval,
            off_season_interval=games.off_season_interval,
            wake_before=games.wake_before,
            next_games=next_games_ahead(games.next_games, now - games.wake_before),
            first_medal_start=first_medal_start(state.snapshot) if state else None,
        )

    def _pace(self, feed: Feed, state: GamesState | None) -> None:
        name = feed.settings.name
        interval = self.interval_for(feed, state)
        if interval == self.poll_intervals.get(name):
            return
        self.poll_intervals[name] = interval
        self.scheduler.reschedule_job(
            f"poll:{name}", trigger=IntervalTrigger(seconds=interval, jitter=feed.settings.jitter)
        )
        log.info("feed %s: polled every %g s from now on", name, interval)

    async def _leadership_changed(self, name: str, leading: bool) -> None:
        """Gained: load what the previous poller committed and re-open a source that keeps
        its documents (they are in the store, newer than this process's copy), then poll at
        once. Lost: the feed's job stops polling. The daily digests' poster, when gained,
        catches up with those whose time came while its predecessor was dying."""
        if not leading:
            self._leading.discard(name)
            return
        if name == DIGESTS:
            self.scheduler.add_job(
                self.catch_up_digests,
                DateTrigger(run_date=datetime.now(UTC), timezone=UTC),
                id="digests:catch-up",
                name="digest catch-up",
                misfire_grace_time=None,
                replace_existing=True,
            )
            return
        running = self._started()
        feed = next(f for f in self._feeds if f.settings.name == name)
        async with self._feed_locks[name]:
            await running.polling.restore_all()
            fmt = feed_format(feed.settings.format)
            if fmt.kept_decoder is not None and fmt.settings_of(feed.settings).polled:
                await feed.source.close()
                feed.source = await open_feed(feed.settings, self._store)
            self._leading.add(name)
            await self._resume_official_edits(running, name)
        job = self.scheduler.get_job(f"poll:{name}")
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    def _deliver(self, running: _Running, report: PollReport) -> None:
        """New outbox rows go out now; messages of events now official are edited in tasks
        of their own, so that the poll never waits on Discord."""
        running.sender.wake()
        for event in report.became_official:
            self._edit_official(running, event)

    def _edit_official(self, running: _Running, event: OfficialEdit) -> None:
        task = asyncio.create_task(
            self._mark_official(running.sender, event), name=f"official-{event.event}"
        )
        running.official_edits.add(task)
        task.add_done_callback(running.official_edits.discard)

    async def _mark_official(self, sender: OutboxSender, event: OfficialEdit) -> None:
        """Edit the event's messages, then strike the edits off what the store says is owed
        (a poller that dies first leaves them owed: its feed's next poller makes them)."""
        try:
            await sender.mark_official(event.games, event.event, event.alert_ids)
            await self._store.official_edits_made(event)
        except Exception:
            # cosmetic: the alerts went out; owed, they are tried again when the feed is
            # taken over or the bot restarts
            log.exception("event %s: marking its alert messages official failed", event.event)

    async def _resume_official_edits(self, running: _Running, feed: str) -> None:
        """The edits ``feed``'s previous poller recorded and did not make (it died, or the
        bot was stopped): made now. Made twice, an edit shows the same message."""
        try:
            owed = await self._store.official_edits_owed(feed)
        except StoreError as exc:  # still owed: the next take-over or start makes them
            log.warning("feed %s: could not read the official edits owed: %s", feed, exc)
            return
        for event in owed:
            log.info("event %s: its messages are still owed the official edit", event.event)
            self._edit_official(running, event)

    async def rebuild_digest_jobs(self) -> None:
        """One digest job per (local time, time zone) of a digest, as the database says."""
        self.digests.rebuild(await self._store.list_subscriptions())

    async def catch_up_digests(self) -> None:
        """Post the digests whose time came while nobody posted them (this process was down, or
        the process that posted them died), if recent and not posted yet."""
        try:
            poster = self._started().poster
            # one at a time: the start-up's and a take-over's may come together
            async with self._catching_up:
                if self.leadership.leads(DIGESTS):  # else the one that takes them over does
                    await self.digests.catch_up(poster.is_recent)
        finally:
            self.digests_caught_up.set()

    async def _post_digest(self, subscription_id: int) -> DigestOutcome:
        poster = self._started().poster
        while True:
            if self.outage is not None:
                await self.outage.wait_up()  # a digest waits out an outage, then goes
            if not self.leadership.leads(DIGESTS):  # (the outage may have cost us that)
                return DigestOutcome.ELSEWHERE
            try:
                return await poster.post_due(subscription_id)
            except StoreUnavailable as exc:
                if self.outage is None:
                    raise
                self.outage.lost(exc, f"subscription {subscription_id}: posting its digest")

    def _started(self) -> _Running:
        if self._running is None:
            raise RuntimeError("the background work is not running")
        return self._running
