"""Text primitives for rendering: making feed text inert, measuring and cutting it as Discord does.

Feed text (names, marks, event names) is untrusted: it must neither ping anyone nor change the
formatting around it. ``allowed_mentions`` is the real guard against pings; escaping here also keeps
a name like ``<@&123>`` from *showing* as a mention.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final, Literal

from discord.utils import escape_markdown, escape_mentions

ELLIPSIS: Final = "…"
ZWSP: Final = "\u200b"

# C0/C1 controls (newlines and tabs included: feed names are one line) become spaces; bidi
# overrides and isolates, which can reorder the text around a name, are dropped.
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI: Final = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES: Final = re.compile(r"\s+")
# Markdown pairs that must be closed again when a cut falls between them (unescaped ones only).
_PAIRED_MARKERS: Final = ("~~", "**", "||", "`")
_REGIONAL_INDICATORS: Final = range(0x1F1E6, 0x1F200)

TimestampStyle = Literal["t", "T", "d", "D", "f", "F", "R"]


def utf16_len(text: str) -> int:
    """Length as Discord counts it (JavaScript string length), never less than ``len(text)``."""
    return len(text.encode("utf-16-le")) // 2


def plain(text: str, max_chars: int | None = None) -> str:
    """Feed text made one clean line, shortened with "…" (for places without markdown: footers)."""
    text = _BIDI.sub("", _CONTROLS.sub(" ", text))
    text = _SPACES.sub(" ", text).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + ELLIPSIS
    return text


def safe(text: str, max_chars: int | None = None) -> str:
    """Feed text made inert for markdown places: one line, no formatting, no mentions."""
    text = escape_markdown(plain(text, max_chars))
    # escape_mentions only knows @everyone/@here and 17-20 digit ids; a zero-width space after
    # every "<" also disarms <@&1>, <#1>, </cmd:1>, <t:…> and custom emoji.
    return escape_mentions(text).replace("<", "<" + ZWSP)


def timestamp(moment: datetime, style: TimestampStyle = "f") -> str:
    """A Discord timestamp: each reader sees it in their own time zone and language."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def strike(line: str) -> str:
    """``line`` struck through; leading indentation stays outside the markers so they render."""
    text = line.lstrip()
    indent = line[: len(line) - len(text)]
    return f"{indent}~~{text}~~" if text else line


def spoiler(text: str) -> str:
    """Each line of ``text`` inside spoiler tags (``||…||``), indentation outside: a tag per line
    renders on every client and survives a cut at any line (``truncate`` closes a cut line's
    pair). Feed text in it is already escaped (``safe``), so a ``|`` in a name cannot close it."""
    lines = []
    for line in text.split("\n"):
        body = line.lstrip()
        indent = line[: len(line) - len(body)]
        lines.append(f"{indent}||{body}||" if body else line)
    return "\n".join(lines)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in "…", without breaking markup.

    Prefers a line boundary; never leaves half an escape, a half ``<t:…>`` token, half a flag, or
    an unclosed ``~~``/``**`` pair on the cut line.
    """
    if utf16_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    if limit == 1:
        return ELLIPSIS
    cut = _prefix_within(text, limit - 1)
    line_start = cut.rfind("\n")
    if line_start >= len(cut) // 2:
        return cut[: line_start + 1] + ELLIPSIS
    while True:
        cut = _tidy_cut(cut)
        closers = _closers(cut[cut.rfind("\n") + 1 :])
        if utf16_len(cut) + 1 + len(closers) <= limit:
            return cut + ELLIPSIS + closers
        cut = cut[: max(0, len(cut) - len(closers))]


def _prefix_within(text: str, units: int) -> str:
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > units:
            return text[:index]
    return text


def _tidy_cut(cut: str) -> str:
    open_token = cut.rfind("<")
    if open_token > cut.rfind(">"):
        cut = cut[:open_token]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    indicators = len(cut) - len(cut.rstrip("".join(map(chr, _REGIONAL_INDICATORS))))
    if indicators % 2:
        cut = cut[:-1]
    return cut.rstrip(" ")


def _closers(line: str) -> str:
    """Closing markers for the pairs left open in ``line``, innermost first."""
    unescaped = re.sub(r"\\.", "  ", line)  # same length, so positions still line up
    open_at = {m: unescaped.rfind(m) for m in _PAIRED_MARKERS if unescaped.count(m) % 2}
    return "".join(sorted(open_at, key=open_at.__getitem__, reverse=True))
