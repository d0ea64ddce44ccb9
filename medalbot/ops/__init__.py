"""The operators' view: Prometheus metrics, event loop lag and a health endpoint."""

from medalbot.ops.health import GatewayWatch, HealthProbe, HealthReport, assess_health
from medalbot.ops.loop_lag import LoopLagMonitor
from medalbot.ops.metrics import BotMetrics
from medalbot.ops.runtime import OpsRuntime
from medalbot.ops.server import OpsServer
from medalbot.ops.settings import HealthPolicy, OpsSettings

__all__ = [
    "BotMetrics",
    "GatewayWatch",
    "HealthPolicy",
    "HealthProbe",
    "HealthReport",
    "LoopLagMonitor",
    "OpsRuntime",
    "OpsServer",
    "OpsSettings",
    "assess_health",
]
