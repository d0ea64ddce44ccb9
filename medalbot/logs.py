"""Logging set-up: text or JSON lines, with context, and secrets redacted whatever logs them."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType

from medalbot.config import LoggingSettings

# A Discord bot token: base64 user id, a dot, a timestamp part, a dot, an HMAC.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}")
_AUTH_RE = re.compile(r"(Bot|Bearer)\s+[^\s'\"]+")


def redact(text: str) -> str:
    return _AUTH_RE.sub(r"\1 ********", _TOKEN_RE.sub("********", text))


class RedactingFilter(logging.Filter):
    """Last line of defence: a token that reaches a log record is masked."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self._secrets = tuple(s for s in secrets if s)

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets = (*self._secrets, secret)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "********")
        message = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            for secret in self._secrets:
                record.exc_text = record.exc_text.replace(secret, "********")
            record.exc_info = None
        record.msg, record.args = message, None
        return True


# The ids a log line is about (feed, guild, channel, alerts, command), set where the work starts
# (a poll, a channel's sends, a command) and carried by asyncio into everything it calls.
CONTEXT_KEYS = ("feed", "guild", "channel", "alerts", "command")
_CONTEXT: ContextVar[Mapping[str, object]] = ContextVar(
    "medalbot_log_context", default=MappingProxyType({})
)


@contextmanager
def log_context(**ids: object) -> Iterator[None]:
    token = _CONTEXT.set({**_CONTEXT.get(), **ids})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def set_log_context(**ids: object) -> None:
    """For a task that lives only for this work (a command's invocation task)."""
    _CONTEXT.set({**_CONTEXT.get(), **ids})


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _CONTEXT.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


def _context_of(record: logging.LogRecord) -> dict[str, object]:
    return {key: getattr(record, key) for key in CONTEXT_KEYS if hasattr(record, key)}


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context_of(record)
        if not context:
            return text
        return text + " [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context_of(record),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


REDACTOR = RedactingFilter()


def configure_logging(settings: LoggingSettings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ContextFilter())
    handler.addFilter(REDACTOR)
    if settings.json:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.level)
    # discord.py at DEBUG logs every gateway payload and REST URL, interaction tokens included
    # (each one lets whoever reads the log answer as the bot for 15 minutes): never below INFO.
    logging.getLogger("discord").setLevel(max(logging.INFO, root.level))
    # APScheduler logs two INFO lines for every run of every job (a poll every few seconds);
    # its warnings (a missed or skipped run) and errors (a job that raised) are what matter.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
