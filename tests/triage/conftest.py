"""Small generated nights and fitted models shared by the triage tests (session-scoped: slow)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eligate.triage import Night, TriageModels, fit_on_nights, generate_nights


@pytest.fixture(scope="session")
def nights() -> list[Night]:
    """Four small nights (a fifth of the payers' volumes), seeded."""
    return generate_nights(seed=25, nights=4, scale=0.25)


@pytest.fixture(scope="session")
def models(nights: list[Night]) -> TriageModels:
    """Models fitted on the first three nights, few trees."""
    return fit_on_nights(
        nights[:3],
        trained_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
        source="test nights",
        n_estimators=15,
    )
