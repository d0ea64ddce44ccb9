"""Drain the outbox to Discord: paced, batched, retried, and never sent twice.

The protocol (shared/discord-limits.md §5): claim due rows with a lease; before sending, pin
the rows of one message to a batch nonce in the store; send with that nonce (Discord returns
the existing message for a repeated nonce); record the message id. After a crash the leased
rows come back with their batch nonce and are re-sent as the very same message, so Discord
deduplicates the retry. A pinned batch is therefore claimed whole, and pinned at most once: a
sender whose lease ran out mid-pass leaves rows another sender took over to that one.

Quiet hours (medalbot.domain.schedule): a claimed row whose subscription is in its quiet hours
is held, unsent, until they end (a new record goes through if the subscription allows it).
Nothing pings in the night; when the quiet hours are over, everything held for a subscription
goes out as ONE summary message, pinned and nonce'd like any batch. A row already pinned to a
batch is never held: its message may be on Discord already, and only re-sending it with the
same nonce keeps it from appearing twice.

Sending is pipelined (medalbot.delivery.pipeline): a bounded pool of workers sends one channel
each, and new rows are claimed as workers free up, so a slow answer holds up only its channel.
A claimed row's lease is respected: a job does not start a message it might still be sending
when the lease runs out (another sender could take the rows over); it puts the rest back.
New posts go before cosmetic edits in the global bucket (ratelimit.Priority).

The database may go away (medalbot.store.outage): a claim or a channel's job that meets
``StoreUnavailable`` reports it, claiming waits until the database is back, and the rows of the
jobs it cut short are put back first then (a message they may have posted goes again with its
nonce), rather than when their lease runs out.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from enum import Enum, auto
from typing import Protocol, TypeVar

import discord
import msgspec

from medalbot.config import DeliverySettings
from medalbot.delivery.pipeline import ChannelJob, Claim, Pipeline
from medalbot.delivery.port import ChannelRefused, MessagePort, MessageRejected, TransientFailure
from medalbot.delivery.ratelimit import (
    GlobalLimiter,
    Monotonic,
    Priority,
    TokenBucket,
    WindowPacer,
)
from medalbot.domain.alerts import Alert, AlertBase, CorrectionAlert
from medalbot.domain.models import EventStatus
from medalbot.domain.schedule import held_in_quiet_hours, quiet_hours_end
from medalbot.domain.subscriptions import Subscription
from medalbot.logs import set_log_context
from medalbot.render.alerts import (
    RenderedMessage,
    render_batch,
    render_corrected_message,
    split_for_discord,
)
from medalbot.render.digest import render_quiet_summary
from medalbot.services.clock import Clock, utc_now
from medalbot.store.base import (
    Delivery,
    GamesLogStore,
    GuildSettings,
    GuildSettingsStore,
    OutboxStore,
    StoreUnavailable,
    SubscriptionStore,
)
from medalbot.store.outage import StoreOutage

log = logging.getLogger(__name__)

AlertT = TypeVar("AlertT", bound=AlertBase)

ChannelRefusedHook = Callable[[int, int, str], Awaitable[None]]  # guild_id, channel_id, reason
OfficialNow = Callable[[str, str], bool]  # (games, event) -> the result is official by now


def batch_nonce(deliveries: Sequence[Delivery]) -> str:
    """One nonce for a message carrying several deliveries, derived from theirs."""
    if len(deliveries) == 1:
        return deliveries[0].nonce
    digest = hashlib.sha256("|".join(sorted(d.nonce for d in deliveries)).encode()).hexdigest()
    return "b" + digest[:24]


class _After(Enum):
    """What a channel's other messages do after one was handled."""

    NEXT = auto()  # go on with the next message
    WAIT = auto()  # wait with this one (to be retried), keeping the channel's order
    LEAVE = auto()  # leave them: failed with a refused channel, or taken over by another sender


class SenderStore(OutboxStore, GamesLogStore, SubscriptionStore, GuildSettingsStore, Protocol):
    """What the sender uses: the outbox, the alerts it renders, the subscriptions it sends for
    (and pauses) and their servers' languages."""


class SenderStats:
    def __init__(self) -> None:
        self.messages = 0
        self.sent = 0
        self.failed = 0
        self.retried = 0
        self.paused_channels = 0
        self.held = 0  # rows held for quiet hours (a row held twice counts twice)
        self.summaries = 0  # messages summarising held rows


