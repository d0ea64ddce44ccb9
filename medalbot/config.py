"""Settings: a TOML file plus environment variables, loaded by ``load_settings`` at start-up
(never at import), validated whole, with errors that say exactly what is wrong and where."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from medalbot.cluster.settings import DIGESTS, ClusterSettings
from medalbot.domain.between_games import NextGames
from medalbot.feeds.formats import DEFAULT_FORMAT, UnknownFormat, feed_format
from medalbot.feeds.settings import FeedSettings as FeedSettings  # re-exported: settings live here
from medalbot.ops.settings import OpsSettings

Positive = Annotated[float, Meta(gt=0)]


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, the key and the problem."""


class Secret:
    """A value that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class DiscordSettings(Struct, frozen=True, forbid_unknown_fields=True):
    # REST base and gateway URL: large deployments put a REST proxy (e.g. nirn-proxy) in front;
    # the emulator and the demo point these at loopback.
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str | None = None  # None: ask Discord (GET /gateway/bot)
    token_file: str | None = None  # read when DISCORD_TOKEN is not set
    shard_count: Annotated[int, Meta(ge=1)] | None = None
    shard_ids: list[int] | None = None
    guild_ready_timeout: Positive = 2.0
    sync_commands: bool = True  # sync the slash commands globally at start-up
    dev_guild_ids: list[int] = []  # also sync to these guilds at once (global sync takes time)

    def __post_init__(self) -> None:
        # discord.py refuses these only when the bot starts; check-config should say so.
        if self.shard_ids is None:
            return
        if self.shard_count is None:
            raise ValueError("shard_ids need a shard_count (the same in every process)")
        if any(not 0 <= i < self.shard_count for i in self.shard_ids):
            raise ValueError(
                f"shard_ids {self.shard_ids} must be below shard_count {self.shard_count}"
            )


STORE_SCHEMES = ("sqlite", "postgresql", "postgres", "memory")
POSTGRES_SCHEMES = ("postgresql", "postgres")


def masked_url(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) masked, for
    messages and logs; otherwise exactly as written."""
    url = re.sub(r"^([a-z]+://[^/?#@:]*):[^/?#]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", url)


def is_postgres(url: str) -> bool:
    return url.partition("://")[0] in POSTGRES_SCHEMES


class StoreSettings(Struct, frozen=True, forbid_unknown_fields=True):
    url: str = "sqlite:///medalbot.db"  # or postgresql://user@host/db, or memory://

    def __post_init__(self) -> None:
        scheme, sep, _ = self.url.partition("://")
        if not sep or scheme not in STORE_SCHEMES:
            raise ValueError(
                f"url: {masked_url(self.url)!r} is not a store URL (sqlite:///file.db, "
                "postgresql://user@host/db or memory://)"
            )


class DetectionSettings(Struct, frozen=True, forbid_unknown_fields=True):
    # Medals vanishing from this many events at once mark a snapshot as suspect, not as
    # a storm of corrections.
    suspect_min_events: Annotated[int, Meta(ge=1)] = 3


class DeliverySettings(Struct, frozen=True, forbid_unknown_fields=True):
    global_rate: Positive = 40.0  # requests/s across the bot; Discord allows 50
    global_burst: Annotated[int, Meta(ge=1)] = 10
    channel_rate: Annotated[int, Meta(ge=1)] = 5  # messages per channel_period per channel
    channel_period: Positive = 5.0
    max_embeds_per_message: Annotated[int, Meta(ge=1, le=10)] = 10
    lease_seconds: Positive = 30.0  # a claimed row returns to the queue after this
    retry_base: Positive = 1.0
    retry_cap: Positive = 60.0
    max_attempts: Annotated[int, Meta(ge=1)] = 8
    batch_size: Annotated[int, Meta(ge=1)] = 200  # rows claimed per pass
    workers: Annotated[int, Meta(ge=1)] = 8  # channels sent to concurrently
    idle_check: Positive = 1.0  # when idle, look for retries that came due this often (s)
    send_timeout: Positive = 10.0  # a send Discord has not answered by then is retried
    # Several processes for one bot token share global_rate through PostgreSQL: true (the
    # store's database) or a postgresql:// URL (medalbot.cluster.ratelimit). False: this
    # process paces itself alone.
    shared_rate_limit: bool | str = False


