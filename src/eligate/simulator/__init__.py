"""Loopback payers for the demo, the tests and the benchmarks.

:func:`start_simulator` runs one CAQH CORE-style HTTP payer per id on 127.0.0.1,
answering 270s with synthetic 271s (``SYN`` + six digits is a member; a last
digit 9 has lapsed; anything else gets AAA 75); each can be made slow, flaky,
down or answer AAA errors at run time (:class:`Behavior`).
:func:`simulator_registry` gives payer files that point at them.
"""

from eligate.simulator._simulator import (
    Behavior,
    SimulatedPayer,
    Simulator,
    simulator_registry,
    start_simulator,
)
from eligate.simulator._synthetic import (
    Asked270,
    AskedPerson,
    Bad270Error,
    member_known,
    read_270,
    synthetic_271,
)

__all__ = [
    "Asked270",
    "AskedPerson",
    "Bad270Error",
    "Behavior",
    "SimulatedPayer",
    "Simulator",
    "member_known",
    "read_270",
    "simulator_registry",
    "start_simulator",
    "synthetic_271",
]
