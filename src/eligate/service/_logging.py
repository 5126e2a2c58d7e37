"""Structured JSON logs: one event per line, stable dotted names, no PHI.

:func:`configure_logging` is called by the commands that start the service, never
at import. Log events name payers, routes, statuses and codes; member data never
reaches a logger (bodies, validation inputs and exception messages are not logged).
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

import structlog

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def configure_logging(*, level: Literal["debug", "info", "warning", "error"] = "info") -> None:
    """Write structlog events as JSON lines on stderr, with the bound correlation ID."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_LEVELS[level]),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Uvicorn logs through the standard library: render its lines as JSON too, so the
    # stream stays one JSON object per line.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
        )
    )
    for name in UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(_LEVELS[level])


UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
"""The standard-library loggers uvicorn writes to; ``configure_logging`` renders them as JSON."""


def get_logger() -> structlog.typing.FilteringBoundLogger:
    """The service's logger."""
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger("eligate.service")
    return logger
