"""Versioned schema migrations (``NNNN_name.sql``), applied in order by medalbot.store.migrate."""
