"""Settings of a bot run as several processes (``[cluster]`` in the configuration)."""

from __future__ import annotations

from typing import Annotated, Final

from msgspec import Meta, Struct

Positive = Annotated[float, Meta(gt=0)]
# Besides each feed's poller, one process posts the daily digests (the others would each send
# them again, deduplicated by their nonce but costing requests): the leadership's name for
# that role (medalbot.cluster.leadership), which no feed may take.
DIGESTS: Final = "(digests)"


class ClusterSettings(Struct, frozen=True, forbid_unknown_fields=True):
    # Each process says it is alive this often; another one takes its claimed outbox rows
    # over once it has been silent for ``instance_stale_after`` seconds (at once, on
    # PostgreSQL, when its connection is gone: see medalbot.store.instances).
    heartbeat_interval: Positive = 1.0
    instance_stale_after: Positive = 3.0
    # How many processes share the bot token: one that loses the shared rate limit falls
    # back to its share of what Discord allows above global_rate, (50 - global_rate) /
    # processes (medalbot.cluster.ratelimit).
    processes: Annotated[int, Meta(ge=1)] = 1
    # A follower tries to take a feed over this often (medalbot.cluster.leadership).
    leader_retry: Positive = 1.0
    # Followers read the committed state this often when no notice came (PostgreSQL
    # notifies them at once; medalbot.cluster.commits).
    commit_poll: Positive = 1.0

    def __post_init__(self) -> None:
        if self.instance_stale_after <= self.heartbeat_interval:
            raise ValueError(
                f"instance_stale_after ({self.instance_stale_after:g}) must be longer than "
                f"heartbeat_interval ({self.heartbeat_interval:g})"
            )
