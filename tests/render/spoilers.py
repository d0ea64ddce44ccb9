"""What a glance at a spoiler-safe message shows: its text outside spoiler tags, and whether every
line's tags are paired (Discord shows an unpaired ``||`` as it is, and what follows unhidden)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import discord

_TAG = re.compile(r"(?<!\\)\|\|")  # an escaped "\|\|" in a name is no tag


def unhidden(text: str | None) -> str:
    """The parts of ``text`` a reader sees without clicking a spoiler (tags paired per line)."""
    seen = []
    for line in (text or "").split("\n"):
        parts = _TAG.split(line)
        seen.append("".join(parts[0::2]))
    return "\n".join(seen)


def unpaired_lines(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if len(_TAG.findall(line)) % 2]


def message_texts(content: str | None, embeds: Sequence[discord.Embed]) -> list[str]:
    """Everything a message shows as text: content, titles, descriptions, fields, footers."""
    texts = [content or ""]
    for e in embeds:
        texts += [e.title or "", e.description or "", e.footer.text or ""]
        texts += [f"{f.name}\n{f.value}" for f in e.fields]
    return texts


def spoiled(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """The secrets (names, nations, marks) a glance shows, and any line with an unpaired tag."""
    visible = "\n".join(unhidden(t) for t in texts)
    found = sorted({s for s in secrets if s and s in visible})
    return found + [line for t in texts for line in unpaired_lines(t)]
