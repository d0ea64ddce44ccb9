from __future__ import annotations

import dataclasses
import logging
import tomllib
from pathlib import Path

import msgspec
import pytest

from medalbot import __version__
from medalbot.cli import main
from medalbot.config import ConfigError, Settings, load_settings, load_token
from medalbot.feeds import formats
from medalbot.feeds.formats import NATIVE
from medalbot.feeds.olympics.options import OlympicsFeedSettings
from medalbot.feeds.settings import FeedSettings
from medalbot.logs import RedactingFilter

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "medalbot.example.toml"


def test_example_configuration_is_valid() -> None:
    settings = load_settings(EXAMPLE, env={})
    assert settings.feeds[0].name == "main"
    assert settings.delivery.global_rate == 40.0


def test_example_documents_every_option() -> None:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in msgspec.structs.fields(Settings):
        # feeds is a list of FeedSettings; the other sections are structs themselves
        inner = section.type.__args__[0] if section.name == "feeds" else section.type
        assert f"[{section.name}]" in text or f"[[{section.name}]]" in text, section.name
        for field in msgspec.structs.fields(inner):
            if isinstance(field.default, msgspec.Struct):  # a nested table such as [ops.health]
                assert f"[{section.name}.{field.name}]" in text, (section.name, field.name)
                nested = msgspec.structs.fields(type(field.default))
                assert all(f"\n{f.name} =" in text for f in nested), (section.name, field.name)
                continue
            documented = f"\n{field.name} =" in text or f"# {field.name} =" in text
            assert documented, (section.name, field.name)
    assert set(raw) <= {f.name for f in msgspec.structs.fields(Settings)}


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[delivery]\nglobal_rat = 10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="global_rat"):
        load_settings(path, env={})


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[delivery]\nworkers = "eight"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"delivery\.workers"):
        load_settings(path, env={})


def test_invalid_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[store\nurl = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, env={})


def test_environment_overrides_a_key() -> None:
    settings = load_settings(
        None, env={"MEDALBOT_DELIVERY__GLOBAL_RATE": "20", "MEDALBOT_STORE__URL": "memory://"}
    )
    assert settings.delivery.global_rate == 20
    assert settings.store.url == "memory://"


def test_token_from_environment_is_never_shown() -> None:
    token = load_token(Settings(), env={"DISCORD_TOKEN": "abc.def.ghi"})
    assert token.reveal() == "abc.def.ghi"
    assert "abc" not in repr(token) and "abc" not in str(token) and "abc" not in f"{token}"


def test_token_from_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("filetoken\n", encoding="utf-8")
    assert load_token(Settings(), env={"DISCORD_TOKEN_FILE": str(path)}).reveal() == "filetoken"


def test_missing_token_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_token(Settings(), env={})


def test_a_token_in_a_log_record_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123"
    redactor = RedactingFilter(("plain-secret",))
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token %s and %s", (secret, "plain-secret"), None
    )
    redactor.filter(record)
    assert secret not in record.getMessage()
    assert "plain-secret" not in record.getMessage()
    assert "********" in record.getMessage()


def test_a_feed_cannot_take_the_digest_posters_name(tmp_path: Path) -> None:
    # Among several processes the leadership of "(digests)" says which one posts the daily
    # digests: a feed of that name would share its lock.
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "(digests)"\nurl = "https://a.example/feed.json"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.name: '\(digests\)' is the name of"):
        load_settings(path)


def test_two_feeds_with_one_name_are_refused(tmp_path: Path) -> None:
    # The name identifies a feed's poll job and its metrics: a second "main" would replace
    # the first one's job, and that feed would never be polled.
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "main"\nurl = "https://a.example/feed.json"\n\n'
        '[[feeds]]\nname = "main"\nurl = "https://b.example/feed.json"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"feeds\[1\]\.name: 'main' is also the name of feeds\[0\]"
    ):
        load_settings(path, env={})


