"""Encryption at rest for the raw 270/271 the audit store keeps: AES-256-GCM with key ids.

A key ring holds one active key (new rows) and any retired keys (rows written
before a rotation). Each row stores the id of the key that sealed it, so a
rotation needs no re-encryption: add the new key first in the setting and keep
the old one after it. The associated data binds a ciphertext to its row's
correlation ID and column, so a ciphertext moved to another row or column does
not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from eligate.eligibility.errors import BadKeyError, DecryptionError

_NONCE_BYTES = 12
_KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CHAIN_LABEL = b"eligate.audit.chain/v1"
"""Derives the chain's HMAC key from an audit key."""


@dataclass(frozen=True, slots=True)
class AuditKey:
    """One 256-bit AES key and the id stored with every row it seals."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise BadKeyError(
                "a key id is 1-64 letters, digits, '.', '_' or '-'", key_id=self.key_id[:64]
            )
        if len(self.secret) != _KEY_BYTES:
            raise BadKeyError(
                f"an audit key is {_KEY_BYTES} bytes (got {len(self.secret)})", key_id=self.key_id
            )

    @classmethod
    def from_secret(cls, secret: bytes) -> AuditKey:
        """A key named by its own fingerprint (``k-`` + 8 hex digits of its SHA-256)."""
        return cls(f"k-{hashlib.sha256(secret).hexdigest()[:8]}", secret)


def _decode(text: str, *, key_id: str | None) -> bytes:
    value = text.strip()
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise BadKeyError(
            "an audit key must be base64 (urlsafe or standard)", key_id=key_id
        ) from None


class KeyRing:
    """The keys the audit store seals and opens raw messages with; the first one seals."""

    def __init__(self, keys: Sequence[AuditKey]) -> None:
        if not keys:
            raise BadKeyError("a key ring needs at least one key")
        ids = [key.key_id for key in keys]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise BadKeyError(f"duplicate key id {duplicates[0]!r}", key_id=duplicates[0])
        self._active = keys[0]
        self._ciphers = {key.key_id: AESGCM(key.secret) for key in keys}
        # The chain's MAC keys are derived, never the AES keys themselves: one key
        # per purpose, rotated with the ring.
        self._macs = {
            key.key_id: hmac.new(key.secret, _CHAIN_LABEL, hashlib.sha256).digest() for key in keys
        }

    def __repr__(self) -> str:
        return f"KeyRing(active={self._active.key_id!r}, keys={len(self._ciphers)})"

    @classmethod
    def parse(cls, setting: str) -> KeyRing:
        """A ring from a setting: ``id:base64key`` entries, comma-separated, active first.

        A bare base64 key (no ``id:``) is named by its fingerprint. A Fernet key
        (32 bytes, urlsafe base64) is accepted as a 256-bit AES key.
        """
        keys: list[AuditKey] = []
        for entry in (part.strip() for part in setting.split(",")):
            if not entry:
                continue
            key_id, colon, encoded = entry.rpartition(":")
            if colon:
                keys.append(AuditKey(key_id, _decode(encoded, key_id=key_id)))
            else:
                keys.append(AuditKey.from_secret(_decode(encoded, key_id=None)))
        return cls(keys)

    @staticmethod
    def generate(key_id: str) -> str:
        """A new random key as a setting entry (``id:base64key``) for operators."""
        AuditKey(key_id, bytes(_KEY_BYTES))  # validates the id
        return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()}"

    @property
    def active_key_id(self) -> str:
        """The id of the key new rows are sealed with."""
        return self._active.key_id

    def chain_key(self, key_id: str | None = None) -> tuple[str, bytes] | None:
        """The key id and HMAC key that key the audit chain: the active one, or ``key_id``'s.

        ``None`` when ``key_id`` is not in the ring.
        """
        chosen = self._active.key_id if key_id is None else key_id
        mac = self._macs.get(chosen)
        return None if mac is None else (chosen, mac)

    def seal(self, plaintext: bytes, *, context: bytes) -> tuple[str, bytes]:
        """Encrypt ``plaintext`` bound to ``context``; the key id and ``nonce || ciphertext``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._active.key_id].encrypt(nonce, plaintext, context)
        return self._active.key_id, nonce + sealed

    def open(
        self, key_id: str, blob: bytes, *, context: bytes, transaction_id: int | None = None
    ) -> bytes:
        """Decrypt what :meth:`seal` produced; :class:`DecryptionError` when it cannot be."""
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"row sealed with key {key_id!r}, which is not in the key ring "
                f"(have {sorted(self._ciphers)})",
                key_id=key_id,
                transaction_id=transaction_id,
            )
        try:
            return cipher.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context)
        except (InvalidTag, ValueError):
            raise DecryptionError(
                f"ciphertext does not open with key {key_id!r}: wrong key material "
                "for that id, or the row was altered",
                key_id=key_id,
                transaction_id=transaction_id,
            ) from None
