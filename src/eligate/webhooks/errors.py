"""Errors of the webhooks.

Tree::

    EligateError (eligate.codes)
    └── WebhookError
        ├── WebhookUsageError      called wrong: unknown subscription or delivery
        └── UnsafeTargetError      a URL not allowed (http in production, a private,
                                   loopback or link-local address)
"""

from __future__ import annotations

from eligate.codes import EligateError, UsageError

__all__ = ["UnsafeTargetError", "WebhookError", "WebhookUsageError"]


class WebhookError(EligateError):
    """Root of the webhooks' errors."""

    code = "webhook_error"


class WebhookUsageError(WebhookError, UsageError):
    """An unknown subscription or delivery, or a value the webhooks cannot use."""

    code = "webhook_usage"


class UnsafeTargetError(WebhookError, UsageError):
    """The target URL is refused: not https in production, or it resolves somewhere private."""

    code = "unsafe_webhook_target"
