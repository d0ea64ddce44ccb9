"""Emulator settings (defaults are Discord's documented or commonly reported values)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .clock import Clock, SystemClock


@dataclass(slots=True)
class EmulatorConfig:
    token: str = "emulator-bot-token"
    bot_name: str = "bot"
    # Gateway
    heartbeat_interval_ms: int = 41_250
    shard_count: int = 1  # what GET /gateway/bot recommends
    max_concurrency: int = 1
    session_start_limit: int = 1000
    privileged_intents_enabled: bool = True  # False: IDENTIFY with them is closed with 4014
    max_replay: int = 1000  # dispatches kept per session for RESUME
    # REST
    global_rate_limit: int = 50
    global_rate_window: float = 1.0
    channel_message_limit: int = 5
    channel_message_window: float = 5.0
    nonce_window: float = 300.0  # "the past few minutes"
    # Interactions
    interaction_deadline: float = 3.0  # first response must arrive within this
    interaction_token_lifetime: float = 900.0  # followups/edits allowed for 15 minutes
    clock: Clock = field(default_factory=SystemClock)
