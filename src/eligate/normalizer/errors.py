"""Errors raised by the normalizer.

The tree::

    NormalizerError                 base of what the normalizer itself raises
    └── ProposerError               a proposer failed to produce anything usable

Input that is not a usable 271 is reported by :mod:`eligate.x12` as
:class:`~eligate.x12.X12InputError` and passes through unchanged.
Model failures are :mod:`eligate.llm`'s errors; the LLM proposer turns
:class:`~eligate.llm.ModelUnavailableError` into a ``model_unavailable`` run and
the rules' result stands.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, ModelFaultError


class NormalizerError(EligateError):
    """Base class for errors raised by :mod:`eligate.normalizer`."""

    code = "normalizer_error"


class ProposerError(NormalizerError, ModelFaultError):
    """A proposer could not produce a result (its backend failed or timed out)."""

    code = "proposer_failed"
