"""Signed webhooks: subscriptions, an outbox fed by the event stream, retries, a dead-letter queue.

Deliveries follow the Standard Webhooks specification and leave in order per
subscription; see :class:`Deliverer` for the retry policy and
:func:`check_target` for outbound safety.
"""

from eligate.webhooks._deliver import AuditTrail, Deliverer, sign
from eligate.webhooks._models import (
    RETRY_SCHEDULE,
    DeliveryPolicy,
    DeliveryPublic,
    DeliveryState,
    WebhookCreate,
    WebhookPublic,
    WebhookRotate,
    new_secret,
    webhook_id,
)
from eligate.webhooks._queue import PUMP_TASK, register_pump
from eligate.webhooks._safety import Resolver, check_target, resolve
from eligate.webhooks._store import Target, WebhookStore, payload_of
from eligate.webhooks.errors import UnsafeTargetError, WebhookError, WebhookUsageError

__all__ = [
    "PUMP_TASK",
    "RETRY_SCHEDULE",
    "AuditTrail",
    "Deliverer",
    "DeliveryPolicy",
    "DeliveryPublic",
    "DeliveryState",
    "Resolver",
    "Target",
    "UnsafeTargetError",
    "WebhookCreate",
    "WebhookError",
    "WebhookPublic",
    "WebhookRotate",
    "WebhookStore",
    "WebhookUsageError",
    "check_target",
    "new_secret",
    "payload_of",
    "register_pump",
    "resolve",
    "sign",
    "webhook_id",
]
