"""Outbound safety: where a webhook may be sent.

A target must be https in production, and every address its host resolves to
must be public: loopback (unless tests allow it explicitly), private,
link-local, multicast, reserved and unspecified addresses are refused, so a
subscription cannot be pointed at the cloud metadata service or the database.
The check runs when the subscription is made and again before every attempt
(DNS may change between them).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from eligate.webhooks.errors import UnsafeTargetError

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Host and port to the addresses they resolve to."""


async def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the system resolver, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


async def check_target(
    url: str,
    *,
    https_only: bool,
    allow_loopback: bool,
    resolver: Resolver = resolve,
) -> None:
    """Refuse ``url`` unless it is safe to send to.

    Raises:
        UnsafeTargetError: a scheme, host or address that is not allowed.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or (https_only and parts.scheme != "https"):
        allowed = "https" if https_only else "http or https"
        raise UnsafeTargetError(f"webhook URLs must be {allowed}")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeTargetError("webhook URLs need a host and no credentials")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTargetError("webhook URL has a bad port") from None
    try:
        addresses = await resolver(parts.hostname, port)
    except OSError:
        raise UnsafeTargetError("webhook host does not resolve") from None
    if not addresses:
        raise UnsafeTargetError("webhook host does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if address.is_loopback:
            if allow_loopback:
                continue
            raise UnsafeTargetError("webhook host resolves to a loopback address")
        if (
            address.is_private
            or address.is_link_local
            or address.is_multicast
            or address.is_reserved
            or address.is_unspecified
        ):
            raise UnsafeTargetError("webhook host resolves to a private or link-local address")
