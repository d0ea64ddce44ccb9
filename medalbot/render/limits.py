"""Discord's embed limits, and fitting everything the bot renders into them without ever failing.

A *card* is an embed's text before it becomes a ``discord.Embed``; cutting is done on cards so that
every cut goes through :func:`truncate` (which keeps markup intact). A list of lines (a podium, a
nation's medals, records, subscriptions) is cut at whole lines by :func:`fit_lines`, which says how
many were left out. Limits are the Discord API's ("Embed Limits" in the message resource's
documentation), counted in UTF-16 code units as Discord counts them (JavaScript string length):
an emoji or a flag is 2 units (a flag is two regional indicators, so 4), never 1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

import discord

from medalbot.render.text import ELLIPSIS, truncate, utf16_len

log = logging.getLogger(__name__)

TITLE_MAX: Final = 256
DESCRIPTION_MAX: Final = 4096
FIELDS_MAX: Final = 25
FIELD_NAME_MAX: Final = 256
FIELD_VALUE_MAX: Final = 1024
FOOTER_MAX: Final = 2048
EMBED_CHARS_MAX: Final = 6000  # per message, across all its embeds
EMBEDS_MAX: Final = 10  # per message
CONTENT_MAX: Final = 2000  # a message's content

_EMPTY: Final = "—"  # Discord rejects empty field names and values


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    title: str
    colour: int
    description: str = ""
    fields: tuple[CardField, ...] = field(default=())
    footer: str = ""
    timestamp: datetime | None = None  # shown by Discord beside the footer; not counted

    @property
    def size(self) -> int:
        """The characters Discord counts towards the 6000 per message."""
        return (
            utf16_len(self.title)
            + utf16_len(self.description)
            + sum(utf16_len(f.name) + utf16_len(f.value) for f in self.fields)
            + utf16_len(self.footer)
        )


def fit_card(card: Card) -> Card:
    """The card within every per-embed limit (each part cut on its own)."""
    fields = tuple(
        CardField(
            truncate(f.name, FIELD_NAME_MAX) or _EMPTY,
            truncate(f.value, FIELD_VALUE_MAX) or _EMPTY,
            f.inline,
        )
        for f in card.fields[:FIELDS_MAX]
    )
    fitted = replace(
        card,
        title=truncate(card.title, TITLE_MAX),
        description=truncate(card.description, DESCRIPTION_MAX),
        fields=fields,
        footer=truncate(card.footer, FOOTER_MAX),
    )
    return shrink_card(fitted, EMBED_CHARS_MAX)


def shrink_card(card: Card, budget: int) -> Card:
    """The card cut down to ``budget`` characters: the longest text first, then trailing fields."""
    while card.size > budget:
        excess = card.size - budget
        parts = [("description", card.description)]
        parts += [(f"field:{i}", f.value) for i, f in enumerate(card.fields)]
        parts += [("title", card.title), ("footer", card.footer)]
        name, text = max(parts, key=lambda part: utf16_len(part[1]))
        target = max(1, utf16_len(text) - excess)
        if target >= utf16_len(text):  # nothing left to cut in any text: drop a field
            if not card.fields:
                log.warning("card %r cannot shrink to %d characters", card.title[:40], budget)
                return card
            card = replace(card, fields=card.fields[:-1])
            continue
        card = _with_part(card, name, truncate(text, target))
    return card


def _with_part(card: Card, name: str, text: str) -> Card:
    if name.startswith("field:"):
        index = int(name.removeprefix("field:"))
        fields = list(card.fields)
        fields[index] = replace(fields[index], value=text or _EMPTY)
        return replace(card, fields=tuple(fields))
    if name == "title":
        return replace(card, title=text)
    if name == "footer":
        return replace(card, footer=text)
    return replace(card, description=text)


def fit_message(cards: Sequence[Card], budget: int = EMBED_CHARS_MAX) -> list[Card]:
    """Cards for one message, within the total ``budget``.

    Small cards stay whole; the budget left is shared equally by the large ones (water filling),
    so one long alert cannot crowd out the others.
    """
    cards = [fit_card(c) for c in cards]
    if sum(c.size for c in cards) <= budget:
        return cards
    allowance: dict[int, int] = {}
    remaining = budget
    by_size = sorted(range(len(cards)), key=lambda i: cards[i].size)
    for position, index in enumerate(by_size):
        share = remaining // (len(cards) - position)
        allowance[index] = min(cards[index].size, share)
        remaining -= allowance[index]
    log.info("message over %d characters, shortening %d embeds", budget, len(cards))
    return [shrink_card(card, allowance[i]) for i, card in enumerate(cards)]


def to_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(
        title=card.title or None,
        description=card.description or None,
        colour=discord.Colour(card.colour),
    )
    for f in card.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    embed.timestamp = card.timestamp
    return embed


def more_lines(count: int) -> str:
    """The last line of a list cut short: how many of its lines were left out."""
    return f"{ELLIPSIS} +{count}"


def fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str] = more_lines) -> str:
    """Whole lines, one per row, as many as fit in ``limit`` units with a last row (``more``)
    saying how many were left out; that row is counted too, so the result always fits.

    A line may hold several rows (an entry and its notes); it is kept or left out whole. When not
    even the first fits, it is cut with "…" rather than shown as nothing.
    """
    joined = "\n".join(lines)
    if utf16_len(joined) <= limit:
        return joined
    # Some line is left out, so every prefix is measured with the count that would follow it.
    kept: list[str] = []
    size = -1  # of "\n".join(kept), less the newline that the first line does not have
    for index, line in enumerate(lines[:-1]):
        grown = size + 1 + utf16_len(line)
        if grown + 1 + utf16_len(more(len(lines) - index - 1)) > limit:
            break
        kept.append(line)
        size = grown
    if kept:
        return "\n".join([*kept, more(len(lines) - len(kept))])
    if len(lines) == 1:
        return truncate(lines[0], limit)
    marker = more(len(lines) - 1)
    cut = truncate(lines[0], limit - 1 - utf16_len(marker))
    return f"{cut}\n{marker}" if cut else truncate(more(len(lines)), limit)