def test_a_backoff_cap_below_its_base_is_named(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "main"\nurl = "https://a.example/feed.json"\n'
        "backoff_base = 30.0\nbackoff_cap = 10.0\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"feeds\[0\]: backoff_cap .* at least backoff_base"):
        load_settings(path, env={})


def test_a_file_that_cannot_be_read_as_text_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path, env={})  # a directory
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('[store]\nurl = "sqlite:///médailles.db"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(latin1, env={})


@pytest.mark.parametrize(
    ("discord", "says"),
    [
        ("shard_ids = [0]", "shard_ids need a shard_count"),
        ("shard_count = 2\nshard_ids = [0, 2]", r"shard_ids \[0, 2\] must be below shard_count 2"),
    ],
)
def test_shard_ids_that_discord_would_refuse_are_named(
    tmp_path: Path, discord: str, says: str
) -> None:
    path = tmp_path / "shards.toml"
    path.write_text(f"[discord]\n{discord}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"discord: {says}"):
        load_settings(path, env={})


def test_an_unknown_feed_format_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nname = "main"\nurl = "feed"\nformat = "xml"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"feeds\[0\]\.format: unknown feed format 'xml' \(known: 'native', 'odf'"
    ):
        load_settings(path, env={})


class _RootedSettings(FeedSettings, frozen=True, forbid_unknown_fields=True):
    root: str = "https://results.example/"
    language: str = "ENG"


def test_a_format_s_own_keys_are_read_in_its_feeds_and_refused_in_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rooted = dataclasses.replace(NATIVE, name="rooted", settings=_RootedSettings)
    monkeypatch.setattr(formats, "FORMATS", {**formats.FORMATS, "rooted": rooted})
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "a"\nurl = "feed"\nformat = "rooted"\nroot = "https://r.example/"\n\n'
        '[[feeds]]\nname = "b"\nurl = "feed"\n',
        encoding="utf-8",
    )
    a, b = load_settings(path, env={}).feeds
    assert isinstance(a, _RootedSettings) and a.root == "https://r.example/"
    assert a.language == "ENG" and type(b) is FeedSettings
    assert rooted.own_settings == ("root", "language")

    path.write_text('[[feeds]]\nname = "b"\nurl = "feed"\nroot = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\[0\]: Object contains unknown field `root`"):
        load_settings(path, env={})
    path.write_text(
        '[[feeds]]\nname = "a"\nurl = "feed"\nformat = "rooted"\nlanguage = 3\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.language: Expected `str`, got `int`"):
        load_settings(path, env={})


def test_the_example_documents_every_format_and_its_own_keys() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for fmt in formats.FORMATS.values():
        assert f'"{fmt.name}"' in text, fmt.name
        for key in fmt.own_settings:
            assert f"\n{key} =" in text or f"# {key} =" in text, (fmt.name, key)


def test_the_next_games_are_read_with_their_start_date(tmp_path: Path) -> None:
    path = tmp_path / "games.toml"
    path.write_text(
        '[games]\nname = "Los Angeles 2028"\nstart = 2028-07-14\noff_season_interval = 1800\n',
        encoding="utf-8",
    )
    games = load_settings(path, env={}).games
    assert games.next_games is not None
    assert (games.next_games.name, games.next_games.start.isoformat()) == (
        "Los Angeles 2028",
        "2028-07-14",
    )
    assert games.off_season_interval == 1800
    assert load_settings(None, env={}).games.next_games is None  # by default none is named


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('name = "Los Angeles 2028"', "games: name and start go together"),
        ("start = 2028-07-14", "games: name and start go together"),
        ('name = "LA"\nstart = "next summer"', r"games\.start"),
        ('name = ""\nstart = 2028-07-14', r"games\.name"),
        ("off_season_interval = 0", r"games\.off_season_interval"),
        ("wake_before_hours = -1", r"games\.wake_before_hours"),
    ],
)
def test_check_config_names_a_wrong_games_key(tmp_path: Path, table: str, says: str) -> None:
    path = tmp_path / "games.toml"
    path.write_text(f"[games]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        load_settings(path, env={})


def _olympics(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "olympics.toml"
    path.write_text('[[feeds]]\nname = "milano"\nformat = "olympics"\n' + extra, encoding="utf-8")
    return path


def test_an_olympics_feed_takes_its_keys_and_polite_defaults(tmp_path: Path) -> None:
    path = _olympics(
        tmp_path,
        'url = "https://www.olympics.com/wmr-owg2026/"\ngames_code = "OWG2026"\n'
        'games_name = "Milano Cortina 2026"\nlanguage = "ITA"\nmedallists = true\n',
    )
    (feed,) = load_settings(path, env={}).feeds
    assert isinstance(feed, OlympicsFeedSettings)
    assert (feed.interval, feed.jitter, feed.backoff_base, feed.backoff_cap) == (25, 5, 30, 900)
    assert feed.options.user_agent.startswith(f"medalbot/{__version__} ")
    assert (feed.options.language, feed.options.medallists, feed.options.referer) == (
        "ITA",
        True,
        "https://www.olympics.com/",
    )
    assert feed.options.games_name == "Milano Cortina 2026"
    path.write_text(
        path.read_text(encoding="utf-8") + "interval = 60.0\nbackoff_cap = 1800.0\n",
        encoding="utf-8",
    )
    (feed,) = load_settings(path, env={}).feeds
    assert (feed.interval, feed.jitter, feed.backoff_cap) == (60, 5, 1800)  # the operator's


def test_check_config_names_an_olympics_feeds_missing_or_wrong_key(tmp_path: Path) -> None:
    root = 'url = "https://www.olympics.com/wmr-owg2026/"\n'
    with pytest.raises(ConfigError, match=r"feeds\[0\].*games_code"):
        load_settings(_olympics(tmp_path, root), env={})
    endpoint = 'url = "https://www.olympics.com/wmr-owg2026/competition/api/ENG/medals"\n'
    with pytest.raises(ConfigError, match=r"feeds\[0\].*url: .* an endpoint of the API; give"):
        load_settings(_olympics(tmp_path, endpoint + 'games_code = "OWG2026"\n'), env={})
    with pytest.raises(ConfigError, match=r"url: 'https:///wmr/' has no host"):
        load_settings(_olympics(tmp_path, 'url = "https:///wmr/"\ngames_code = "X"\n'), env={})
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.language"):
        load_settings(_olympics(tmp_path, root + 'games_code = "X"\nlanguage = "en"\n'), env={})
    with pytest.raises(
        ConfigError, match=r"feeds\[0\]: .* unknown field `records`"
    ):  # a key it does not have
        load_settings(_olympics(tmp_path, root + 'games_code = "X"\nrecords = true\n'), env={})
    # a native feed does not take the olympics keys
    native = tmp_path / "native.toml"
    native.write_text('[[feeds]]\nname = "a"\nurl = "f"\ngames_code = "X"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feeds\[0\]: .* unknown field `games_code`"):
        load_settings(native, env={})


def test_check_config_prints_an_olympics_feed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _olympics(
        tmp_path, 'url = "https://www.olympics.com/wmr-owg2026/"\ngames_code = "OWG2026"\n'
    )
    assert main(["check-config", str(path)]) == 0
    assert "feed milano: olympics (olympics.com's competition API" in capsys.readouterr().out
    path.write_text('[[feeds]]\nname = "m"\nformat = "olympics"\nurl = "https://x.example/"\n')
    assert main(["check-config", str(path)]) == 3
    assert "games_code" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (
            '[store]\nurl = "sqlite:///medalbot.db"\n[cluster]\nprocesses = 3\n',
            r"cluster\.processes: 3 processes need one PostgreSQL store to share \(store\.url is "
            r"sqlite:///medalbot\.db, not PostgreSQL",
        ),
        (
            '[store]\nurl = "memory://"\n[discord]\nshard_count = 3\nshard_ids = [1]\n',
            r"discord\.shard_ids: \[1\] runs only some of the 3 shards .* needs one PostgreSQL",
        ),
        (
            "[discord]\nshard_count = 3\nshard_ids = [0, 3]\n",
            r"discord: shard_ids \[0, 3\] must be below shard_count 3",
        ),
        (
            '[store]\nurl = "sqlite:///medalbot.db"\n[delivery]\nshared_rate_limit = true\n',
            r"delivery\.shared_rate_limit: true shares the limit through the store's database, "
            r"and store\.url is sqlite:///medalbot\.db, not PostgreSQL: give a postgresql:// URL",
        ),
        (
            '[delivery]\nshared_rate_limit = "redis://127.0.0.1:6379"\n',
            r"delivery\.shared_rate_limit: 'redis://127\.0\.0\.1:6379' is not a postgresql:// URL",
        ),
        (
            '[store]\nurl = "mysql://bob:hunter2@db/medalbot"\n',
            r"store: url: 'mysql://bob:\*\*\*@db/medalbot' is not a store URL",
        ),
    ],
)
def test_a_cluster_that_cannot_work_is_refused_naming_the_key(
    tmp_path: Path, toml: str, says: str
) -> None:
    path = tmp_path / "cluster.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=says) as caught:
        load_settings(path, env={})
    assert "hunter2" not in str(caught.value)


def test_one_process_may_run_every_shard_on_sqlite_and_a_cluster_shares_postgresql(
    tmp_path: Path,
) -> None:
    alone = tmp_path / "alone.toml"
    alone.write_text("[discord]\nshard_count = 2\nshard_ids = [0, 1]\n", encoding="utf-8")
    assert load_settings(alone, env={}).discord.shard_ids == [0, 1]
    cluster = tmp_path / "cluster.toml"
    cluster.write_text(
        '[store]\nurl = "postgresql://medalbot@db/medalbot"\n[discord]\nshard_count = 3\n'
        "shard_ids = [2]\n[delivery]\nshared_rate_limit = true\n[cluster]\nprocesses = 3\n",
        encoding="utf-8",
    )
    settings = load_settings(cluster, env={})
    assert (settings.cluster.processes, settings.delivery.shared_rate_limit) == (3, True)
