"""The medalbot command, run as a user runs it (a subprocess), reading what it prints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from medalbot.domain.models import snapshot_to_json
from medalbot.samples import load_sample, sample_files

W1000M = [str(p) for p in sample_files("w1000m")]


def medalbot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "medalbot.cli", *args], capture_output=True, text=True, timeout=60
    )


def test_replay_json_announces_the_1000m_in_order_and_once(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = medalbot("replay", "--json", "--db", str(db), *W1000M)
    assert first.returncode == 0, first.stderr
    alerts = [json.loads(line) for line in first.stdout.splitlines()]
    assert [a["type"] for a in alerts] == ["record", "record", "medal"]
    kok, leerdam, podium = alerts
    assert (kok["record"]["name"], kok["record"]["mark"]) == ("Femke KOK", "1:12.59")
    assert kok["record"]["beats"]["mark"] == "1:13.19"
    assert kok["record"]["beats"]["name"] == "Miho TAKAGI"
    assert (leerdam["record"]["name"], leerdam["record"]["mark"]) == ("Jutta LEERDAM", "1:12.31")
    assert (leerdam["record"]["beats"]["mark"], leerdam["record"]["beats"]["name"]) == (
        "1:12.59",
        "Femke KOK",
    )
    assert [(m["medal"], m["name"]) for m in podium["medals"]] == [
        ("gold", "Jutta LEERDAM"),
        ("silver", "Femke KOK"),
        ("bronze", "Miho TAKAGI"),
    ]
    for alert in alerts:
        assert {"id", "type", "event", "sequence"} <= alert.keys()
    again = medalbot("replay", "--json", "--db", str(db), *W1000M)
    assert again.returncode == 0 and again.stdout == ""


def test_ids_are_stable_between_runs() -> None:
    one = [json.loads(x)["id"] for x in medalbot("replay", "--json", *W1000M).stdout.splitlines()]
    two = [json.loads(x)["id"] for x in medalbot("replay", "--json", *W1000M).stdout.splitlines()]
    assert one == two and len(set(one)) == 3


def test_a_rejected_snapshot_is_named_and_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "03-broken.json"
    broken.write_text('{"format": "medalbot.feed/1", "games": {', encoding="utf-8")
    html = tmp_path / "04-error-page.json"
    html.write_text("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", encoding="utf-8")
    result = medalbot("replay", W1000M[0], W1000M[1], str(broken), str(html), *W1000M[2:])
    assert result.returncode == 0
    assert "03-broken.json" in result.stderr and "04-error-page.json" in result.stderr
    assert "HTML" in result.stderr
    assert len(result.stdout.splitlines()) == 3  # nothing lost, nothing false


def test_table_json_is_one_list_in_table_order() -> None:
    result = medalbot("table", "--json", *[str(p) for p in sample_files("gamesday")])
    rows = json.loads(result.stdout)
    assert next(set(r) for r in rows) == {"rank", "noc", "gold", "silver", "bronze", "total"}
    keys = [(-r["gold"], -r["silver"], -r["bronze"]) for r in rows]
    assert keys == sorted(keys)
    by_total = json.loads(
        medalbot(
            "table", "--json", "--by", "total", *[str(p) for p in sample_files("gamesday")]
        ).stdout
    )
    assert [r["total"] for r in by_total] == sorted((r["total"] for r in by_total), reverse=True)


def test_podium_and_records() -> None:
    podium = medalbot("podium", "SSKW1000M", *W1000M)
    assert podium.returncode == 0
    assert (
        podium.stdout.index("LEERDAM") < podium.stdout.index("KOK") < podium.stdout.index("TAKAGI")
    )
    records = medalbot("records", *W1000M).stdout.splitlines()
    assert len(records) == 2 and "superseded" in records[0] and "LEERDAM" in records[1]
    unknown = medalbot("podium", "NOPE", *W1000M)
    assert unknown.returncode != 0 and "NOPE" in unknown.stderr


def test_check_config_names_the_key_and_the_problem(tmp_path: Path) -> None:
    good = medalbot("check-config", "config/medalbot.example.toml")
    assert good.returncode == 0 and "OK" in good.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[delivery]\nglobal_rate = "fast"\n\n[[feeds]]\nname = "main"\n', encoding="utf-8"
    )
    result = medalbot("check-config", str(bad))
    assert result.returncode != 0
    assert str(bad) in result.stderr and "delivery.global_rate" in result.stderr
    missing_url = tmp_path / "feed.toml"
    missing_url.write_text('[[feeds]]\nname = "main"\n', encoding="utf-8")
    result = medalbot("check-config", str(missing_url))
    assert result.returncode != 0 and "url" in result.stderr, result.stderr


def test_run_without_its_configuration_file_says_so_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "medalbot.toml"
    result = medalbot("run", "--config", str(missing))
    assert result.returncode != 0
    assert result.stderr == f"medalbot: {missing}: no such file\n"


def test_replay_into_a_database_that_cannot_be_opened_says_why(tmp_path: Path) -> None:
    db = tmp_path / "no-such-directory" / "state.db"
    result = medalbot("replay", "--db", str(db), W1000M[0])
    assert result.returncode != 0
    assert result.stderr.startswith(f"medalbot: cannot open SQLite database {db}")
    assert "Traceback" not in result.stderr


def test_table_says_which_snapshot_it_ignored_and_why(tmp_path: Path) -> None:
    files = sample_files("gamesday")
    last = load_sample("gamesday")[-1]
    emptied = msgspec.structs.replace(
        last,
        sequence=last.sequence + 1,
        events=tuple(msgspec.structs.replace(e, results=()) for e in last.events),
    )
    blank = tmp_path / "17-blank.json"
    blank.write_bytes(snapshot_to_json(emptied))
    result = medalbot("table", "--json", *[str(p) for p in files], str(blank))
    assert result.returncode == 0
    assert f"snapshot {emptied.sequence} ignored: announced medals vanished" in result.stderr
    assert json.loads(result.stdout) == json.loads(
        medalbot("table", "--json", *[str(p) for p in files]).stdout
    )


def test_demo_and_emulator_without_the_emulator_say_to_install_the_extra() -> None:
    # As if medalbot were installed without its `demo` extra: discord_emulator cannot be imported.
    without_emulator = (
        "import sys; sys.modules['discord_emulator'] = None; "
        "from medalbot.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    for command in ("demo", "emulator"):
        done = subprocess.run(
            [sys.executable, "-c", without_emulator, command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 4
        assert done.stdout == ""
        assert done.stderr.splitlines() == [
            f"medalbot {command} needs the Discord emulator: pip install 'medalbot[demo]'"
        ]


ODF = Path(__file__).resolve().parent / "feeds" / "fixtures" / "odf"
W1000M_ODF = [
    str(ODF / name)
    for name in (
        "record_ssk.xml",
        "result_ssk_w1000m_live.xml",
        "result_ssk_w1000m_official.xml",
        "medallists_ssk_w1000m.xml",
    )
]


def test_replay_format_odf_announces_from_odf_messages_once(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    first = medalbot("replay", "--json", "--format", "odf", "--db", str(db), *W1000M_ODF)
    assert first.returncode == 0, first.stderr
    alerts = [json.loads(line) for line in first.stdout.splitlines()]
    assert [(a["type"], a["event"]) for a in alerts] == [
        ("record", "SSKW1000M"),
        ("medal", "SSKW1000M"),
    ]
    record, medal = alerts
    assert (record["record"]["type"], record["record"]["name"]) == ("OR", "Miho TAKAGI")
    assert record["record"]["beats"]["name"] == "Jorien TER MORS"
    assert [(m["medal"], m["noc"]) for m in medal["medals"]] == [
        ("gold", "JPN"),
        ("silver", "NED"),
        ("bronze", "USA"),
    ]
    # The documents are kept with the state: the same messages again are nothing new (not
    # every medal withdrawn by the first, partial, file), and a new message only is news.
    again = medalbot("replay", "--json", "--format", "odf", "--db", str(db), *W1000M_ODF)
    assert again.returncode == 0 and again.stdout == "", again.stdout
    news = medalbot(
        "replay",
        "--json",
        "--format",
        "odf",
        "--db",
        str(db),
        str(ODF / "medallists_ssk_wteampursuit.xml"),
    )
    assert [(a["type"], a["event"]) for a in map(json.loads, news.stdout.splitlines())] == [
        ("medal", "SSKWTEAMPURSUIT")
    ]


def test_table_podium_and_records_read_odf_files() -> None:
    files = [*W1000M_ODF, str(ODF / "medallists_ssk_wteampursuit.xml")]
    table = json.loads(medalbot("table", "--json", "--format", "odf", *files).stdout)
    assert [(r["rank"], r["noc"], r["gold"], r["silver"], r["bronze"]) for r in table] == [
        (1, "JPN", 1, 1, 0),
        (2, "CAN", 1, 0, 0),
        (3, "NED", 0, 1, 1),
        (4, "USA", 0, 0, 1),
    ]
    podium = json.loads(medalbot("podium", "--json", "--format", "odf", "SSKW1000M", *files).stdout)
    assert podium["event"]["status"] == "official"
    assert [(p["medal"], p["name"], p["mark"]) for p in podium["places"]] == [
        ("gold", "Miho TAKAGI", "1:13.19"),
        ("silver", "Jutta LEERDAM", "1:13.83"),
        ("bronze", "Brittany BOWE", "1:14.61"),
    ]
    records = medalbot("records", "--json", "--format", "odf", *files).stdout.splitlines()
    assert [json.loads(r)["record"]["mark"] for r in records] == ["1:13.19"]


def test_the_format_decides_how_files_are_read() -> None:
    as_odf = medalbot("replay", "--format", "odf", *W1000M)  # native snapshots
    assert as_odf.returncode == 0 and as_odf.stdout == ""
    assert "malformed XML" in as_odf.stderr and W1000M[0] in as_odf.stderr
    as_native = medalbot("replay", *W1000M_ODF)  # the default format is native
    assert as_native.returncode == 0 and as_native.stdout == ""
    assert W1000M_ODF[0] in as_native.stderr
    unknown = medalbot("table", "--format", "xml", *W1000M)
    assert unknown.returncode == 2 and "'native', 'odf'" in unknown.stderr


def test_check_config_names_each_feed_and_its_format(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[feeds]]\nname = "main"\nurl = "https://a.example/feed.json"\n\n'
        '[[feeds]]\nname = "odf"\nurl = "https://b.example/odf"\nformat = "odf"\n\n'
        '[[feeds]]\nname = "day"\nurl = "replay/day"\nformat = "odf"\n',
        encoding="utf-8",
    )
    result = medalbot("check-config", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    assert lines[0].startswith("  feed main: native (")
    assert lines[1].startswith("  feed odf: odf (") and "kept in the store" in lines[1]
    assert lines[2].startswith("  feed day: odf (") and "kept" not in lines[2]


def test_the_three_process_example_is_a_valid_cluster_of_one_bot() -> None:
    from medalbot.config import load_settings

    files = [f"config/cluster/medalbot-{i}.toml" for i in (1, 2, 3)]
    for path in files:
        result = medalbot("check-config", path)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""  # no warning: the limit is shared
        assert "cluster: one of 3 process(es)" in result.stdout
        assert "global rate limit 40/s shared through PostgreSQL" in result.stdout
    settings = [load_settings(Path(path), env={}) for path in files]
    # together they run every shard once, on one database, each with its own ops port
    assert {s.discord.shard_count for s in settings} == {3}
    assert sorted(i for s in settings for i in s.discord.shard_ids or []) == [0, 1, 2]
    assert len({s.store.url for s in settings}) == 1
    assert len({s.ops.port for s in settings}) == 3
    assert {s.cluster.processes for s in settings} == {3}


def test_check_config_refuses_a_cluster_on_sqlite_and_warns_of_an_unshared_limit(
    tmp_path: Path,
) -> None:
    sqlite = tmp_path / "sqlite.toml"
    sqlite.write_text(
        '[store]\nurl = "sqlite:///medalbot.db"\n[cluster]\nprocesses = 2\n', encoding="utf-8"
    )
    result = medalbot("check-config", str(sqlite))
    assert result.returncode != 0
    assert result.stderr.startswith(f"medalbot: {sqlite}: cluster.processes: 2 processes need")
    unshared = tmp_path / "unshared.toml"
    unshared.write_text(
        '[store]\nurl = "postgresql://medalbot:hunter2@db/medalbot"\n[cluster]\nprocesses = 2\n'
        '[[feeds]]\nname = "main"\nurl = "https://feeds.example.org/f.json"\n',
        encoding="utf-8",
    )
    result = medalbot("check-config", str(unshared))
    assert result.returncode == 0
    assert "store postgresql://medalbot:***@db/medalbot" in result.stdout
    assert "hunter2" not in result.stdout + result.stderr
    assert "delivery.shared_rate_limit is false" in result.stderr
    assert "together 80/s for one token" in result.stderr


@pytest.mark.parametrize(
    ("url", "check"),
    [
        (
            "postgresql://postgres:hunter2@127.0.0.1:{port}/medalbot",
            "check that PostgreSQL is running and reachable at 127.0.0.1:{port}",
        ),
        (
            "sqlite:///{tmp}/no/such/directory/medalbot.db",
            "check that the file's directory exists",
        ),
    ],
)
def test_run_with_a_store_out_of_reach_says_so_in_one_line(
    tmp_path: Path, url: str, check: str
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = url.format(port=port, tmp=tmp_path)
    config = tmp_path / "medalbot.toml"
    config.write_text(f'[store]\nurl = "{url}"\n[ops]\nenabled = false\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "medalbot.cli", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DISCORD_TOKEN": "not-a-real-token"},
    )
    assert result.returncode == 5, result.stderr
    (line,) = result.stderr.splitlines()
    shown = url.replace(":hunter2@", ":***@")
    assert line.startswith(f"medalbot: cannot use the store {shown}: cannot "), line
    assert check.format(port=port) in line
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
