"""Settings of the operators' endpoint (``[ops]`` and ``[ops.health]`` in the configuration)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

Positive = Annotated[float, Meta(gt=0)]


class HealthPolicy(Struct, frozen=True, forbid_unknown_fields=True):
    """When a part of the bot counts as degraded or failing in ``/healthz``."""

    # A feed is degraded when its last successful poll is older than this many poll intervals,
    # failing beyond the second factor (a few missed polls are normal: timeouts, backoff).
    feed_degraded_intervals: Positive = 3.0
    feed_failing_intervals: Positive = 10.0
    # Alerts waiting this long in the outbox mean Discord is slow or refusing us.
    outbox_degraded_seconds: Positive = 60.0
    outbox_failing_seconds: Positive = 600.0
    # discord.py reconnects by itself; a disconnection only fails health after this long.
    gateway_grace_seconds: Positive = 60.0

    def __post_init__(self) -> None:
        # msgspec turns these into a ValidationError naming the settings, like any other.
        if self.feed_failing_intervals < self.feed_degraded_intervals:
            raise ValueError("feed_failing_intervals must be at least feed_degraded_intervals")
        if self.outbox_failing_seconds < self.outbox_degraded_seconds:
            raise ValueError("outbox_failing_seconds must be at least outbox_degraded_seconds")


class OpsSettings(Struct, frozen=True, forbid_unknown_fields=True):
    enabled: bool = True
    # Loopback by default: the endpoint has no authentication, so expose it deliberately.
    host: str = "127.0.0.1"
    port: Annotated[int, Meta(ge=0, le=65535)] = 9464  # 0: any free port
    loop_lag_interval: Positive = 0.5  # seconds between event loop lag measurements
    health: HealthPolicy = HealthPolicy()