class OutboxSender:
    def __init__(
        self,
        store: SenderStore,
        port: MessagePort,
        settings: DeliverySettings,
        *,
        clock: Clock = utc_now,
        on_channel_refused: ChannelRefusedHook | None = None,
        idle_check: float = 1.0,
        official_now: OfficialNow | None = None,
        monotonic: Monotonic = time.monotonic,
        bucket: GlobalLimiter | None = None,
        outage: StoreOutage | None = None,
        claim_limit: int | None = None,
    ) -> None:
        self._store = store
        self._outage = outage  # None: a store failure is logged by the pipeline, retried
        self._stranded: list[Delivery] = []  # claimed rows of jobs an outage cut short
        # whether an event's result is official by now: an alert queued (or held in quiet
        # hours) while the result turned official goes out saying so, as mark_official would
        # have edited it to
        self._official_now = official_now
        self._port = port
        self._settings = settings
        self._clock = clock
        self._on_channel_refused = on_channel_refused
        self._monotonic = monotonic
        # one process's own pace, unless several share the token's (medalbot.cluster)
        self._bucket = bucket or TokenBucket(settings.global_rate, settings.global_burst)
        self._pacer = WindowPacer(settings.channel_rate, settings.channel_period)
        # rows claimed per pass (batch_size unless the wiring holds this process to less)
        self._claim_limit = min(settings.batch_size, claim_limit or settings.batch_size)
        self._pipeline = Pipeline(
            claim=self._claim_jobs,
            send=self._send_job,
            put_back=self._put_back,
            workers=settings.workers,
            idle_check=idle_check,  # also picks up rows whose retry time has come
        )
        self.stats = SenderStats()

    def wake(self) -> None:
        """New rows were committed: claim now rather than at the next idle check."""
        self._pipeline.wake()

    async def wait_idle(self) -> None:
        """Until a claim finds nothing due and nothing is being sent (for the demo and tests)."""
        await self._pipeline.idle.wait()

    async def run(self) -> None:
        """Send until cancelled; cancelling it is the clean shutdown (see Pipeline.run)."""
        await self._pipeline.run()

    async def _claim_jobs(self) -> list[ChannelJob]:
        """Claim due rows, once the database answers (after an outage, the rows of the jobs
        it cut short are due again first)."""
        if self._outage is None:
            return await self._claim_once()
        while True:
            await self._outage.wait_up()
            stranded, self._stranded = self._stranded, []
            try:
                if stranded:
                    await self._put_back(stranded)
                    log.info("%d claimed rows cut short by the outage are due again", len(stranded))
                return await self._claim_once()
            except StoreUnavailable as exc:
                self._stranded = [*stranded, *self._stranded]
                self._outage.lost(exc, "claiming deliveries")

    async def _send_job(self, job: ChannelJob) -> None:
        try:
            await self._send_channel(job)
        except StoreUnavailable as exc:
            if self._outage is None:
                raise
            self._outage.lost(exc, f"sending to channel {job.channel_id}")
            self._stranded += job.rows  # its finished rows are left as they are

    async def _claim_once(self) -> list[ChannelJob]:
        """Claim due rows: one job per channel, the most urgent channels first."""
        leased_at = self._monotonic()
        limit = self._claim_limit
        rows = await self._store.claim_deliveries(
            self._clock(), limit, self._settings.lease_seconds
        )
        if not rows:
            return []
        alerts = await self._store.get_alerts(sorted({r.alert_id for r in rows}))
        # only the claimed rows' subscriptions: loading all of them on every pass blocked the
        # loop for ~0.1 s a pass at 10,000 subscriptions (bench/fanout.py)
        subs = await self._store.get_subscriptions(sorted({r.subscription_id for r in rows}))
        claim = Claim(alerts, subs, {}, leased_at)
        # The channels in the order the store chose them (the most urgent, work taken back
        # from a dead sender, then the oldest); each channel's rows in the order they were found.
        by_channel: dict[int, list[Delivery]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel_id].append(row)
        order = [sorted(rs, key=lambda r: r.id) for rs in by_channel.values()]
        # A lone channel cut at the limit has more rows waiting once this job ends.
        cut = len(order) == 1 and len(rows) >= limit
        return [ChannelJob(rs, claim, recheck=cut, rank=i) for i, rs in enumerate(order)]

    async def _put_back(self, rows: list[Delivery]) -> None:
        """Claimed rows this sender will not send now: due again at once, their claim's
        attempt undone (a row behind a leased one of its channel still waits for it)."""
        await self._store.mark_retry(
            [r.id for r in rows], self._clock(), "put back unsent", attempted=False
        )

    async def post(
        self, guild_id: int, channel_id: int, message: RenderedMessage, nonce: str
    ) -> int:
        """Send one message, paced below Discord's limits (alerts, and a daily digest that is
        not an outbox row); returns its id. Raises SendFailure; a refused channel is paused and
        its queued alerts dropped."""
        # The channel's own window first, the token's global grant last, right before the
        # request: a grant taken and then held while the channel waits would go out later,
        # bunched with the grants on time (with several processes, a global 429).
        await self._pacer.wait_turn(channel_id)
        await self._bucket.acquire(Priority.POST)
        self._pacer.record(channel_id)  # nothing else sends to it meanwhile: one job a channel
        try:
            message_id = await self._port.send(channel_id, message, nonce)
        except ChannelRefused as exc:
            await self._refused(guild_id, channel_id, exc)
            raise
        except TransientFailure as exc:
            if exc.retry_after:
                self._pacer.penalise(channel_id, exc.retry_after)
            raise
        self.stats.messages += 1
        return message_id

    async def _guild_settings(
        self, guild_id: int, cache: dict[int, GuildSettings]
    ) -> GuildSettings:
        if guild_id not in cache:
            cache[guild_id] = await self._store.get_guild_settings(guild_id)
        return cache[guild_id]

    def _batches(
        self, rows: list[Delivery], alerts: dict[str, Alert], subs: dict[int, Subscription]
    ) -> list[list[Delivery]]:
        """Group a channel's rows into messages: a batch pinned before a crash stays as it was;
        rows held in quiet hours make one summary per subscription; the rest go together per
        subscription (one role mention, one spoiler-safe choice), within Discord's limits. A
        message is rendered for its first row's subscription, so two subscriptions of a channel
        never share one: a spoiler-safe one's alerts never show in a plain message, nor the
        other way round."""
        pinned: dict[str, list[Delivery]] = defaultdict(list)
        summaries: dict[int, list[Delivery]] = defaultdict(list)
        loose: list[Delivery] = []
        for row in rows:
            if row.batch_nonce:
                pinned[row.batch_nonce].append(row)
            elif row.held_at is not None:
                summaries[row.subscription_id].append(row)
            else:
                loose.append(row)
        batches = [*pinned.values(), *summaries.values()]
        run: list[Delivery] = []
        for row in loose:
            if run and row.subscription_id != run[-1].subscription_id:
                batches.extend(self._split(run, alerts, subs))
                run = []
            run.append(row)
        if run:
            batches.extend(self._split(run, alerts, subs))
        return sorted(batches, key=lambda b: b[0].id)

    def _split(
        self, rows: list[Delivery], alerts: dict[str, Alert], subs: dict[int, Subscription]
    ) -> list[list[Delivery]]:
        by_alert = {r.alert_id: r for r in rows}
        limit = self._settings.max_embeds_per_message
        spoiler_safe = subs[rows[0].subscription_id].spoiler_safe  # one subscription's rows
        groups = split_for_discord([alerts[r.alert_id] for r in rows], spoiler_safe=spoiler_safe)
        out: list[list[Delivery]] = []
        for group in groups:
            chunk = [by_alert[a.id] for a in group]
            out.extend(chunk[i : i + limit] for i in range(0, len(chunk), limit))
        return out

    async def _send_channel(self, job: ChannelJob) -> None:
        rows, alerts, subs = job.rows, job.claim.alerts, job.claim.subs
        # each channel runs in its own task: its log lines carry its ids
        set_log_context(guild=rows[0].guild_id, channel=rows[0].channel_id)
        rows = await self._without_missing_alerts(rows, alerts)
        unsent: dict[str, list[Delivery]] = defaultdict(list)
        keep: list[Delivery] = []
        for row in rows:
            sub = subs.get(row.subscription_id)
            if sub is None:  # unsubscribed since it was queued: the moderator asked for quiet
                unsent["subscription removed"].append(row)
            elif sub.paused_reason is not None:  # the channel refused us: another try is a 403
                unsent["subscription paused"].append(row)
            else:
                keep.append(row)
        for reason, dropped in unsent.items():
            log.info(
                "channel %d: alerts %s not sent: %s",
                dropped[0].channel_id,
                ",".join(r.alert_id for r in dropped),
                reason,
            )
            await self._store.mark_failed([r.id for r in dropped], reason)
        rows = keep
        now = self._clock()
        rows = await self._hold_quiet(rows, alerts, subs, now)
        rows = await self._with_all_released(rows, alerts, now)
        job.rows = rows or job.rows  # what it sends (the pipeline keeps a re-claim off them)
        batches = self._batches(rows, alerts, subs)
        for index, batch in enumerate(batches):
            if await self._lease_runs_out(job, batches[index:]):
                return
            after = await self._send_batch(batch, alerts, subs, job.claim.guilds)
            if after is _After.LEAVE:
                return
            if after is _After.WAIT:
                rest = [r.id for b in batches[index + 1 :] for r in b]
                if rest:  # keep the channel's order: the rest waits with the failed batch
                    await self._store.mark_retry(
                        rest,
                        self._clock() + timedelta(seconds=0.5),
                        "waiting on an earlier message",
                        attempted=False,  # not sent: keep its tries for its own failures
                    )
                return

    async def _lease_runs_out(self, job: ChannelJob, batches: list[list[Delivery]]) -> bool:
        """Whether the claim's lease could run out while the next message is on the wire
        (paced, then up to ``send_timeout``): another sender could then take its rows over and
        send them too. Those rows (and the rest) are put back instead, due when the channel's
        pacing lets them go. A lease shorter than the send timeout (test settings) cannot be
        kept this way and is not checked."""
        lease, timeout = self._settings.lease_seconds, self._settings.send_timeout
        channel_id = job.channel_id
        wait = self._pacer.delay(channel_id)
        left = lease - (self._monotonic() - job.claim.leased_at)
        if lease <= timeout or left >= wait + timeout:
            return False
        rest = [r for b in batches for r in b]
        log.info(
            "channel %d: lease runs out in %.1f s, alerts %s put back unsent",
            channel_id,
            left,
            ",".join(r.alert_id for r in rest),
        )
        await self._store.mark_retry(
            [r.id for r in rest],
            self._clock() + timedelta(seconds=wait),
            "lease running out",
            attempted=False,
        )
        job.recheck = wait == 0  # due at once: claim them again (with a fresh lease)
        return True

    async def _without_missing_alerts(
        self, rows: list[Delivery], alerts: dict[str, Alert]
    ) -> list[Delivery]:
        """The rows whose alert is in the log; the others fail, loudly: the log keeps every
        alert a row names, so a missing one means a damaged database."""
        missing = [r for r in rows if r.alert_id not in alerts]
        if missing:
            log.error(
                "channel %d: alerts %s are missing from the log; not sent",
                missing[0].channel_id,
                ",".join(r.alert_id for r in missing),
            )
            await self._store.mark_failed([r.id for r in missing], "alert missing from the log")
        return [r for r in rows if r.alert_id in alerts]

    async def _hold_quiet(
        self,
        rows: list[Delivery],
        alerts: dict[str, Alert],
        subs: dict[int, Subscription],
        now: datetime,
    ) -> list[Delivery]:
        """Hold the rows whose subscription is in quiet hours; the rest go now."""
        held: dict[datetime, list[Delivery]] = defaultdict(list)
        keep: list[Delivery] = []
        for row in rows:
            schedule = subs[row.subscription_id].schedule
            until = quiet_hours_end(schedule, now)
            if (
                until is not None
                and row.batch_nonce is None
                and held_in_quiet_hours(schedule, alerts[row.alert_id], now)
            ):
                held[until].append(row)
            else:
                keep.append(row)
        for until, batch in held.items():
            await self._store.hold_deliveries([r.id for r in batch], until, now)
            self.stats.held += len(batch)
            log.info(
                "channel %d: quiet hours, holding alerts %s until %s",
                batch[0].channel_id,
                ",".join(r.alert_id for r in batch),
                until.isoformat(),
            )
        return keep

    async def _with_all_released(
        self, rows: list[Delivery], alerts: dict[str, Alert], now: datetime
    ) -> list[Delivery]:
        """Rows released after quiet hours, plus the rest of their subscription's held rows
        that this claim left behind, so that one summary carries them all."""
        released = {
            (r.channel_id, r.subscription_id) for r in rows if r.held_at and not r.batch_nonce
        }
        if not released:
            return rows
        extra: list[Delivery] = []
        for channel_id, subscription_id in sorted(released):
            extra += await self._store.claim_held(
                channel_id, subscription_id, now, self._settings.lease_seconds
            )
        unknown = sorted({r.alert_id for r in extra} - alerts.keys())
        if unknown:
            alerts.update(await self._store.get_alerts(unknown))
        extra = await self._without_missing_alerts(extra, alerts)
        known = {r.id for r in rows}
        return sorted([*rows, *(r for r in extra if r.id not in known)], key=lambda r: r.id)

    async def _send_batch(
        self,
        batch: list[Delivery],
        alerts: dict[str, Alert],
        subs: dict[int, Subscription],
        settings_cache: dict[int, GuildSettings],
    ) -> _After:
        first = batch[0]
        channel_id = first.channel_id
        ids = [r.id for r in batch]
        sub = subs[first.subscription_id]
        guild = await self._guild_settings(first.guild_id, settings_cache)
        nonce = first.batch_nonce or batch_nonce(batch)
        if first.batch_nonce is None and not await self._store.set_batch(ids, nonce):
            # Our lease ran out and another sender took these rows into a message of its
            # own: sending ours too would show them twice.
            log.warning(
                "channel %d: alerts %s were taken over by another sender; not sending them",
                channel_id,
                ",".join(r.alert_id for r in batch),
            )
            return _After.LEAVE
        batch_alerts = [self._with_status_now(alerts[r.alert_id]) for r in batch]
        message = self._render(batch, batch_alerts, sub, guild.language)
        try:
            message_id = await self.post(first.guild_id, channel_id, message, nonce)
        except ChannelRefused:  # the channel's rows were failed with it
            return _After.LEAVE
        except MessageRejected as exc:
            log.error(
                "channel %d: message rejected, %d alerts dropped: %s",
                channel_id,
                len(ids),
                exc.reason,
            )
            await self._store.mark_failed(ids, exc.reason)
            self.stats.failed += len(ids)
            return _After.NEXT
        except TransientFailure as exc:
            await self._retry(batch, exc)
            return _After.WAIT
        await self._store.mark_sent(ids, message_id, self._clock())
        self.stats.sent += len(ids)
        summary = first.held_at is not None
        self.stats.summaries += int(summary)
        log.info(
            "channel %d: sent message %d with alerts %s%s",
            channel_id,
            message_id,
            ",".join(r.alert_id for r in batch),
            " (summary of quiet hours)" if summary else "",
        )
        for alert in batch_alerts:
            if isinstance(alert, CorrectionAlert):
                await self._edit_originals(channel_id, alert, guild.language, sub)
        return _After.NEXT

    def _with_status_now(self, alert: Alert) -> Alert:
        official = self._official_now is not None and self._official_now(alert.games, alert.event)
        if official and alert.event_status is not EventStatus.OFFICIAL:
            return _as_official(alert)
        return alert

    @staticmethod
    def _render(
        batch: list[Delivery], batch_alerts: list[Alert], sub: Subscription, locale: str
    ) -> RenderedMessage:
        if batch[0].held_at is not None:  # a batch is all held rows or none
            return render_quiet_summary(
                batch_alerts,
                locale=locale,
                highlight_noc=sub.noc,
                role_id=sub.role_id,
                spoiler_safe=sub.spoiler_safe,
            )
        return render_batch(
            batch_alerts,
            locale=locale,
            highlight_noc=sub.noc,
            role_id=sub.role_id,
            spoiler_safe=sub.spoiler_safe,
        )

    async def _retry(self, batch: list[Delivery], exc: TransientFailure) -> None:
        ids = [r.id for r in batch]
        attempts = max(r.attempts for r in batch)
        if attempts >= self._settings.max_attempts:
            log.error(
                "channel %d: giving up after %d attempts: %s",
                batch[0].channel_id,
                attempts,
                exc.reason,
            )
            await self._store.mark_failed(ids, f"gave up after {attempts} attempts: {exc.reason}")
            self.stats.failed += len(ids)
            return
        cap = min(self._settings.retry_cap, self._settings.retry_base * 2**attempts)
        delay = max(exc.retry_after or 0.0, random.uniform(0, cap))  # full jitter
        log.warning(
            "channel %d: send failed (%s), retry %d in %.1f s",
            batch[0].channel_id,
            exc.reason,
            attempts,
            delay,
        )
        await self._store.mark_retry(ids, self._clock() + timedelta(seconds=delay), exc.reason)
        self.stats.retried += len(ids)

    async def _refused(self, guild_id: int, channel_id: int, exc: ChannelRefused) -> None:
        paused = await self._store.pause_subscriptions(channel_id, exc.reason)
        dropped = await self._store.fail_pending_for_channel(channel_id, exc.reason)
        self.stats.failed += dropped
        if paused:
            self.stats.paused_channels += 1
        log.warning(
            "channel %d (guild %d) refused us (%d/%d): %s; %d subscriptions paused, "
            "%d deliveries dropped",
            channel_id,
            guild_id,
            exc.status,
            exc.code,
            exc.reason,
            len(paused),
            dropped,
        )
        if paused and self._on_channel_refused is not None:
            await self._on_channel_refused(guild_id, channel_id, exc.reason)

    async def _edit_originals(
        self, channel_id: int, correction: CorrectionAlert, locale: str, sub: Subscription
    ) -> None:
        """Corrected alerts are edited where they were posted, besides the notice just sent."""
        message_ids: list[int] = []
        for original_id in correction.corrects:
            message_id = await self._store.message_for(original_id, channel_id)
            if message_id is not None and message_id not in message_ids:
                message_ids.append(message_id)
        for message_id in message_ids:
            originals = await self._message_alerts(channel_id, message_id)
            embeds = render_corrected_message(
                originals,
                correction,
                locale=locale,
                highlight_noc=sub.noc,
                spoiler_safe=sub.spoiler_safe,
            )
            # The notice already went out; a failed edit is logged, not retried forever.
            await self._edit(channel_id, message_id, embeds)

    async def mark_official(self, games: str, event: str, alert_ids: Sequence[str]) -> int:
        """The event's result became official: edit the messages that carried these alerts
        (its medals, announced while unofficial) to say so. Edits ping nobody; one that fails
        is logged, not retried (it is cosmetic). Returns how many messages were edited."""
        messages = await self._store.sent_messages(alert_ids)
        if not messages:
            return 0
        subs = await self._store.get_subscriptions(sorted({m.subscription_id for m in messages}))
        # an earlier edit for a correction shows its alerts corrected: keep showing them so
        corrections = [
            a
            for a in await self._store.list_alerts(games)
            if isinstance(a, CorrectionAlert) and a.event == event
        ]
        settings_cache: dict[int, GuildSettings] = {}
        edited = 0
        for sent in messages:
            set_log_context(guild=sent.guild_id, channel=sent.channel_id)
            sub = subs.get(sent.subscription_id)
            if sub is None or sub.paused_reason is not None:
                log.info(
                    "channel %d: message %d not marked official: subscription %s",
                    sent.channel_id,
                    sent.message_id,
                    "removed" if sub is None else "paused",
                )
                continue
            guild = await self._guild_settings(sent.guild_id, settings_cache)
            alerts = [
                _as_official(a) if a.event == event else a
                for a in await self._message_alerts(sent.channel_id, sent.message_id)
            ]
            ids = {a.id for a in alerts}
            correction = next((c for c in reversed(corrections) if ids & set(c.corrects)), None)
            if correction is None:
                embeds = render_batch(
                    alerts,
                    locale=guild.language,
                    highlight_noc=sub.noc,
                    spoiler_safe=sub.spoiler_safe,
                ).embeds
            else:
                embeds = render_corrected_message(
                    alerts,
                    _as_official(correction),
                    locale=guild.language,
                    highlight_noc=sub.noc,
                    spoiler_safe=sub.spoiler_safe,
                )
            if await self._edit(sent.channel_id, sent.message_id, embeds):
                edited += 1
        log.info("event %s is official: %d of %d messages edited", event, edited, len(messages))
        return edited

    async def _message_alerts(self, channel_id: int, message_id: int) -> list[Alert]:
        """A sent message's alerts, in their order (any missing from the log left out)."""
        alert_ids = await self._store.message_alerts(channel_id, message_id)
        found = await self._store.get_alerts(alert_ids)
        return [found[a] for a in alert_ids if a in found]

    async def _edit(self, channel_id: int, message_id: int, embeds: list[discord.Embed]) -> bool:
        """Replace a sent message's embeds, paced by the global bucket. A failure is logged and
        reported (False), never raised: an edit only touches up what people already saw."""
        await self._bucket.acquire(Priority.EDIT)  # new posts go first: this is cosmetic
        try:
            await self._port.edit(channel_id, message_id, embeds)
        except (ChannelRefused, MessageRejected, TransientFailure) as exc:
            log.warning(
                "channel %d: could not edit message %d: %s", channel_id, message_id, exc.reason
            )
            return False
        return True


def _as_official(alert: AlertT) -> AlertT:
    return msgspec.structs.replace(alert, event_status=EventStatus.OFFICIAL)
