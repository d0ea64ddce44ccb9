"""The services one bot runs on, and its feeds: built together by ``medalbot.app``, read by the
client (``medalbot.client``), the cogs and the background work (``medalbot.background``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from medalbot.config import FeedSettings
from medalbot.feeds.sources import FeedSource
from medalbot.services.guilds import GuildSettingsService
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.services.queries import QueryService
from medalbot.services.schedules import ScheduleService
from medalbot.services.subscriptions import SubscriptionService
from medalbot.store.base import Store


@dataclass
class Feed:
    settings: FeedSettings
    source: FeedSource


@dataclass
class Services:
    store: Store
    live: LiveState
    polling: PollService
    subscriptions: SubscriptionService
    queries: QueryService
    guilds: GuildSettingsService
    schedules: ScheduleService  # quiet hours and daily digests
    feeds: list[Feed] = field(default_factory=list)
