"""The JSON form in which stores keep feed state and alerts (stored as TEXT columns).

Decoding validates against the domain structs, so a corrupt or incompatible row fails loudly
instead of producing a half-built state.
"""

from __future__ import annotations

from typing import Final

import msgspec

from medalbot.domain.alerts import Alert
from medalbot.domain.state import GamesState

_encoder: Final = msgspec.json.Encoder()
_state_decoder: Final = msgspec.json.Decoder(GamesState)
_alert_decoder: Final[msgspec.json.Decoder[Alert]] = msgspec.json.Decoder(Alert)


def encode_state(state: GamesState) -> str:
    return _encoder.encode(state).decode("utf-8")


def decode_state(text: str | bytes) -> GamesState:
    return _state_decoder.decode(text)


def encode_alert(alert: Alert) -> str:
    return _encoder.encode(alert).decode("utf-8")


def decode_alert(text: str | bytes) -> Alert:
    return _alert_decoder.decode(text)


def alert_type(alert: Alert) -> str:
    """The tag that names an alert's kind in its JSON ("medal", "record", "correction")."""
    tag = alert.__struct_config__.tag
    if not isinstance(tag, str):  # every Alert member is declared with a string tag
        raise TypeError(f"{type(alert).__name__} has no string tag")
    return tag
