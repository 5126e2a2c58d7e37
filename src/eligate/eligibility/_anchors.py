"""Signed anchors of the audit chain, kept outside the database.

A chain alone cannot show that its newest entries were cut off, or that it was
rewritten and re-hashed to the head by someone holding the key. The service
appends the chain's head (``SEQ:HASH``) to a file outside the database every so
often, each line signed with an HMAC under the chain key (its id on the line),
fsynced. ``eligate audit verify --anchors FILE`` checks every line's signature
and that the chain still holds the newest anchor's hash at its sequence number:
entries up to it are fixed by the hash links, so one anchor covers them all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from eligate.eligibility._chain import ChainAnchor, canonical_json
from eligate.eligibility._crypto import KeyRing
from eligate.eligibility.errors import BadAnchorError

ANCHOR_FILE = "audit-anchors.jsonl"
"""The anchor file's default name inside the data directory."""


def _signed(seq: int, digest: str, at: str) -> bytes:
    return f"eligate.audit.anchor/v1:{seq}:{digest}:{at}".encode()


def write_anchor(path: Path, anchor: ChainAnchor, *, keys: KeyRing, now: datetime) -> None:
    """Append ``anchor`` to ``path``, signed with the active chain key, and fsync it."""
    chain_key = keys.chain_key()
    if chain_key is None:  # the active key is always in the ring
        raise BadAnchorError("the key ring has no active chain key")
    key_id, secret = chain_key
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    mac = hmac.new(secret, _signed(anchor.seq, anchor.hash, at), hashlib.sha256).hexdigest()
    line = canonical_json(
        {"seq": anchor.seq, "hash": anchor.hash, "at": at, "key_id": key_id, "mac": mac}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_anchors(path: Path, *, keys: KeyRing) -> list[ChainAnchor]:
    """Every anchor in ``path``, oldest first, each signature checked.

    Raises:
        BadAnchorError: a line is not an anchor, names a key not in the ring, or
            its signature does not match (the file was edited).
    """
    anchors: list[ChainAnchor] = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        try:
            line = json.loads(raw)
            seq, digest, at = int(line["seq"]), str(line["hash"]), str(line["at"])
            key_id, mac = str(line["key_id"]), str(line["mac"])
        except (ValueError, KeyError, TypeError):
            raise BadAnchorError(f"line {number} of {path} is not an anchor") from None
        chain_key = keys.chain_key(key_id)
        if chain_key is None:
            raise BadAnchorError(
                f"line {number} of {path} is signed with key {key_id!r}, not in the ring"
            )
        expected = hmac.new(chain_key[1], _signed(seq, digest, at), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, mac):
            raise BadAnchorError(f"line {number} of {path}: the signature does not match (edited)")
        anchors.append(ChainAnchor(seq, digest))
    return anchors
