"""The emulator's state and services, shared by the REST routes, the gateway and the test API."""

from __future__ import annotations

from .commands import CommandRegistry
from .config import EmulatorConfig
from .faults import FaultInjector
from .gateway import Gateway
from .interactions import InteractionRegistry
from .messages import MessageStore
from .messaging import Messaging
from .ratelimit import RateLimiter
from .recorder import ChangeSignal, RequestLog
from .world import World, WorldChange

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"


class EmulatorCore:
    def __init__(self, config: EmulatorConfig, world: World | None = None) -> None:
        self.config = config
        self.world = world or World(bot_name=config.bot_name, clock=config.clock)
        self.clock = self.world.clock
        self.signal = ChangeSignal()
        self.requests = RequestLog()
        self.faults = FaultInjector(self.clock)
        self.limiter = RateLimiter(
            self.clock,
            global_limit=config.global_rate_limit,
            global_window=config.global_rate_window,
            channel_message_limit=config.channel_message_limit,
            channel_message_window=config.channel_message_window,
        )
        self.store = MessageStore(self.clock, nonce_window=config.nonce_window)
        self.commands = CommandRegistry(self.world.application_id, self.world.snowflakes)
        self.interactions = InteractionRegistry()
        self.http_base = ""  # "http://127.0.0.1:PORT" once listening
        self.gateway = Gateway(self.world, config, self.signal, lambda: self.gateway_url)
        self.messaging = Messaging(
            world=self.world,
            store=self.store,
            gateway=self.gateway,
            signal=self.signal,
            clock=self.clock,
            snowflakes=self.world.snowflakes,
        )
        self.world.subscribe(self._on_world_change)

    def _on_world_change(self, change: WorldChange) -> None:
        self.signal.notify()

    @property
    def api_base(self) -> str:
        return self.http_base + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.http_base.replace("http://", "ws://", 1) + GATEWAY_PATH
