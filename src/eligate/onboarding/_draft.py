"""The draft payer file and its review, built from the gate's verdicts.

Accepted and to-be-reviewed values go into the payer file (nothing unreviewed
reaches production: the engineer reviews the file before it is deployed);
rejected ones never do. Fields the guide does not give are listed as missing and
keep safe defaults, each marked as a default in the review. The file is validated
by the payer file schema itself (:class:`eligate.payers.PayerConfig`); a value the
schema refuses is rejected with the schema's words and its default used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml
from pydantic import ValidationError

from eligate.onboarding._checks import FieldReview
from eligate.onboarding._findings import FIELDS, REVIEW_ONLY
from eligate.onboarding.errors import OnboardingUsageError
from eligate.payers import PayerConfig

DEFAULT_RETRY_FAILURES = ("connect", "http_5xx")
"""Retried failures when the guide says nothing: a refused connection and a 5xx, not a timeout
(a 270 that timed out may still be answered, and a resend doubles the payer's load)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft payer file and everything the engineer needs to review it.

    Attributes:
        payer_id: The registry id given on the command line.
        config: The payer file, validated by the payer file schema.
        reviews: The gate's decision per field found (AAA reasons one by one).
        missing: Fields the guide does not give (never guessed).
        defaults: Payer file paths filled with a default, and why.
        pages: Pages in the guide.
        source: The guide's file name.
    """

    payer_id: str
    config: PayerConfig
    reviews: tuple[FieldReview, ...]
    missing: tuple[str, ...]
    defaults: Mapping[str, str]
    pages: int
    source: str

    def yaml_text(self) -> str:
        """The payer file as YAML (``load_registry`` reads it back)."""
        data = self.config.model_dump(mode="json", exclude_none=True)
        header = (
            f"# Draft payer file for {self.payer_id!r}, from {self.source} by `eligate onboard`.\n"
            f"# Review every value against {self.payer_id}.review.json before production use.\n"
        )
        return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def review_document(self) -> dict[str, Any]:
        """The review as JSON-ready data: per field value, citation, proposer, verdict, reasons."""
        fields = {}
        for item in self.reviews:
            fields[item.field] = {
                "value": _plain(item.value),
                "citation": {"page": item.citation.page, "text": item.citation.text},
                "citations": [{"page": c.page, "text": c.text} for c in item.citations],
                "proposed_by": item.proposed_by,
                "verdict": item.verdict,
                "reasons": list(item.reasons),
                "alternatives": [_plain(value) for value in item.alternatives],
                "in_payer_file": _base(item.field) not in REVIEW_ONLY,
            }
        counts = {
            verdict: sum(1 for item in self.reviews if item.verdict == verdict)
            for verdict in ("accepted", "needs_review", "rejected")
        }
        return {
            "payer_id": self.payer_id,
            "guide": self.source,
            "pages": self.pages,
            "fields": fields,
            "missing": list(self.missing),
            "defaults": dict(self.defaults),
            "summary": {**counts, "missing": len(self.missing), "defaults": len(self.defaults)},
        }


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    return value


def _base(field: str) -> str:
    return "guide.aaa" if field.startswith("guide.aaa.") else field


def build_draft(payer_id: str, reviews: list[FieldReview], *, pages: int, source: str) -> Draft:
    """Assemble the payer file from the usable reviews; defaults for the rest.

    Raises:
        OnboardingUsageError: ``payer_id`` is not a valid registry id.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", payer_id):
        raise OnboardingUsageError(
            f"payer id {payer_id!r} must be lower-case letters, digits, '-' or '_'"
        )
    reviews = list(reviews)
    for _ in range(len(reviews) + 1):
        data, defaults = _assemble(payer_id, reviews)
        try:
            config = PayerConfig.model_validate(data)
        except ValidationError as error:
            reviews = _reject_by_schema(reviews, error)
            continue
        found = {_base(item.field) for item in reviews}
        missing = tuple(field for field in FIELDS if field not in found)
        return Draft(payer_id, config, tuple(reviews), missing, defaults, pages, source)
    raise AssertionError("unreachable: each pass rejects one more field")  # pragma: no cover


def _reject_by_schema(reviews: list[FieldReview], error: ValidationError) -> list[FieldReview]:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].replace("\n", " ")
    for index, item in enumerate(reviews):
        if item.verdict != "rejected" and where.startswith(_path_text(item.field)):
            reasons = (*item.reasons, f"schema: {message}")
            reviews[index] = replace(item, verdict="rejected", reasons=reasons)
            return reviews
    raise ValueError(f"draft payer file refused at {where}: {message}")