class AlertSettings(Struct, frozen=True, forbid_unknown_fields=True):
    max_subscriptions_per_guild: Annotated[int, Meta(ge=1)] = 25


class GamesSettings(Struct, frozen=True, forbid_unknown_fields=True):
    """Between Games (medalbot.domain.between_games): the next Games, if known, and how often
    to poll while none is live."""

    name: Annotated[str, Meta(min_length=1, max_length=100)] | None = None  # the next Games
    start: date | None = None  # their first day
    off_season_interval: Positive = 3600.0  # seconds between polls while no Games is live
    wake_before_hours: Annotated[float, Meta(ge=0)] = 48.0  # full speed this long before
    finished_after_hours: Annotated[float, Meta(ge=0)] = 24.0  # after the last medal event

    def __post_init__(self) -> None:
        if (self.name is None) != (self.start is None):
            raise ValueError("name and start go together (the next Games and their first day)")

    @property
    def next_games(self) -> NextGames | None:
        if self.name is None or self.start is None:
            return None
        return NextGames(name=self.name, start=self.start)

    @property
    def wake_before(self) -> timedelta:
        return timedelta(hours=self.wake_before_hours)

    @property
    def finished_after(self) -> timedelta:
        return timedelta(hours=self.finished_after_hours)


class LoggingSettings(Struct, frozen=True, forbid_unknown_fields=True):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json: bool = False


class Settings(Struct, frozen=True, forbid_unknown_fields=True):
    discord: DiscordSettings = DiscordSettings()
    store: StoreSettings = StoreSettings()
    detection: DetectionSettings = DetectionSettings()
    delivery: DeliverySettings = DeliverySettings()
    alerts: AlertSettings = AlertSettings()
    games: GamesSettings = GamesSettings()
    logging: LoggingSettings = LoggingSettings()
    ops: OpsSettings = OpsSettings()
    cluster: ClusterSettings = ClusterSettings()
    # Each table as its format's settings class (``_feed_settings``): a format may add keys.
    feeds: list[FeedSettings] = []

    def __post_init__(self) -> None:
        self._check_cluster()
        # A feed's name is its poll job's id: a repeated one would replace the other's job.
        first: dict[str, int] = {}
        for index, feed in enumerate(self.feeds):
            if feed.name == DIGESTS:
                raise ValueError(
                    f"feeds[{index}].name: {DIGESTS!r} is the name of the daily digests' poster"
                    " among several processes; choose another"
                )
            earlier = first.setdefault(feed.name, index)
            if earlier != index:
                raise ValueError(
                    f"feeds[{index}].name: {feed.name!r} is also the name of feeds[{earlier}]; "
                    "each feed needs its own name"
                )

    def _check_cluster(self) -> None:
        """Several processes share one bot only through PostgreSQL: SQLite and memory:// are
        one process's (the same shard_count in every process stays the operator's job)."""
        url = self.store.url
        store = f"store.url is {masked_url(url)}, not PostgreSQL"
        if not is_postgres(url):
            if self.cluster.processes > 1:
                raise ValueError(
                    f"cluster.processes: {self.cluster.processes} processes need one PostgreSQL "
                    f"store to share ({store}; SQLite and memory:// are one process's)"
                )
            shards, ids = self.discord.shard_count, self.discord.shard_ids
            if shards is not None and ids is not None and set(ids) != set(range(shards)):
                raise ValueError(
                    f"discord.shard_ids: {ids} runs only some of the {shards} shards (the others "
                    f"in other processes), which needs one PostgreSQL store to share ({store})"
                )
        shared = self.delivery.shared_rate_limit
        if shared is True and not is_postgres(url):
            raise ValueError(
                "delivery.shared_rate_limit: true shares the limit through the store's "
                f"database, and {store}: give a postgresql:// URL instead"
            )
        if isinstance(shared, str) and not is_postgres(shared):
            raise ValueError(
                f"delivery.shared_rate_limit: {masked_url(shared)!r} is not a postgresql:// URL"
                " (true: the store's database; false: this process paces itself alone)"
            )


