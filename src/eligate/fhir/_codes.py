"""Where every X12 value lands in FHIR: code systems, extension URLs and the small tables.

eligate's own extensions and code systems live under one base,
``https://eligate.dev/fhir/``. X12 element codes that no public FHIR code system
carries use ``https://eligate.dev/fhir/CodeSystem/x12-<element>`` (``x12-eb01``,
``x12-eb06``...); service types use the X12 external code list's address.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from eligate.x12 import code_set

FHIR_VERSION: Final = "4.0.1"
"""The FHIR release the Bundles declare (R4; built with fhir.resources' R4B models)."""
BASE: Final = "https://eligate.dev/fhir"
"""The one base for eligate's extensions, code systems and identifier systems."""
EXT: Final = f"{BASE}/StructureDefinition/"
CS: Final = f"{BASE}/CodeSystem/"
SID: Final = f"{BASE}/sid/"

SERVICE_TYPES: Final = "https://x12.org/codes/service-type-codes"
"""X12 external code list 1365 (EB03 service type codes)."""
BENEFIT_TYPE: Final = "http://terminology.hl7.org/CodeSystem/benefit-type"
BENEFIT_NETWORK: Final = "http://terminology.hl7.org/CodeSystem/benefit-network"
BENEFIT_UNIT: Final = "http://terminology.hl7.org/CodeSystem/benefit-unit"
BENEFIT_TERM: Final = "http://terminology.hl7.org/CodeSystem/benefit-term"
COVERAGE_CLASS: Final = "http://terminology.hl7.org/CodeSystem/coverage-class"
RELATIONSHIP: Final = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
DATA_ABSENT: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
NPI: Final = "http://hl7.org/fhir/sid/us-npi"
CURRENCY: Final = "USD"

# Extensions (all under EXT).
EXT_COVERAGE_STATUS: Final = f"{EXT}coverage-status"
EXT_GATE: Final = f"{EXT}gate-verdict"
EXT_ENVELOPE: Final = f"{EXT}x12-envelope"
EXT_BENEFIT: Final = f"{EXT}x12-benefit"
EXT_EB: Final = f"{EXT}x12-eb"
EXT_REMAINING: Final = f"{EXT}remaining"
EXT_ACCUMULATOR: Final = f"{EXT}accumulator"
EXT_INSURANCE_TYPE: Final = f"{EXT}x12-insurance-type"
EXT_REQUEST_ERROR: Final = f"{EXT}x12-request-error"
EXT_UNMAPPED: Final = f"{EXT}x12-unmapped"
EXT_DATE: Final = f"{EXT}x12-date"
EXT_REFERENCE: Final = f"{EXT}x12-reference"
EXT_SEGMENT: Final = f"{EXT}x12-segment"
EXT_SERVICE_TYPE: Final = f"{EXT}x12-service-type"

EXTENSION_URLS: Final = (
    EXT_ACCUMULATOR,
    EXT_BENEFIT,
    EXT_COVERAGE_STATUS,
    EXT_DATE,
    EXT_EB,
    EXT_ENVELOPE,
    EXT_GATE,
    EXT_INSURANCE_TYPE,
    EXT_REFERENCE,
    EXT_REMAINING,
    EXT_REQUEST_ERROR,
    EXT_SEGMENT,
    EXT_SERVICE_TYPE,
    EXT_UNMAPPED,
)
"""Every extension URL eligate writes, for the README table and its test."""


@cache
def x12_system(element: str) -> str:
    """The code system of an X12 element's internal code list, e.g. ``x12-eb01``."""
    return f"{CS}x12-{element.lower()}"


def x12_coding(key: str, code: str) -> dict[str, str]:
    """A Coding of an X12 code with the X12 description as display where the code is known."""
    return dict(_coding(key, code))


@cache
def _coding(key: str, code: str) -> tuple[tuple[str, str], ...]:
    coding = [("system", x12_system(key)), ("code", code)]
    description = code_set(key).description(code)
    if description is not None:
        coding.append(("display", description))
    return tuple(coding)


BENEFIT_TYPES: Final = {"A": "copay-percent", "B": "copay", "C": "deductible"}
"""EB01 codes with an HL7 benefit-type code (``A`` co-insurance is HL7's copay-percent)."""
BENEFIT_TEXT: Final = {
    "A": "coinsurance",
    "B": "copay",
    "C": "deductible",
    "G": "out-of-pocket",
}
"""``benefit.type.text`` for the four money kinds; other EB01 codes use the X12 name."""
NETWORKS: Final = {"Y": ("in",), "N": ("out",), "W": ("in", "out")}
"""EB12 to HL7 benefit-network; ``W`` (applies to both) gives an item for each."""
UNITS: Final = {"IND": "individual", "FAM": "family"}
"""EB02 to HL7 benefit-unit; other coverage levels keep only their X12 coding."""
TERMS: Final = {
    "7": ("day", BENEFIT_TERM),
    "21": ("annual", BENEFIT_TERM),
    "22": ("annual", BENEFIT_TERM),
    "23": ("annual", BENEFIT_TERM),
    "25": ("annual", BENEFIT_TERM),
    "32": ("lifetime", BENEFIT_TERM),
    "27": ("visit", f"{CS}benefit-term"),
}
"""EB06 periods to a term; ``visit`` is eligate's code (HL7 has annual, day, lifetime)."""
VALUE_ROLES: Final = {"24": "used", "29": "remaining", "33": "remaining"}
"""EB06 codes that say what an amount is (year to date, remaining), not its period."""
RELATIONSHIPS: Final = {"18": "self", "01": "spouse", "19": "child"}
"""INS02 to HL7 subscriber-relationship; any other code is ``other``."""
GENDERS: Final = {"M": "male", "F": "female", "U": "unknown"}
"""DMG03 to FHIR administrative gender."""
TELECOM: Final = {"TE": "phone", "FX": "fax", "EM": "email", "UR": "url", "BN": "pager"}
"""PER03/05/07 to ContactPoint.system; other qualifiers are ``other``."""
PROCEDURE_SYSTEMS: Final = {
    "HC": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
    "AD": "http://ada.org/cdt",
    "N4": "http://hl7.org/fhir/sid/ndc",
}
"""EB13-1 qualifiers with a public code system; others get ``x12-eb13-<qualifier>``."""
IDENTIFIER_SYSTEMS: Final = {"XX": NPI, "FI": "urn:oid:2.16.840.1.113883.4.4"}
"""NM108 qualifiers with a public identifier system; others get ``sid/x12-nm108-<code>``."""


def procedure_system(qualifier: str) -> str:
    """The code system of an EB13 procedure code by its qualifier."""
    return PROCEDURE_SYSTEMS.get(qualifier, f"{CS}x12-eb13-{qualifier.lower()}")


def procedure_qualifier(system: str) -> str | None:
    """The EB13-1 qualifier a procedure code system stands for (the inverse of the above)."""
    for qualifier, known in PROCEDURE_SYSTEMS.items():
        if known == system:
            return qualifier
    prefix = f"{CS}x12-eb13-"
    return system.removeprefix(prefix).upper() if system.startswith(prefix) else None


def identifier_system(qualifier: str) -> str:
    """The identifier system of an NM109 by its NM108 qualifier."""
    return IDENTIFIER_SYSTEMS.get(qualifier, f"{SID}x12-nm108-{qualifier.lower()}")
