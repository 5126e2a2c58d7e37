"""The audit key ring: settings parsing, sealing bound to a row, clear errors."""

from __future__ import annotations

import base64

import pytest

from eligate.eligibility import AuditKey, BadKeyError, DecryptionError, KeyRing

SECRET = bytes(range(32))
ENCODED = base64.urlsafe_b64encode(SECRET).decode()


def test_parse_named_keys_active_first() -> None:
    """``id:key`` entries, comma-separated: the first seals, the others still open."""
    old = KeyRing.parse(f"old:{ENCODED}")
    key_id, blob = old.seal(b"SYN000123", context=b"row-1")
    ring = KeyRing.parse(f" new:{base64.b64encode(bytes(32)).decode()} , old:{ENCODED} ")
    assert ring.active_key_id == "new"
    assert ring.open(key_id, blob, context=b"row-1") == b"SYN000123"


def test_bare_key_is_named_by_its_fingerprint() -> None:
    """A setting with just a key gets a stable ``k-`` id derived from the key."""
    assert KeyRing.parse(ENCODED).active_key_id == AuditKey.from_secret(SECRET).key_id
    assert KeyRing.parse(ENCODED).active_key_id.startswith("k-")


def test_unpadded_and_fernet_style_keys_are_accepted() -> None:
    """Base64 without padding (and so a Fernet key, 32 urlsafe bytes) is a usable key."""
    assert KeyRing.parse("k:" + ENCODED.rstrip("=")).active_key_id == "k"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "at least one key"),
        ("k:" + base64.b64encode(bytes(16)).decode(), "32 bytes"),
        (f"bad id:{ENCODED}", "key id"),
        (f"a:{ENCODED},a:{ENCODED}", "duplicate key id 'a'"),
        ("k:%%%%", "32 bytes|base64"),
    ],
)
def test_unusable_settings_are_refused(setting: str, message: str) -> None:
    """Wrong length, a bad id, duplicates or no key at all: BadKeyError with a stable code."""
    with pytest.raises(BadKeyError, match=message) as caught:
        KeyRing.parse(setting)
    assert caught.value.code == "bad_encryption_key"


def test_sealed_bytes_hide_the_plaintext_and_differ_each_time() -> None:
    """Ciphertext never contains the member ID, and a fresh nonce makes every seal unique."""
    ring = KeyRing.parse(f"k:{ENCODED}")
    _, one = ring.seal(b"NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123", context=b"c")
    _, two = ring.seal(b"NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123", context=b"c")
    assert one != two
    assert b"SYN000123" not in one
    assert b"TESTPATIENT" not in one


def test_ciphertext_is_bound_to_its_row() -> None:
    """A ciphertext moved to another row (other context) or altered does not open."""
    ring = KeyRing.parse(f"k:{ENCODED}")
    _, blob = ring.seal(b"raw 271", context=b"row-1")
    with pytest.raises(DecryptionError, match="altered"):
        ring.open("k", blob, context=b"row-2")
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        ring.open("k", flipped, context=b"row-1")


def test_key_material_never_shows_in_repr() -> None:
    """Printing a ring or a key (logs, tracebacks) shows ids only."""
    ring = KeyRing.parse(f"k:{ENCODED}")
    key = AuditKey("k", SECRET)
    for shown in (repr(ring), repr(key)):
        assert ENCODED not in shown
        assert repr(SECRET) not in shown
    assert repr(ring) == "KeyRing(active='k', keys=1)"


def test_generated_keys_are_random_and_usable() -> None:
    """``generate`` gives a fresh 256-bit key per call, in the setting's format."""
    one, two = KeyRing.generate("2026-11"), KeyRing.generate("2026-11")
    assert one != two
    assert KeyRing.parse(f"{one},old:{ENCODED}").active_key_id == "2026-11"
    with pytest.raises(BadKeyError):
        KeyRing.generate("no spaces allowed")
