"""Keep discord.py's rate-limit bookkeeping linear in a fan-out to thousands of channels.

discord.py keeps one rate-limit bucket per route and channel, and each time it creates one it
scans every bucket for inactive ones (``HTTPClient._try_clear_expired_ratelimits``, once there
are 256). A fan-out to N channels creates N buckets, none inactive yet (that takes 5 minutes
without a request), so it scans them N times: O(N²) on the event loop. For 10,000 channels that
was 50 million checks, 38 s of CPU, and each send stalled the loop a little longer than the
one before (bench/fanout.py).

Here the scan runs only once the number of buckets has doubled since the last scan: inactive
buckets are still dropped (memory stays bounded by twice the live buckets), and a request costs
O(1) on average. It wraps a private method of discord.py; if a release renames it, the bot logs
a warning and keeps discord.py's own behaviour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sized
from typing import Final

import discord.http

log = logging.getLogger(__name__)

CLEANUP_METHOD: Final = "_try_clear_expired_ratelimits"
BUCKETS_ATTRIBUTE: Final = "_buckets"
FLOOR: Final = 256  # discord.py's own threshold: below it, nothing is scanned


class DoublingCleanup:
    """discord.py's scan, run only when the bucket count reaches ``threshold``; the threshold
    then becomes twice the buckets left (never below ``floor``)."""

    def __init__(self, buckets: Sized, scan: Callable[[], None], *, floor: int = FLOOR) -> None:
        self._buckets = buckets
        self._scan = scan
        self._floor = floor
        self.threshold = floor
        self.scans = 0

    def __call__(self) -> None:
        if len(self._buckets) < self.threshold:
            return
        self._scan()
        self.scans += 1
        self.threshold = max(self._floor, 2 * len(self._buckets))


def linear_bucket_cleanup(http: discord.http.HTTPClient) -> DoublingCleanup | None:
    """Replace the client's per-new-bucket scan with a ``DoublingCleanup`` (None if this
    discord.py has no such scan to replace)."""
    scan = getattr(http, CLEANUP_METHOD, None)
    buckets = getattr(http, BUCKETS_ATTRIBUTE, None)
    if not callable(scan) or not isinstance(buckets, dict):
        log.warning(
            "discord.py %s has no %s: rate-limit buckets are cleaned up its own way",
            discord.__version__,
            CLEANUP_METHOD,
        )
        return None
    cleanup = DoublingCleanup(buckets, scan)
    setattr(http, CLEANUP_METHOD, cleanup)  # an instance attribute shadows the method
    return cleanup
