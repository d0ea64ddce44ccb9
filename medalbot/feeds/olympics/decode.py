"""From the bytes of a response to a decoded body, or ``FeedRejected`` saying why not.

The reasons name what an operator meets in practice: the site's bot protection page (its own
error, ``SiteRefused``), another HTML page, a truncated body, a value the format does not know
(``medalType`` 'ME_X' at ``medalStandings.medalsTable[3]...``).
"""

from __future__ import annotations

import msgspec

from medalbot.feeds.errors import FeedRejected, SiteRefused, describe_size
from medalbot.feeds.olympics.body import (
    ANY_DECODER,
    MEDALLISTS_DECODER,
    MEDALS_DECODER,
    SCHEDULE_DECODER,
    MedallistsBody,
    MedalsBody,
    ScheduleBody,
)
from medalbot.feeds.refusal import refusal_reason

_UTF8_BOM = b"\xef\xbb\xbf"


def decode_body(body: bytes, *, max_bytes: int) -> MedalsBody | MedallistsBody | ScheduleBody:
    """A ``medals``, ``medallists`` or schedule body, told apart by their top-level keys."""
    if len(body) > max_bytes:
        raise FeedRejected(
            f"body larger than {describe_size(max_bytes)} ({describe_size(len(body))})"
        )
    body = body.removeprefix(_UTF8_BOM)
    _reject_markup(body)
    if not body.strip():
        raise FeedRejected("empty body, not an olympics.com medals response")
    what = "not an olympics.com medals response"
    try:
        kinds = ANY_DECODER.decode(body)
        if len(kinds.medalStandings):
            what = "medals response"
            return MEDALS_DECODER.decode(body)
        if len(kinds.athletes):
            what = "medallists response"
            return MEDALLISTS_DECODER.decode(body)
        if len(kinds.units):
            what = "schedule response"
            return SCHEDULE_DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise FeedRejected(f"{what}: {_describe(exc)}") from exc
    except msgspec.DecodeError as exc:
        reason = str(exc)
        if "truncated" in reason.lower():
            reason = f"truncated JSON (the body ends after {len(body)} bytes)"
        raise FeedRejected(f"not JSON: {reason}") from exc
    except UnicodeDecodeError as exc:
        raise FeedRejected(f"not UTF-8: a string holds byte 0x{exc.object[exc.start]:02x}") from exc
    except RecursionError as exc:
        raise FeedRejected("JSON nested too deeply") from exc
    raise FeedRejected(
        "not an olympics.com medals response: neither medalStandings, athletes nor units at the top"
    )


def _describe(exc: msgspec.ValidationError) -> str:
    """``Invalid enum value 'ME_X' - at `$.medalStandings...``` -> ``medalStandings...: invalid
    enum value 'ME_X'``: the place first, as an operator looks for it."""
    message, sep, path = str(exc).rpartition(" - at `")
    if not sep:
        return str(exc)
    location = path.rstrip("`").removeprefix("$").removeprefix(".")
    return f"{location}: {message[:1].lower()}{message[1:]}"


def _reject_markup(body: bytes) -> None:
    head = body.lstrip()[:64].lower()
    if not head.startswith(b"<"):
        return
    refused = refusal_reason(body)
    if refused is not None:
        raise SiteRefused(refused)
    preview = " ".join(body.lstrip()[:40].decode("utf-8", errors="replace").split())
    raise FeedRejected(f"got an HTML or XML page, not JSON (starts with {preview!r})")
