"""Payer files: the schema of one payer's YAML file, the registry, and the guide section.

One YAML file per payer, validated on load (:func:`load_registry`); secrets are
named by environment variable, never written in a file. The optional
:class:`Guide` section says what the payer's companion guide requires. No I/O
beyond reading and writing those files.
"""

from eligate.payers._guide import Guide, GuideAaaRule, GuideField
from eligate.payers._registry import (
    Auth,
    BasicAuth,
    BearerAuth,
    BreakerPolicy,
    FallbackPolicy,
    HeaderKeyAuth,
    NoAuth,
    Pacing,
    PayerConfig,
    PayerRegistry,
    RetryPolicy,
    Timeouts,
    X12Ids,
    dump_payer,
    load_payer,
    load_registry,
    write_registry,
)
from eligate.payers.errors import PayersError, RegistryError, UnknownPayerError

__all__ = [
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "BreakerPolicy",
    "FallbackPolicy",
    "Guide",
    "GuideAaaRule",
    "GuideField",
    "HeaderKeyAuth",
    "NoAuth",
    "Pacing",
    "PayerConfig",
    "PayerRegistry",
    "PayersError",
    "RegistryError",
    "RetryPolicy",
    "Timeouts",
    "UnknownPayerError",
    "X12Ids",
    "dump_payer",
    "load_payer",
    "load_registry",
    "write_registry",
]
