"""The CAQH CORE Phase II real-time envelope: fields around a payload, as HTTP MIME multipart.

Pure: the payer transport and the simulator both speak it through these functions.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

CORE_RULE_VERSION = "2.2.0"
_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))', re.IGNORECASE)
_FIELD_NAME = re.compile(rb'content-disposition:[^\r\n]*?\bname="([^"]*)"', re.IGNORECASE)
REQUEST_PAYLOAD_TYPE = "X12_270_Request_005010X279A1"
RESPONSE_PAYLOAD_TYPE = "X12_271_Response_005010X279A1"


@dataclass(frozen=True, slots=True)
class CoreEnvelope:
    """The CORE fields around one payload."""

    payload_type: str
    processing_mode: str
    payload_id: str
    timestamp: str
    sender_id: str
    receiver_id: str
    core_rule_version: str
    payload: bytes
    error_code: str | None = None

    def fields(self) -> dict[str, bytes]:
        """The multipart fields in CORE's order and spelling."""
        fields = {
            "PayloadType": self.payload_type.encode(),
            "ProcessingMode": self.processing_mode.encode(),
            "PayloadID": self.payload_id.encode(),
            "TimeStamp": self.timestamp.encode(),
            "SenderID": self.sender_id.encode(),
            "ReceiverID": self.receiver_id.encode(),
            "CORERuleVersion": self.core_rule_version.encode(),
            "Payload": self.payload,
        }
        if self.error_code is not None:
            fields["ErrorCode"] = self.error_code.encode()
            fields["ErrorMessage"] = b""
        return fields


def encode_multipart(fields: Mapping[str, bytes]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of ``fields`` and its content type."""
    boundary = f"eligate-{uuid.uuid4().hex}"
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
        % (boundary.encode(), name.encode(), value)
        for name, value in fields.items()
    ]
    body = b"".join(parts) + b"--%s--\r\n" % boundary.encode()
    return body, f"multipart/form-data; boundary={boundary}"


def decode_multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    """The named fields of a ``multipart/form-data`` body.

    A small reader for what CORE exchanges carry (named text fields, no nesting);
    the standard library's e-mail parser is ten times slower per message.

    Raises:
        ValueError: the body is not multipart or has no named field.
    """
    kind, _, params = content_type.partition(";")
    if not kind.strip().lower().startswith("multipart/"):
        raise ValueError("not a multipart body")
    match = _BOUNDARY.search(params)
    if match is None:
        raise ValueError("multipart content type without a boundary")
    delimiter = b"--" + (match.group(1) or match.group(2)).encode("latin-1")
    fields: dict[str, bytes] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, value = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        name = _FIELD_NAME.search(head)
        if name is not None:
            fields[name.group(1).decode("latin-1")] = value.removesuffix(b"\r\n")
    if not fields:
        raise ValueError("multipart body without named fields")
    return fields


def core_timestamp(now: datetime | None = None) -> str:
    """CORE's TimeStamp: ISO 8601 in UTC, to the second."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
