"""FHIR R4 out: gated eligibility results as a Bundle around a CoverageEligibilityResponse.

Pure: no I/O. Sits at the core's level and imports only ``validators``,
``normalizer`` and ``x12``. Built as plain JSON data and checked with
fhir.resources' R4B models (structurally R4 for these resources; the package
root is R5), declaring FHIR 4.0.1 in ``meta.profile``. :func:`read_bundle` reads
the benefit facts back, so tests can prove the mapping loses nothing.
"""

from eligate.fhir._bundle import (
    Tag,
    bundle_json,
    render_bundle,
    to_bundle,
    unable_to_verify_bundle,
    validate_bundle,
)
from eligate.fhir._codes import BASE, EXTENSION_URLS, FHIR_VERSION, SERVICE_TYPES
from eligate.fhir._reader import AccumulatorFact, BenefitFact, ResultFacts, read_bundle
from eligate.fhir.errors import (
    BundleReadError,
    BundleValidationError,
    FhirError,
    UngatedResultError,
)

MEDIA_TYPE = "application/fhir+json"
"""The media type of FHIR JSON (what ``Accept`` asks for)."""
CONTENT_TYPE = f"{MEDIA_TYPE}; fhirVersion=4.0"
"""What eligate answers with: FHIR JSON of release 4.0 (R4)."""

__all__ = [
    "BASE",
    "CONTENT_TYPE",
    "EXTENSION_URLS",
    "FHIR_VERSION",
    "MEDIA_TYPE",
    "SERVICE_TYPES",
    "AccumulatorFact",
    "BenefitFact",
    "BundleReadError",
    "BundleValidationError",
    "FhirError",
    "ResultFacts",
    "Tag",
    "UngatedResultError",
    "bundle_json",
    "read_bundle",
    "render_bundle",
    "to_bundle",
    "unable_to_verify_bundle",
    "validate_bundle",
]