def _path_text(field: str) -> str:
    if field == "auth.method":
        return "auth"
    if field.startswith("guide.aaa."):
        return "guide.aaa." + field.removeprefix("guide.aaa.")
    return field


def _assemble(payer_id: str, reviews: list[FieldReview]) -> tuple[dict[str, Any], dict[str, str]]:
    usable = {item.field: item for item in reviews if item.verdict != "rejected"}
    values = {field: item.value for field, item in usable.items()}
    defaults: dict[str, str] = {}
    upper = re.sub(r"[^A-Z0-9]", "", payer_id.upper())[:15] or "PAYER"

    def take(field: str, default: object, why: str) -> object:
        if field in values:
            return values[field]
        defaults[field] = f"{why} (default {default!r})"
        return default

    payer_name = values.get("x12.payer_name")
    name = str(payer_name).title() if payer_name else payer_id
    if not payer_name:
        defaults["name"] = f"guide gives no payer name (default {payer_id!r})"
    data: dict[str, Any] = {
        "id": payer_id,
        "name": name,
        "endpoint": take(
            "endpoint", f"https://payer.invalid/{payer_id}/270", "guide gives no endpoint"
        ),
        "auth": _auth(payer_id, usable.get("auth.method"), defaults),
        "retry": {"failures": list(DEFAULT_RETRY_FAILURES)},
        "x12": {
            "receiver_id": take("x12.receiver_id", upper, "guide gives no ISA08/GS03"),
            "payer_id": take("x12.payer_id", upper, "guide gives no 2100A NM109"),
            "payer_name": take("x12.payer_name", name.upper()[:60], "guide gives no NM103"),
        },
    }
    defaults["retry.failures"] = (
        f"guides do not say which failures to retry (default {list(DEFAULT_RETRY_FAILURES)!r})"
    )
    if "timeout.total" in values:
        total = float(str(values["timeout.total"]))
        data["timeout"] = {"total": total, "read": min(8.0, total)}
    else:
        defaults["timeout.total"] = "guide promises no response time (schema default 10 s)"
    if "pacing.rate_per_second" in values:
        data["pacing"] = {"rate_per_second": values["pacing.rate_per_second"]}
    else:
        defaults["pacing.rate_per_second"] = "guide states no request rate (schema default 50/s)"
    for field, default in _GUIDE_DEFAULTS.items():
        if field not in values:
            defaults[field] = f"guide does not say (default {default!r})"
    data["guide"] = _guide(values)
    return data, defaults


_GUIDE_DEFAULTS = {"guide.envelope": "mime", "guide.dependents_as_subscriber": False}
"""Guide fields with a value even when the guide is silent (the others then say nothing)."""


def _auth(payer_id: str, item: FieldReview | None, defaults: dict[str, str]) -> dict[str, str]:
    prefix = re.sub(r"[^A-Z0-9]", "_", payer_id.upper())
    if item is None:
        defaults["auth"] = "guide names no authentication (default method 'none')"
        return {"method": "none"}
    method = str(item.value)
    if method == "basic":
        return {
            "method": "basic",
            "username_env": f"{prefix}_USERNAME",
            "password_env": f"{prefix}_PASSWORD",
        }
    if method == "bearer":
        return {"method": "bearer", "token_env": f"{prefix}_TOKEN"}
    header = re.search(r"\b(X-[A-Za-z0-9-]+)\b", item.citation.text)
    if header is None:
        defaults["auth.header"] = "guide names no header (default 'X-API-Key')"
    return {
        "method": "header",
        "header": header.group(1) if header else "X-API-Key",
        "key_env": f"{prefix}_API_KEY",
    }


def _guide(values: Mapping[str, object]) -> dict[str, Any]:
    guide: dict[str, Any] = {}
    for field, value in values.items():
        if field.startswith("guide.aaa."):
            guide.setdefault("aaa", {})[field.removeprefix("guide.aaa.")] = value
        elif field.startswith("guide."):
            guide[field.removeprefix("guide.")] = _plain(value)
    return guide
