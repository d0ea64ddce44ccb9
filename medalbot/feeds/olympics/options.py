"""The ``[feeds.olympics]`` options of an ``olympics`` feed: which Games, in which language, and
how to ask the site politely. Plain msgspec, no I/O imports, so configuration loading can use it.

The URL root changes with every Games (``https://www.olympics.com/wmr-owg2026/``, its
Paralympics ``https://www.olympics.com/wmr-para-owg2026/``), and the body never names the Games
(``competitionCode`` is always empty), so the root, the language and the Games' code and name
are configuration, never code.
"""

from __future__ import annotations

from typing import Annotated, Final

from msgspec import Meta, Struct

from medalbot import __version__
from medalbot.domain.models import CODE_PATTERN, Noc

DEFAULT_USER_AGENT: Final = f"medalbot/{__version__} (Olympic results bot; polls every 25 s)"
DEFAULT_REFERER: Final = "https://www.olympics.com/"
# What fans' bots that the site tolerated did: a poll every 20-30 s, never in lockstep.
RECOMMENDED_INTERVAL: Final = 25.0
RECOMMENDED_JITTER: Final = 5.0
# After a refusal (403), 429 or 5xx: wait about one interval, doubling up to 15 minutes.
RECOMMENDED_BACKOFF_BASE: Final = 30.0
RECOMMENDED_BACKOFF_CAP: Final = 900.0


class OlympicsOptions(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """The ``[feeds.olympics]`` table of a ``format = "olympics"`` feed."""

    games_code: Annotated[str, Meta(min_length=1, max_length=32, pattern=CODE_PATTERN)]
    games_name: Annotated[str, Meta(min_length=1, max_length=200)]
    language: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] = "ENG"
    medallists: bool = False  # also read .../medallists for team members and neutral athletes
    user_agent: Annotated[str, Meta(min_length=1, max_length=200)] = DEFAULT_USER_AGENT
    referer: str = DEFAULT_REFERER
    unranked_nocs: tuple[Noc, ...] = ("AIN",)  # announced, never ranked in the table
