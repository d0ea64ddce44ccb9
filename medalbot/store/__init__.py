"""Persistence: the Store protocol (``base``) and its implementations, opened by URL."""

from medalbot.store.base import Store, StoreError
from medalbot.store.factory import open_store

__all__ = ["Store", "StoreError", "open_store"]
