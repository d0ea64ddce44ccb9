"""kill -9 of the bot 20 times during a fan-out to 5,000 channels: nothing lost, nothing twice.

The rig of tests/faults/test_crash.py (``tests.rigs.botprocess``) at ten times the
size: ``medalbot run`` in its own process on a SQLite store, the emulator and the replay feed in
this one; 10 servers of 500 text channels, each subscribed to everything, get the women's
1000 m (KOK's OR, LEERDAM's OR, the podium) one alert per message: 15,000 messages. The bot is
SIGKILLed at 20 random points spread over the fan-out (5 of them while a message request is
held on the wire), started again each time, then left to finish.

Baseline, measured in the same run: the same fan-out with no kill. Reported: what the channels
show (delivered, duplicated, lost), the restarts and each restart's time to its first post (a
new process's start-up, login and first claim), and to sending the rows the killed process had
claimed, at the default 30 s lease (the interrupted fan-out resuming; goal <= 5 s), total times
and their ratio.
Seed: MEDALBOT_CRASH_SEED=<n> replays a run's kill schedule.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import statistics
import tempfile
from pathlib import Path
from typing import Final

from medalbot.config import DeliverySettings
from tests.rigs.botprocess import (
    Audit,
    CrashRig,
    CrashRun,
    KillPoint,
    Scale,
    kill_schedule,
)

FULL: Final = Scale(guilds=10, per_guild=500)
KILLS: Final = 20
HELD: Final = 5
DEADLINE_S: Final = 600.0  # for each condition waited on
RESUME_GOAL_S: Final = 5.0  # restart -> the killed process's claimed rows sent (issue 11)


async def measure(scale: Scale, schedule: list[KillPoint]) -> tuple[CrashRun, Audit, int]:
    with tempfile.TemporaryDirectory() as tmp:
        async with CrashRig(Path(tmp), scale, deadline_s=DEADLINE_S) as rig:
            run = await rig.run(schedule)
            return run, await rig.audit(), len(rig.posts.resent())


def report(
    scale: Scale, seed: int, base: CrashRun, run: CrashRun, audit: Audit, resent: int
) -> bool:
    expected = scale.channels * len(audit.expected)
    restarts = run.first_post_s[1:]
    print(
        f"{scale.channels} channels in {scale.guilds} servers, {len(audit.expected)} alerts each "
        f"= {expected} alerts expected, one per message; seed {seed}"
    )
    print(
        f"baseline, no kill:  {base.total_s:6.1f} s = {expected / base.total_s:5.0f} messages/s "
        f"(first post {base.first_post_s[0]:.2f} s after the start)"
    )
    print(
        f"{len(run.kills)} kills (-9), {len(restarts)} restarts: {run.total_s:6.1f} s = "
        f"{expected / run.total_s:5.0f} messages/s; ratio to the baseline "
        f"{run.total_s / base.total_s:.2f}"
    )
    print(
        f"killed at messages {', '.join(str(k.posted) for k in run.kills)} of {expected}; "
        f"{len([k for k in run.kills if k.held_nonce])} with a request held on the wire"
    )
    print(
        f"restart to first post: mean {statistics.mean(restarts):.2f} s, max {max(restarts):.2f} s"
    )
    resumed, resumed_all = run.resume_s, run.resumed_all_s
    resume_met = max(resumed) <= RESUME_GOAL_S
    verdict = "met" if resume_met else "NOT met"
    print(
        f"restart to the interrupted fan-out resuming (default lease_seconds "
        f"{DeliverySettings().lease_seconds:g} s), {sum(run.interrupted)} claimed rows over "
        f"{len(resumed)} restarts: first of them sent mean {statistics.mean(resumed):.2f} s, "
        f"max {max(resumed):.2f} s (goal <= {RESUME_GOAL_S:g} s: {verdict}); all of them sent "
        f"(the {len(resumed_all)} restarts not killed before) mean "
        f"{statistics.mean(resumed_all):.2f} s, max {max(resumed_all):.2f} s"
    )
    met = (
        resume_met
        and audit.duplicates == 0
        and audit.lost == 0
        and not audit.wrong
        and audit.other == 0
        and audit.delivered == expected
    )
    print(
        f"target: zero lost, zero duplicated, every channel in order: {'met' if met else 'NOT met'}"
    )
    return met


def main(scale: Scale = FULL, kills: int = KILLS, held: int = HELD) -> bool:
    seed = int(os.environ.get("MEDALBOT_CRASH_SEED") or random.randrange(2**32))
    schedule = kill_schedule(scale.messages, kills, held, random.Random(seed))
    logging.disable(logging.WARNING)  # a bench prints figures, not the log
    try:
        base, _, _ = asyncio.run(measure(scale, []))
        run, audit, resent = asyncio.run(measure(scale, schedule))
    finally:
        logging.disable(logging.NOTSET)
    return report(scale, seed, base, run, audit, resent)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
