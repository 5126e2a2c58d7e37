"""The hash chain's pure parts: canonical JSON and hashes that do not depend on the database."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

from eligate.eligibility import AuditVerifyReport, VerifyReport
from eligate.eligibility._chain import GENESIS, canonical_json, event_hash, utc_text


def test_canonical_json_is_one_byte_string_per_value() -> None:
    """Key order and spacing never change the bytes that are hashed."""
    assert canonical_json({"b": 1, "a": [1.5, None, "é"]}) == '{"a":[1.5,null,"é"],"b":1}'.encode()
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_event_hash_follows_the_documented_recipe() -> None:
    """Hash = SHA-256(prev_hash + canonical JSON of seq, created_at, type, payload)."""
    moment = datetime(2026, 11, 23, 6, 47, tzinfo=UTC)
    expected = hashlib.sha256(
        GENESIS.encode() + b'{"created_at":"2026-11-23T06:47:00.000000+00:00","payload":{"k":"v"},'
        b'"seq":1,"type":"t"}'
    ).hexdigest()
    got = event_hash(
        prev_hash=GENESIS, seq=1, created_at=moment, event_type="t", payload={"k": "v"}
    )
    assert got == expected


def test_timestamps_hash_the_same_in_any_zone_or_naive_utc() -> None:
    """SQLite hands back naive UTC and PostgreSQL aware times: both hash alike."""
    aware = datetime(2026, 11, 23, 6, 47, 1, 5, tzinfo=UTC)
    east = aware.astimezone(timezone(timedelta(hours=5)))
    naive = aware.replace(tzinfo=None)
    assert utc_text(aware) == utc_text(east) == utc_text(naive)


def _hash(
    *,
    prev_hash: str = GENESIS,
    seq: int = 1,
    created_at: datetime = datetime(2026, 11, 23, tzinfo=UTC),
    event_type: str = "t",
    payload: dict[str, str] | None = None,
) -> str:
    return event_hash(
        prev_hash=prev_hash,
        seq=seq,
        created_at=created_at,
        event_type=event_type,
        payload={"k": "v"} if payload is None else payload,
    )


def test_every_field_changes_the_hash() -> None:
    """Changing seq, time, type, payload or the previous hash changes the event's hash."""
    variants = {
        _hash(prev_hash="1" * 64),
        _hash(seq=2),
        _hash(created_at=datetime(2026, 11, 23, 0, 0, 0, 1, tzinfo=UTC)),
        _hash(event_type="u"),
        _hash(payload={"k": "w"}),
    }
    assert len(variants) == 5
    assert _hash() not in variants


def test_audit_report_is_a_verify_report() -> None:
    """The store's report is the port's VerifyReport plus a reason and the head hash."""
    report = AuditVerifyReport(ok=True, events=0, first_bad_event=None)
    assert isinstance(report, VerifyReport)
    assert (report.reason, report.head_hash) == (None, GENESIS)


def test_rows_from_before_record_ids_keep_their_digest() -> None:
    """A row without a record id digests as revision 0001 did (pinned), so old chains verify."""
    from eligate.eligibility._chain import transaction_digest

    row = {
        "event_seq": 7, "correlation_id": "corr-7", "payer_id": "synpayer",
        "status": "verified", "source": "realtime", "response_ms": 12.5,
        "created_at": datetime(2026, 11, 23, 6, 47, tzinfo=UTC), "key_id": "k1",
        "detail": None, "request_270": b"a", "response_271": None,
    }  # fmt: skip
    before = "9fc41684409f2c4e85b9767f5856cabcf6cf9630d44b92f2838783f22ffec8bc"
    assert transaction_digest(row) == before
    assert transaction_digest({**row, "record_id": None}) == before
    assert transaction_digest({**row, "record_id": "r-1"}) != before
