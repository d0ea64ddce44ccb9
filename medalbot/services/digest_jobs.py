"""The digest jobs as the moderators' use cases see them: follow a subscription's new digest
settings, forget a removed one. ``medalbot.delivery.digest_schedule.DigestSchedule`` is the
one implementation; the wiring (``medalbot.app``) hands it to the services."""

from __future__ import annotations

from typing import Protocol

from medalbot.domain.subscriptions import Subscription


class DigestJobs(Protocol):
    def update(self, sub: Subscription) -> object:
        """Move the subscription to the job of its digest time and zone (or out, if none)."""
        ...

    def forget(self, subscription_id: int) -> None:
        """A removed subscription leaves its job (which goes if it was the last one's)."""
        ...