ENV_PREFIX = "MEDALBOT_"


def _apply_env(raw: dict[str, object], env: Mapping[str, str]) -> None:
    """MEDALBOT_SECTION__KEY=value overrides one key (values parsed as TOML when they can be)."""
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        try:
            parsed: object = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value
        table = raw.setdefault(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{name}: [{section}] is not a table in the configuration")
        table[key] = parsed


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings. ``path`` None means defaults plus environment."""
    env = os.environ if env is None else env
    raw: dict[str, object] = {}
    where = "environment"
    if path is not None:
        where = str(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"{path}: no such file") from exc
        except OSError as exc:  # a directory, no permission
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    _apply_env(raw, env)
    feeds = raw.pop("feeds", [])
    try:
        settings = msgspec.convert(raw, type=Settings, strict=True)
        if not isinstance(feeds, list):
            kind = "object" if isinstance(feeds, dict) else type(feeds).__name__
            raise msgspec.ValidationError(f"Expected `array`, got `{kind}` - at `$.feeds`")
        tables = [_feed_settings(index, table) for index, table in enumerate(feeds)]
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {_readable(str(exc))}") from exc
    try:
        return msgspec.structs.replace(settings, feeds=tables)  # checks them together
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _feed_settings(index: int, table: object) -> FeedSettings:
    """One ``[[feeds]]`` table as the settings class of the format it names, so that each
    format's own keys are accepted there and nowhere else."""
    at = f"$.feeds[{index}]"
    if not isinstance(table, dict):
        raise msgspec.ValidationError(
            f"Expected `object`, got `{type(table).__name__}` - at `{at}`"
        )
    name = table.get("format", DEFAULT_FORMAT)
    if not isinstance(name, str):
        raise msgspec.ValidationError(
            f"Expected `str`, got `{type(name).__name__}` - at `{at}.format`"
        )
    try:
        fmt = feed_format(name)
    except UnknownFormat as exc:
        raise msgspec.ValidationError(f"{exc} - at `{at}.format`") from None
    try:
        settings: FeedSettings = msgspec.convert(table, type=fmt.settings, strict=True)
    except msgspec.ValidationError as exc:
        text, sep, path = str(exc).rpartition(" - at `$")
        if not sep:
            text, path = str(exc), "`"
        raise msgspec.ValidationError(f"{text} - at `{at}{path}") from None
    return settings


def _readable(message: str) -> str:
    # msgspec says "Expected `int`, got `str` - at `$.delivery.workers`"; lead with the key.
    text, sep, at = message.rpartition(" - at ")
    if sep:
        key = at.strip("`").removeprefix("$.")
        return f"{key}: {text}"
    return message


def load_token(settings: Settings, env: Mapping[str, str] | None = None) -> Secret:
    """The bot token from DISCORD_TOKEN, else DISCORD_TOKEN_FILE or discord.token_file."""
    env = os.environ if env is None else env
    token = env.get("DISCORD_TOKEN", "").strip()
    if token:
        return Secret(token)
    file_name = env.get("DISCORD_TOKEN_FILE") or settings.discord.token_file
    if file_name:
        try:
            token = Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the token file {file_name}: {exc.strerror}") from exc
        if token:
            return Secret(token)
        raise ConfigError(f"the token file {file_name} is empty")
    raise ConfigError("no bot token: set DISCORD_TOKEN, DISCORD_TOKEN_FILE or discord.token_file")
