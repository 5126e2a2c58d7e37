"""Re-ingest: a newer guide version's changes against the payer file in use."""

from __future__ import annotations

from eligate.onboarding import changes
from eligate.onboarding._onboard import onboard_document
from tests.onboarding.conftest import GUIDES, read_once


def test_same_guide_changes_nothing() -> None:
    """Onboarding the same guide twice reports no change."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    first, _ = onboard_document(document, "pinemeadow", source="pinemeadow.pdf")
    second, _ = onboard_document(document, "pinemeadow", source="pinemeadow.pdf")
    assert changes(first.config, second.config) == []


def test_changed_values_are_listed_by_path() -> None:
    """A newer version with another EQ limit and timeout lists exactly those paths."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    draft, _ = onboard_document(document, "pinemeadow", source="pinemeadow.pdf")
    old = draft.config
    assert old.guide is not None
    new = old.model_copy(
        update={
            "guide": old.guide.model_copy(update={"max_eq_per_request": 3, "version": "2.2"}),
            "timeout": old.timeout.model_copy(update={"total": 15.0}),
        }
    )
    lines = [change.line() for change in changes(old, new)]
    assert lines == [
        "guide.max_eq_per_request: 1 -> 3",
        "guide.version: '2.1' -> '2.2'",
        "timeout.total: 20.0 -> 15.0",
    ]
