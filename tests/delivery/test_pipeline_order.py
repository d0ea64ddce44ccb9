"""The order a pipeline starts its channel jobs in: the store's, claim after claim. A claim
puts the rows taken back from a dead sender first; the pipeline must not then start the
queued channels whose rows are merely older first (they were claimed after them), or the
taken-back work waits out the whole tail of a fan-out (6 s in tests/faults/test_cluster.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from medalbot.delivery.pipeline import ChannelJob, Claim, Pipeline
from medalbot.store.base import Delivery, DeliveryStatus

T0 = datetime(2026, 2, 9, 16, tzinfo=UTC)


def _row(row_id: int, channel_id: int, priority: int = 1) -> Delivery:
    return Delivery(
        id=row_id,
        alert_id=f"alert-{row_id}",
        subscription_id=1,
        guild_id=1,
        channel_id=channel_id,
        priority=priority,
        nonce=f"nonce-{row_id}",
        status=DeliveryStatus.SENDING,
        attempts=1,
        created_at=T0,
        next_attempt_at=T0,
    )


def _jobs(*rows: Delivery) -> list[ChannelJob]:
    """One claim's jobs, in the order the store returned their channels."""
    claim = Claim({}, {}, {}, 0.0)
    return [ChannelJob([row], claim, rank=rank) for rank, row in enumerate(rows)]


async def _started(claims: list[list[ChannelJob]], workers: int) -> list[int]:
    """The channels in the order the pipeline started them, one worker each."""
    started: list[int] = []
    done = asyncio.Event()

    async def claim() -> list[ChannelJob]:
        if not claims:
            done.set()
            return []
        return claims.pop(0)

    async def send(job: ChannelJob) -> None:
        started.append(job.channel_id)
        await asyncio.sleep(0)

    async def put_back(rows: list[Delivery]) -> None:
        raise AssertionError(f"nothing is put back here: {rows}")

    pipeline = Pipeline(claim=claim, send=send, put_back=put_back, workers=workers, idle_check=0.01)
    task = asyncio.create_task(pipeline.run())
    try:
        async with asyncio.timeout(5):
            await done.wait()
            await pipeline.idle.wait()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return started


async def test_work_taken_back_starts_before_older_rows_of_its_own_claim() -> None:
    # claim 1: channel 1; claim 2 (while it is sent): channel 50's row taken back from a dead
    # sender first, then channel 12's older row never claimed before
    claims = [_jobs(_row(10, 1)), _jobs(_row(50, 50), _row(12, 12))]
    assert await _started(claims, workers=1) == [1, 50, 12]


async def test_a_later_claim_waits_behind_the_queue_unless_more_urgent() -> None:
    # claim 2 comes while channels 4 and 5 of claim 1 are queued: its older row (channel 6)
    # does not jump the queue; its more urgent one (a lower priority number) does
    claims = [
        _jobs(*(_row(10 * c, c) for c in range(1, 6))),
        _jobs(_row(5, 6), _row(70, 7, priority=0)),
    ]
    assert await _started(claims, workers=3) == [1, 2, 3, 7, 4, 5, 6]
