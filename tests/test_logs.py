"""Logging as an operator sees it: JSON lines, and a token masked wherever it turns up."""

from __future__ import annotations

import json
import logging

import pytest

from medalbot.config import LoggingSettings
from medalbot.logs import REDACTOR, configure_logging

TOKEN = "MTQ2NzM4OTQ1NjEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"


pytestmark = pytest.mark.usefixtures("restore_logging")


def lines(err: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in err.splitlines()]


def test_json_lines_mask_the_token_in_messages_and_tracebacks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LoggingSettings(level="DEBUG", json=True))
    log = logging.getLogger("medalbot.test")
    log.info("connecting with %s", TOKEN)
    try:
        raise RuntimeError(f"login refused for Bot {TOKEN}")
    except RuntimeError:
        log.exception("login failed")
    err = capsys.readouterr().err
    first, second = lines(err)
    assert first["level"] == "INFO" and first["logger"] == "medalbot.test"
    assert first["message"] == "connecting with ********"
    assert second["message"] == "login failed"
    assert "RuntimeError: login refused for Bot ********" in second["exception"]
    assert TOKEN not in err
    assert TOKEN.split(".")[0] not in err


def test_a_token_of_any_shape_is_masked_once_it_is_known(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LoggingSettings(level="INFO", json=False))
    odd = "not-shaped-like-a-discord-token-42"
    REDACTOR.add_secret(odd)
    logging.getLogger("medalbot.test").warning("token is %s", odd)
    err = capsys.readouterr().err
    assert odd not in err
    assert "token is ********" in err


def test_discord_py_never_logs_below_info(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(level="DEBUG", json=True))
    logging.getLogger("discord.http").debug("POST /interactions/1/secret-token/callback")
    logging.getLogger("discord.gateway").info("Shard ID None has connected to Gateway")
    assert [entry["logger"] for entry in lines(capsys.readouterr().err)] == ["discord.gateway"]


def test_apscheduler_tells_only_what_went_wrong(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(level="INFO", json=True))
    executor = logging.getLogger("apscheduler.executors.default")
    executor.info('Running job "poll main" (scheduled at 2026-02-09 12:00:00+00:00)')
    executor.warning('Run time of job "poll main" was missed by 0:00:12')
    assert [entry["message"] for entry in lines(capsys.readouterr().err)] == [
        'Run time of job "poll main" was missed by 0:00:12'
    ]


async def test_log_lines_carry_the_ids_of_the_work_they_belong_to() -> None:
    import asyncio

    from medalbot.logs import ContextFilter, JsonFormatter, TextFormatter, log_context

    def format_both(record: logging.LogRecord) -> tuple[str, dict[str, object]]:
        ContextFilter().filter(record)
        return TextFormatter("%(message)s").format(record), json.loads(
            JsonFormatter().format(record)
        )

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("medalbot.x", logging.INFO, __file__, 1, message, None, None)

    async def channel_task(channel: int) -> tuple[str, dict[str, object]]:
        with log_context(channel=channel):
            await asyncio.sleep(0)
            return format_both(record("sent"))

    with log_context(feed="main"):
        text, entry = format_both(record("applied"))
        results = await asyncio.gather(channel_task(1), channel_task(2))
    assert text == "applied [feed=main]" and entry["feed"] == "main"
    assert [e["channel"] for _, e in results] == [1, 2]  # each task its own ids
    assert all(e["feed"] == "main" for _, e in results)
    outside_text, outside = format_both(record("idle"))
    assert outside_text == "idle" and "feed" not in outside
