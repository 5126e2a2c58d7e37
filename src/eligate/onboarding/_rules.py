"""Run every rule extractor over a guide; mark what a revision history says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from eligate.onboarding._document import GuideDocument
from eligate.onboarding._findings import Finding
from eligate.onboarding._rules_aaa import aaa_rules
from eligate.onboarding._rules_connect import (
    auth,
    batch_window,
    contact,
    effective_date,
    endpoints,
    envelope,
    rate,
    timeout,
    version,
)
from eligate.onboarding._rules_x12 import (
    dependents,
    envelope_ids,
    eq_limit,
    member_id,
    payer,
    required_fields,
    service_types,
)

Extractor = Callable[[GuideDocument], list[Finding]]

EXTRACTORS: tuple[Extractor, ...] = (
    endpoints,
    envelope,
    auth,
    timeout,
    rate,
    batch_window,
    version,
    effective_date,
    contact,
    envelope_ids,
    payer,
    service_types,
    member_id,
    required_fields,
    dependents,
    eq_limit,
    aaa_rules,
)
"""The deterministic extractors, each a function of the document alone."""


def extract(document: GuideDocument) -> list[Finding]:
    """Every finding the rules make in ``document``, in extractor order.

    A finding read from a revision history table (a header naming a change or
    revision) is marked ``revision``: it is a later statement than the body's.
    """
    revision_rows = {
        (row.page, row.text)
        for table in document.tables
        if table.header_has("change", "revision")
        for row in table.rows
    }
    findings = []
    for extractor in EXTRACTORS:
        for found in extractor(document):
            cited = {(citation.page, citation.text) for citation in found.citations}
            findings.append(replace(found, revision=True) if cited & revision_rows else found)
    return findings
