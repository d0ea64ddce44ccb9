"""The native feed (``medalbot.feed/1``, see ``docs/feeds.md``): JSON straight into the
domain ``Snapshot``.

A body is accepted whole or rejected whole, with a reason a person can act on. msgspec's strict
decoding does the field-by-field validation (its ``$.events[3]...`` paths are kept); what it
cannot express (unique event codes, a medal on a disqualified result) is checked afterwards.
"""

from __future__ import annotations

import re
from typing import Any, Final

import msgspec

from medalbot.domain.models import FEED_FORMAT, Snapshot, snapshot_to_json
from medalbot.feeds.errors import DEFAULT_MAX_BYTES, FeedRejected, describe_size

_UTF8_BOM: Final = b"\xef\xbb\xbf"
_PREVIEW_CHARS: Final = 40


class _Header(msgspec.Struct):
    """Just enough of a snapshot to check the format tag before the full decode."""

    format: Any = None


_header_decoder: Final = msgspec.json.Decoder(_Header)
_snapshot_decoder: Final = msgspec.json.Decoder(Snapshot, strict=True)


def parse_snapshot(body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Snapshot:
    """Decode one native feed document, or raise ``FeedRejected`` saying why not."""
    if len(body) > max_bytes:
        raise FeedRejected(
            f"body larger than {describe_size(max_bytes)} ({describe_size(len(body))})"
        )
    body = body.removeprefix(_UTF8_BOM)
    _reject_markup(body)
    # msgspec raises these two outside its own error types: a string that is not UTF-8
    # (a producer writing Latin-1), and nesting deeper than the interpreter's recursion limit.
    try:
        _check_format_tag(body)
        snapshot = _decode(body)
    except UnicodeDecodeError as exc:
        raise FeedRejected(f"not UTF-8: a string holds byte 0x{exc.object[exc.start]:02x}") from exc
    except RecursionError as exc:
        raise FeedRejected("JSON nested too deeply") from exc
    check_snapshot(snapshot)
    return snapshot


def _decode(body: bytes) -> Snapshot:
    try:
        return _snapshot_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise FeedRejected(_describe_validation_error(exc, body)) from exc
    except msgspec.DecodeError as exc:  # pragma: no cover - the header decode saw the same bytes
        raise FeedRejected(f"not JSON: {exc}") from exc


def encode_snapshot(snapshot: Snapshot) -> bytes:
    """The native feed form of a snapshot, as a producer (or the replay server) serves it."""
    return snapshot_to_json(snapshot)


def check_snapshot(snapshot: Snapshot) -> None:
    """The rules of the feed that field types cannot express; raises ``FeedRejected``."""
    seen: dict[str, int] = {}
    for i, event in enumerate(snapshot.events):
        first = seen.setdefault(event.code, i)
        if first != i:
            raise FeedRejected(f"events[{i}].code {event.code!r} repeats events[{first}].code")
        if event.start is not None and event.end is not None and event.end < event.start:
            raise FeedRejected(
                f"events[{i}] ({event.code}): end {event.end.isoformat()} "
                f"is before start {event.start.isoformat()}"
            )
        for j, result in enumerate(event.results):
            if result.medal is not None and result.status is not None:
                raise FeedRejected(
                    f"events[{i}].results[{j}] ({event.code}, {result.competitor.name}): "
                    f"a {result.medal.value} medal on a {result.status} result"
                )


def _reject_markup(body: bytes) -> None:
    """An HTML error page (proxy, CDN, login wall) is the most common non-feed; say so plainly."""
    head = body.lstrip()[:64].lower()
    if not head.startswith(b"<"):
        return
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        raise FeedRejected(f"got an HTML page, not a feed (starts with {_preview(body)})")
    raise FeedRejected(f"got XML or other markup, not a JSON feed (starts with {_preview(body)})")


def _check_format_tag(body: bytes) -> None:
    if not body.strip():
        raise FeedRejected("empty body, not a feed")
    try:
        header = _header_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise FeedRejected(f"not a feed: {_lower_first(str(exc))}") from exc
    except msgspec.DecodeError as exc:
        reason = _lower_first(str(exc))
        if "truncated" in reason:
            reason += f" (the body ends after {len(body)} bytes)"
        raise FeedRejected(f"not JSON: {reason}") from exc
    if header.format is None:
        raise FeedRejected(f"no format tag (expected {FEED_FORMAT!r})")
    if header.format != FEED_FORMAT:
        raise FeedRejected(f"wrong format tag {header.format!r} (expected {FEED_FORMAT!r})")


def _describe_validation_error(exc: msgspec.ValidationError, body: bytes) -> str:
    """``Expected `str` matching regex '^[A-Z]{3}$' - at `$.events[3].results[0].competitor.noc```
    becomes ``events[3].results[0].competitor.noc: expected a three-letter NOC, got 'NE'``."""
    message, sep, path = str(exc).rpartition(" - at `")
    if not sep:
        return _lower_first(str(exc))
    location = path.rstrip("`").removeprefix("$").removeprefix(".")
    for pattern, wording in _FRIENDLY_PATTERNS.items():
        message = message.replace(f"`str` matching regex '{pattern}'", wording)
    message = _lower_first(message)
    if ", got" not in message and "missing required field" not in message:
        found = _value_at(body, location)
        if found is not _MISSING and repr(found) not in message:
            message += f", got {found!r}"
    return f"{location}: {message}"


# The constrained strings of the domain model, in words instead of regexes.
_FRIENDLY_PATTERNS: Final = {
    r"^[A-Z]{3}$": "a three-letter NOC",
    r"^[A-Z0-9]{1,8}$": "a record code such as 'OR' or 'WR'",
    r"^[^\\x00]+$": "a code without NUL characters",  # msgspec doubles the backslash
}
_MISSING: Final = object()
_PATH_STEP: Final = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _value_at(body: bytes, location: str) -> object:
    """The offending value, for the error message (only decoded when there is an error)."""
    try:
        node: object = msgspec.json.decode(body)
    except (msgspec.MsgspecError, UnicodeDecodeError, RecursionError):
        return _MISSING  # e.g. 1e400: out of range untyped as well; the message says enough
    for name, index in _PATH_STEP.findall(location):
        if index and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        elif name and isinstance(node, dict) and name in node:
            node = node[name]
        else:
            return _MISSING
    return node


def _lower_first(text: str) -> str:
    """msgspec's sentences start with a capital; ours continue after a colon. Acronyms stay."""
    if text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


def _preview(body: bytes) -> str:
    text = body.lstrip()[:_PREVIEW_CHARS].decode("utf-8", errors="replace")
    return repr(" ".join(text.split()))
