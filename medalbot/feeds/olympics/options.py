"""The settings of an ``olympics`` feed: which Games, in which language, and how to ask the site
politely. Plain msgspec, no I/O imports, so configuration loading can use it.

The URL root changes with every Games (``https://www.olympics.com/wmr-owg2026/``, its
Paralympics ``https://www.olympics.com/wmr-para-owg2026/``), and the body never names the Games
(``competitionCode`` is always empty), so the root, the language and the Games' code and name
are configuration, never code.
"""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import urlsplit

from msgspec import Meta, Struct

from medalbot import __version__
from medalbot.domain.models import CODE_PATTERN, GamesInfo, Noc
from medalbot.feeds.settings import FeedSettings, NonNegative, Positive

DEFAULT_USER_AGENT: Final = f"medalbot/{__version__} (Olympic results bot; polls every 25 s)"
DEFAULT_REFERER: Final = "https://www.olympics.com/"
# What fans' bots that the site tolerated did: a poll every 20-30 s, never in lockstep.
RECOMMENDED_INTERVAL: Final = 25.0
RECOMMENDED_JITTER: Final = 5.0
# After a refusal (403), 429 or 5xx: wait about one interval, doubling up to 15 minutes.
RECOMMENDED_BACKOFF_BASE: Final = 30.0
RECOMMENDED_BACKOFF_CAP: Final = 900.0

GamesCode = Annotated[str, Meta(min_length=1, max_length=32, pattern=CODE_PATTERN)]
GamesName = Annotated[str, Meta(min_length=1, max_length=200)]
Language = Annotated[str, Meta(pattern=r"^[A-Z]{3}$")]  # the API's own codes: ENG, FRA, ITA...
UserAgent = Annotated[str, Meta(min_length=1, max_length=200)]


class OlympicsOptions(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What an ``olympics`` feed needs beyond the shared ``[[feeds]]`` keys (the HTTP source
    and the replay read these; ``OlympicsFeedSettings.options`` gives them for a feed)."""

    games_code: GamesCode
    games_name: GamesName
    language: Language = "ENG"
    medallists: bool = False  # also read .../medallists for team members and neutral athletes
    schedule: bool = False  # also read the day's schedule, for /schedule and "live" badges
    user_agent: UserAgent = DEFAULT_USER_AGENT
    referer: str = DEFAULT_REFERER
    unranked_nocs: tuple[Noc, ...] = ("AIN",)  # announced, never ranked in the table

    @property
    def games(self) -> GamesInfo:
        return GamesInfo(code=self.games_code, name=self.games_name)


class OlympicsFeedSettings(FeedSettings, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A ``[[feeds]]`` table with ``format = "olympics"``: ``url`` is the Games' root (e.g.
    ``https://www.olympics.com/wmr-owg2026/``), or saved bodies to replay. The polling
    defaults are the polite ones above, unless the table sets its own."""

    interval: Positive = RECOMMENDED_INTERVAL
    jitter: NonNegative = RECOMMENDED_JITTER
    backoff_base: Positive = RECOMMENDED_BACKOFF_BASE
    backoff_cap: Positive = RECOMMENDED_BACKOFF_CAP
    games_code: GamesCode
    games_name: GamesName | None = None  # as fans read it; default: games_code
    language: Language = "ENG"
    medallists: bool = False
    schedule: bool = False
    user_agent: UserAgent = DEFAULT_USER_AGENT
    referer: str = DEFAULT_REFERER
    unranked_nocs: tuple[Noc, ...] = ("AIN",)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.polled:
            _check_root(self.url)
        if self.referer and not self.referer.startswith(("http://", "https://")):
            raise ValueError(f"referer: {self.referer!r} is not an http(s):// URL")

    @property
    def options(self) -> OlympicsOptions:
        return OlympicsOptions(
            games_code=self.games_code,
            games_name=self.games_name or self.games_code,
            language=self.language,
            medallists=self.medallists,
            schedule=self.schedule,
            user_agent=self.user_agent,
            referer=self.referer,
            unranked_nocs=self.unranked_nocs,
        )


def _check_root(url: str) -> None:
    """The root is where ``competition/api/...`` hangs from; an endpoint's own URL, or one
    without a host, is a mistake check-config should name."""
    parts = urlsplit(url)
    example = "e.g. https://www.olympics.com/wmr-owg2026/"
    if not parts.hostname:
        raise ValueError(f"url: {url!r} has no host; it should be the Games' root, {example}")
    if "/competition/api/" in parts.path or parts.query:
        raise ValueError(
            f"url: {url!r} is an endpoint of the API; give the Games' root instead ({example}), "
            "the medals and medallists URLs are derived from it"
        )
