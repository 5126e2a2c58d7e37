"""The ``eligate`` command: each command imports only what it needs, when it runs."""

from eligate.cli._main import app, main

__all__ = ["app", "main"]
