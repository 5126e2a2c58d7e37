"""Guards shared by every layer: circuit breaker, bulkhead, token bucket, rolling window.

One home for each (STYLE.md 16): payer lanes, the model client and the API's
rate limits use these. Pure: no I/O; the clock is a parameter.
"""

from eligate.guards._guards import (
    BreakerState,
    Bulkhead,
    CircuitBreaker,
    Clock,
    Permit,
    RollingWindow,
    TokenBucket,
    TransitionHook,
    WindowSummary,
    percentile,
)

__all__ = [
    "BreakerState",
    "Bulkhead",
    "CircuitBreaker",
    "Clock",
    "Permit",
    "RollingWindow",
    "TokenBucket",
    "TransitionHook",
    "WindowSummary",
    "percentile",
]
