"""How the Discord port reads discord.py's failures on send (stub client, no network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import discord
import pytest

from medalbot.delivery.discord_port import DiscordPort
from medalbot.delivery.port import ChannelRefused, MessageRejected
from medalbot.render.alerts import RenderedMessage

MESSAGE = RenderedMessage(
    content=None,
    embeds=[discord.Embed(title="🥇")],
    allowed_mentions=discord.AllowedMentions.none(),
)


@dataclass
class Response:
    status: int
    reason: str


class Refusing:
    """A client whose every send fails with ``error``."""

    def __init__(self, error: discord.HTTPException) -> None:
        self._error = error

    def get_channel(self, channel_id: int) -> None:
        return None  # not in the cache: the send is tried

    def get_partial_messageable(self, channel_id: int) -> Refusing:
        return self

    async def send(self, **kwargs: Any) -> discord.Message:
        raise self._error


def port(error: discord.HTTPException) -> DiscordPort:
    return DiscordPort(cast(discord.Client, Refusing(error)))


async def test_a_resent_nonce_of_a_message_since_deleted_drops_the_message_not_the_channel() -> (
    None
):
    # Discord's answer when a moderator deleted what a retry with the same nonce would return
    deleted = discord.NotFound(
        Response(404, "Not Found"), {"code": 10008, "message": "Unknown Message"}
    )

    with pytest.raises(MessageRejected, match="deleted"):
        await port(deleted).send(10, MESSAGE, "n-1")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            discord.NotFound(
                Response(404, "Not Found"), {"code": 10003, "message": "Unknown Channel"}
            ),
            10003,
        ),
        (
            discord.Forbidden(
                Response(403, "Forbidden"), {"code": 50001, "message": "Missing Access"}
            ),
            50001,
        ),
    ],
)
async def test_a_channel_gone_or_closed_to_us_is_refused(
    error: discord.HTTPException, code: int
) -> None:
    with pytest.raises(ChannelRefused) as refused:
        await port(error).send(10, MESSAGE, "n-1")

    assert (refused.value.status, refused.value.code) == (error.status, code)
