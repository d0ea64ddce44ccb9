"""medalbot: follows an Olympic Games live on Discord."""

__version__ = "0.1.0"
