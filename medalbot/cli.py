"""The ``medalbot`` command: replay and query feeds offline, run the bot, the emulator, the demo."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

import msgspec

from medalbot.config import ConfigError, Settings, load_settings, masked_url
from medalbot.domain.alerts import Alert
from medalbot.domain.describe import describe_alert
from medalbot.domain.queries import games_records, podium
from medalbot.domain.state import GamesState
from medalbot.domain.table import medal_table
from medalbot.feeds.errors import FeedError, FeedRejected
from medalbot.feeds.factory import open_files
from medalbot.feeds.formats import DEFAULT_FORMAT, FORMATS, feed_format
from medalbot.services.live import LiveState
from medalbot.services.polling import PollService
from medalbot.store import StoreError, open_store

# The Games of olympics.com bodies read offline, unless --games names them: the body never does.
DEFAULT_GAMES = "OLYMPICS:Olympic Games (olympics.com)"

EXIT_OK = 0
EXIT_BAD_INPUT = 3
EXIT_NOT_INSTALLED = 4  # an optional part (the emulator: medalbot[demo]) is missing


def _emit_json(obj: object, out: TextIO) -> None:
    out.write(msgspec.json.encode(obj).decode())
    out.write("\n")


def _print_alert(alert: Alert, as_json: bool, out: TextIO) -> None:
    if as_json:
        _emit_json(alert, out)
    else:
        out.write(describe_alert(alert) + "\n")
    out.flush()


async def _apply_files(
    files: Sequence[Path],
    db: Path | None,
    format_name: str,
    on_alert: Callable[[Alert], None] | None = None,
    options: Mapping[str, object] | None = None,
) -> GamesState | None:
    """Apply files of one format in order as the bot would (state in ``db``, else in memory; a
    format that keeps its documents keeps them there too); say on stderr which were rejected or
    ignored (not the ones already applied: a second replay)."""
    store = await open_store(f"sqlite:///{db}" if db else "memory://")
    try:
        live = LiveState()
        service = PollService(store, live)
        source = await open_files(format_name, files, store if db else None, options=options)
        while not source.exhausted:
            path = source.files[source.position]
            report = await service.poll(source)
            if report.outcome == "failed":
                print(f"medalbot: rejected {report.reason}", file=sys.stderr)
            elif report.outcome == "ignored" and not report.stale:
                print(
                    f"medalbot: {path}: snapshot {report.sequence} ignored: {report.reason}",
                    file=sys.stderr,
                )
            if on_alert is not None:
                for alert in report.alerts:
                    on_alert(alert)
        await source.close()
        return live.current
    finally:
        await store.close()


def _replay(args: argparse.Namespace) -> int:
    try:
        asyncio.run(
            _apply_files(
                args.snapshot,
                args.db,
                args.format,
                lambda a: _print_alert(a, args.json, sys.stdout),
                _format_options(args),
            )
        )
    except StoreError as exc:  # the --db file; a store failure elsewhere keeps its traceback
        print(f"medalbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _state_of(args: argparse.Namespace) -> GamesState:
    """The state after the snapshot files, in memory."""
    state = asyncio.run(
        _apply_files(args.snapshot, None, args.format, options=_format_options(args))
    )
    if state is None:
        raise FeedError("no usable snapshot")
    return state


def _table(args: argparse.Namespace) -> int:
    snapshot = _state_of(args).snapshot
    rows = medal_table(snapshot, order=args.by)
    if args.json:
        _emit_json(rows, sys.stdout)
        return EXIT_OK
    print(f"{'rank':>4}  noc  {'gold':>4} {'silver':>6} {'bronze':>6} {'total':>5}")
    for r in rows:
        print(f"{r.rank:>4}  {r.noc}  {r.gold:>4} {r.silver:>6} {r.bronze:>6} {r.total:>5}")
    return EXIT_OK


def _podium(args: argparse.Namespace) -> int:
    snapshot = _state_of(args).snapshot
    result = podium(snapshot, args.event_code)
    if result is None:
        print(f"medalbot: no event {args.event_code!r} in the snapshot", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        _emit_json(result, sys.stdout)
        return EXIT_OK
    event = result.event
    print(f"{event.sport} · {event.name} ({event.status.value})")
    for place in result.places:
        mark = f"  {place.mark}" if place.mark else ""
        flags = "".join(f" [{r.type}{'=' if r.equalled else ''}]" for r in place.records)
        print(f"  {place.medal.value:<6} {place.name} ({place.noc}){mark}{flags}")
    return EXIT_OK


def _records(args: argparse.Namespace) -> int:
    if not feed_format(args.format).carries_records:  # say so, rather than list nothing
        print(
            f"medalbot: {args.format} files carry no records, so there are none to list",
            file=sys.stderr,
        )
        return EXIT_OK
    state = _state_of(args)
    records = games_records(state)
    if args.json:
        for rec in records:
            _emit_json(rec, sys.stdout)
        return EXIT_OK
    for rec in records:
        r = rec.record
        status = " (withdrawn)" if rec.withdrawn else " (superseded)" if rec.superseded_at else ""
        beats = f", beats {r.beats.mark} by {r.beats.name}" if r.beats else ""
        print(f"{rec.event} {r.type} {r.mark} {r.name} ({r.noc}){beats}{status}")
    return EXIT_OK


def _check_config(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    store = masked_url(settings.store.url)
    print(f"{args.config}: OK ({len(settings.feeds)} feed(s), store {store})")
    _describe_cluster(settings, args.config)
    for feed in settings.feeds:
        fmt = feed_format(feed.format)
        kept = (
            "; its documents are kept in the store" if fmt.keeps_documents and feed.polled else ""
        )
        print(f"  feed {feed.name}: {fmt.name} ({fmt.summary}){kept}")
    if not settings.feeds:
        print(
            f"medalbot: {args.config}: no [[feeds]]: the bot will not poll anything",
            file=sys.stderr,
        )
    return EXIT_OK


def _describe_cluster(settings: Settings, config: Path) -> None:
    """This process's part in a cluster (load_settings refused what cannot work); a shared
    token paced by each process alone is only warned about (each may be given its part)."""
    discord, cluster, delivery = settings.discord, settings.cluster, settings.delivery
    if cluster.processes == 1 and discord.shard_ids is None:
        return
    shards = (
        f"shards {discord.shard_ids} of {discord.shard_count}"
        if discord.shard_ids is not None
        else f"all {discord.shard_count or 'recommended'} shards"
    )
    limit = (
        "shared through PostgreSQL"
        if delivery.shared_rate_limit is not False
        else "paced by this process alone"
    )
    print(
        f"  cluster: one of {cluster.processes} process(es), {shards}, global rate limit "
        f"{delivery.global_rate:g}/s {limit}"
    )
    if cluster.processes > 1 and delivery.shared_rate_limit is False:
        print(
            f"medalbot: {config}: cluster.processes is {cluster.processes} but "
            "delivery.shared_rate_limit is false: each process sends up to global_rate "
            f"({delivery.global_rate:g}/s), together {cluster.processes * delivery.global_rate:g}"
            "/s for one token (set shared_rate_limit = true)",
            file=sys.stderr,
        )


def _run(args: argparse.Namespace) -> int:
    from medalbot.app import run_bot

    # What exists once everything is imported lives as long as the process. Frozen, it is no
    # longer rescanned by each full GC pass, which holds the event loop (and every thread)
    # while it runs: in a poll routing to 100,000 subscriptions on SQLite, the pass went from
    # ~30 ms to ~3 ms and the longest stall from ~28 ms to ~9 ms (python -m bench.routing_stall
    # with and without --gc-freeze). Here rather than in build_bot, which the in-process tests
    # call again and again (frozen objects are never freed).
    gc.collect()
    gc.freeze()
    return run_bot(args.config)


def _without_emulator(command: str, exc: ModuleNotFoundError) -> int:
    """The emulator is an extra (``medalbot[demo]``): say so in one line if it is missing."""
    if exc.name != "discord_emulator":
        raise exc
    print(
        f"medalbot {command} needs the Discord emulator: pip install 'medalbot[demo]'",
        file=sys.stderr,
    )
    return EXIT_NOT_INSTALLED


def _emulator(args: argparse.Namespace) -> int:
    try:
        from discord_emulator import EmulatorConfig, serve_forever

        from medalbot.demo_world import BOT_NAME, build_demo_world
    except ModuleNotFoundError as exc:
        return _without_emulator("emulator", exc)

    asyncio.run(
        serve_forever(
            host=args.host,
            port=args.port,
            config=EmulatorConfig(bot_name=BOT_NAME),
            populate=lambda world: build_demo_world(world).guild,
        )
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    try:
        from medalbot.demo import run_demo
    except ModuleNotFoundError as exc:
        return _without_emulator("demo", exc)

    exit_code: int = asyncio.run(run_demo(speed=args.speed))
    return exit_code


def _format_options(args: argparse.Namespace) -> dict[str, object]:
    """The format's own settings the command line gives: the Games, for a format whose
    bodies do not name them (olympics)."""
    if "games_code" not in feed_format(args.format).own_settings:
        if args.games is not None:
            raise FeedRejected(f"--games: the {args.format} format's files name their Games")
        return {}
    code, _, name = (args.games or DEFAULT_GAMES).partition(":")
    return {"games_code": code, "games_name": name or None}


def _add_format(parser: argparse.ArgumentParser) -> None:
    described = "; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values())
    parser.add_argument(
        "--format",
        choices=list(FORMATS),
        default=DEFAULT_FORMAT,
        help=f"how the files are read (default {DEFAULT_FORMAT}; {described})",
    )
    parser.add_argument(
        "--games",
        metavar="CODE[:NAME]",
        help=(
            "the Games the files are from, for a format whose bodies do not say (olympics), "
            f"e.g. OWG2026:'Milano Cortina 2026' (default {DEFAULT_GAMES})"
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medalbot", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("replay", help="apply snapshot files in order and print each alert")
    p.add_argument("--json", action="store_true", help="one JSON object per alert")
    p.add_argument("--db", type=Path, help="SQLite file keeping state between runs")
    _add_format(p)
    p.add_argument("snapshot", nargs="+", type=Path)

    p = sub.add_parser("table", help="the medal table after the given snapshot(s)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--by", choices=["medals", "total"], default="medals")
    _add_format(p)
    p.add_argument("snapshot", nargs="+", type=Path)

    p = sub.add_parser("podium", help="an event's podium")
    p.add_argument("--json", action="store_true")
    _add_format(p)
    p.add_argument("event_code")
    p.add_argument("snapshot", nargs="+", type=Path)

    p = sub.add_parser("records", help="records set at these Games, in order")
    p.add_argument("--json", action="store_true")
    _add_format(p)
    p.add_argument("snapshot", nargs="+", type=Path)

    p = sub.add_parser("check-config", help="validate a configuration file")
    p.add_argument("config", type=Path)

    p = sub.add_parser("run", help="run the bot (token from DISCORD_TOKEN or a file)")
    p.add_argument("--config", type=Path, default=None)

    p = sub.add_parser("emulator", help="run the local Discord emulator")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)

    p = sub.add_parser("demo", help="replay a Games day through the bot into the emulator")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed factor")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        handlers = {
            "replay": _replay,
            "table": _table,
            "podium": _podium,
            "records": _records,
            "check-config": _check_config,
            "run": _run,
            "emulator": _emulator,
            "demo": _demo,
        }
        return handlers[args.command](args)
    except FeedError as exc:
        print(f"medalbot: {exc.reason}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as exc:  # says which file, key and problem: a traceback adds nothing
        print(f"medalbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
