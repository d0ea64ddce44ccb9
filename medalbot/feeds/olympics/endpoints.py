"""Where an ``olympics`` feed's endpoints are and how its requests look (``options`` holds the
settings)."""

from __future__ import annotations

from datetime import date

from medalbot.feeds.olympics.options import OlympicsOptions
from medalbot.feeds.poller import JSON_CONTENT_TYPES, PollerSettings


def api_url(root: str, language: str, endpoint: str) -> str:
    """``https://www.olympics.com/wmr-owg2026/`` + ``ENG`` + ``medals`` ->
    ``https://www.olympics.com/wmr-owg2026/competition/api/ENG/medals``."""
    return f"{root.rstrip('/')}/competition/api/{language}/{endpoint}"


def schedule_url(root: str, language: str, day: date) -> str:
    """One day's schedule: ``{root}/schedules/api/ENG/schedule/lite/day/2026-02-09``."""
    return f"{root.rstrip('/')}/schedules/api/{language}/schedule/lite/day/{day.isoformat()}"


def olympics_poller_settings(base: PollerSettings, options: OlympicsOptions) -> PollerSettings:
    """``base`` (timeouts, size cap, backoff from ``[[feeds]]``) with the site's manners."""
    headers = (("Referer", options.referer),) if options.referer else ()
    return PollerSettings(
        url=base.url,
        connect_timeout=base.connect_timeout,
        read_timeout=base.read_timeout,
        total_timeout=base.total_timeout,
        max_bytes=base.max_bytes,
        backoff_base=base.backoff_base,
        backoff_cap=base.backoff_cap,
        retry_after_cap=base.retry_after_cap,
        max_age_cap=base.max_age_cap,
        user_agent=options.user_agent,
        content_types=JSON_CONTENT_TYPES,
        headers=headers,
    )
