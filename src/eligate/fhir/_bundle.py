"""Gated results to one FHIR R4 Bundle (type ``collection``), and its canonical text.

A Bundle holds, per result, the Patient, the Coverage, a synthesized
CoverageEligibilityRequest and the CoverageEligibilityResponse; the insurer
Organization appears once per distinct payer. ``collection`` rather than
``searchset``: the Bundle is the answer to one 271 (or one inquiry), not the
page of a search. Entries are addressed by ``urn:uuid:`` full URLs whose ids are
digests of the content, so the same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from eligate.fhir._codes import CS
from eligate.fhir._json import JsonObject, canonical_json, content_id, digest, plain
from eligate.fhir._resources import (
    Refs,
    coverage,
    meta,
    organization,
    patient,
    request,
    response,
)
from eligate.fhir.errors import BundleValidationError
from eligate.normalizer import EligibilityResult

Tag = tuple[str, str]
"""A ``meta.tag`` of the Bundle: (code system, code)."""


def _urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def _entry(resource: JsonObject) -> JsonObject:
    return {"fullUrl": _urn(resource["id"]), "resource": resource}


def _bundle(entries: list[JsonObject], key: Sequence[str], tags: Sequence[Tag]) -> JsonObject:
    bundle_meta = meta("Bundle")
    if tags:
        bundle_meta["tag"] = [{"system": system, "code": code} for system, code in tags]
    return {
        "resourceType": "Bundle",
        "id": content_id("Bundle", *key, *(f"{s}|{c}" for s, c in tags)),
        "meta": bundle_meta,
        "type": "collection",
        "entry": entries,
    }


def to_bundle(results: Sequence[EligibilityResult], *, tags: Sequence[Tag] = ()) -> JsonObject:
    """The Bundle of one 271's (or one inquiry's) gated results, as FHIR JSON data.

    Args:
        results: Results with the gate's verdict set, in the 271's order.
        tags: ``meta.tag`` codes for the Bundle (e.g. where an answer came from).

    Returns:
        The Bundle; write it with :func:`bundle_json`.

    Raises:
        UngatedResultError: A result has no verdict.
    """
    entries: list[JsonObject] = []
    organizations: dict[str, str] = {}
    digests: list[str] = []
    for position, result in enumerate(results):
        result_digest = digest(result.model_dump_json())
        digests.append(result_digest)
        payer_key = result.payer.model_dump_json() if result.payer is not None else "unnamed"
        org_id = organizations.get(payer_key)
        if org_id is None:
            org_id = organizations[payer_key] = content_id("Organization", payer_key)
            entries.append(_entry(organization(result.payer, org_id)))
        ids = {
            kind: content_id(kind, str(position), result_digest)
            for kind in ("Patient", "Coverage", "CoverageEligibilityRequest",
                         "CoverageEligibilityResponse")
        }  # fmt: skip
        refs = Refs(
            response=_urn(ids["CoverageEligibilityResponse"]),
            request=_urn(ids["CoverageEligibilityRequest"]),
            patient=_urn(ids["Patient"]),
            coverage=_urn(ids["Coverage"]),
            insurer=_urn(org_id),
        )
        entries.extend(
            _entry(resource)
            for resource in (
                patient(result, ids["Patient"]),
                coverage(result, ids["Coverage"], refs),
                request(result, ids["CoverageEligibilityRequest"], refs),
                response(result, ids["CoverageEligibilityResponse"], refs),
            )
        )
    return _bundle(entries, digests, tags)


def unable_to_verify_bundle(reason: str | None, *, tags: Sequence[Tag] = ()) -> JsonObject:
    """A Bundle for an inquiry nobody could answer: one OperationOutcome saying why."""
    code = reason or "unable_to_verify"
    outcome_id = content_id("OperationOutcome", code)
    issue = {
        "severity": "error",
        "code": "transient",
        "details": {"coding": [{"system": f"{CS}unable-to-verify", "code": code}], "text": code},
    }
    resource = {
        "resourceType": "OperationOutcome",
        "id": outcome_id,
        "meta": meta("OperationOutcome"),
        "issue": [issue],
    }
    return _bundle([_entry(resource)], [code], tags)


def bundle_json(bundle: JsonObject) -> str:
    """The canonical JSON text: sorted keys, no spaces, decimals as sent; same input, same bytes."""
    return canonical_json(bundle)


def validate_bundle(bundle: JsonObject) -> None:
    """Check a Bundle (and every resource in it) against fhir.resources' R4B models.

    Raises:
        BundleValidationError: The models refuse it; the message names paths and rules,
            never values (they may be member data).
    """
    from fhir.resources.R4B.bundle import Bundle  # noqa: PLC0415 - heavy; loaded on first use

    try:
        Bundle.model_validate(plain(bundle))
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['type']}"
            for problem in error.errors(include_input=False)[:5]
        ]
        raise BundleValidationError("; ".join(problems)) from None


def render_bundle(
    results: Sequence[EligibilityResult], *, tags: Sequence[Tag] = (), validate: bool = True
) -> str:
    """:func:`to_bundle`, checked by :func:`validate_bundle` unless told not, as canonical text."""
    bundle = to_bundle(results, tags=tags)
    if validate:
        validate_bundle(bundle)
    return bundle_json(bundle)
