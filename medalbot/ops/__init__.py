"""The operators' view: Prometheus metrics, event loop lag and a health endpoint.

Import from the modules (``medalbot.ops.runtime``, ``.metrics``, ``.server``, ...). This file stays
empty so that ``medalbot.config`` can import ``medalbot.ops.settings`` without loading the
endpoint and prometheus_client.
"""
