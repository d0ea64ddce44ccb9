"""Discord's embed limits as the API checks them, counted in UTF-16 units (JavaScript length),
written out here from Discord's documentation rather than taken from the code under test."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from medalbot.render.text import utf16_len


def embed_texts(embed: discord.Embed) -> list[str]:
    texts = [embed.title or "", embed.description or "", embed.footer.text or ""]
    for f in embed.fields:
        texts += [str(f.name), str(f.value)]
    return texts


def embed_units(embed: discord.Embed) -> int:
    """What counts towards the 6000 of a message, in UTF-16 units."""
    return sum(utf16_len(text) for text in embed_texts(embed))


def assert_embeds_fit(embeds: Sequence[discord.Embed]) -> None:
    """The embeds of one message are within every limit Discord enforces."""
    assert 1 <= len(embeds) <= 10
    for embed in embeds:
        assert utf16_len(embed.title or "") <= 256
        assert utf16_len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        for f in embed.fields:
            assert 0 < utf16_len(str(f.name)) <= 256
            assert 0 < utf16_len(str(f.value)) <= 1024
        assert utf16_len(embed.footer.text or "") <= 2048
        embed.to_dict()  # serialisable as discord.py would send it
    assert sum(embed_units(e) for e in embeds) <= 6000
    assert sum(len(embed) for embed in embeds) <= 6000  # discord.py's own count
