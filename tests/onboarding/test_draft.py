"""The draft payer file: loads in the registry, cites every value, lists what is missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eligate.onboarding import Citation, FieldReview, OnboardingUsageError, extract, review
from eligate.onboarding._draft import build_draft
from eligate.onboarding._onboard import onboard_document, write_outputs
from eligate.payers import load_registry
from tests.onboarding.conftest import GUIDES, read_once


def test_draft_loads_in_the_registry_with_the_guide_section(tmp_path: Path) -> None:
    """DIR/ID.yaml is a payer file load_registry accepts, with the guide's values."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    draft, _ = onboard_document(document, "pinemeadow", source="pinemeadow.pdf")
    write_outputs(draft, tmp_path)
    config = load_registry(tmp_path)["pinemeadow"]
    assert str(config.endpoint) == "https://edi.pinemeadow.example/core/270"
    assert config.auth.method == "basic"
    assert config.timeout.total == 20
    assert config.pacing.rate_per_second == 5
    assert (config.x12.receiver_id, config.x12.payer_id) == ("PINEMEADOW", "PMH01")
    guide = config.guide
    assert guide is not None
    assert guide.member_id_pattern == "PMH[0-9]{9}"
    assert guide.member_id_strip_suffix == "-[0-9]{2}$"
    assert guide.max_eq_per_request == 1
    assert guide.aaa["42"].wait_seconds == 300
    assert guide.aaa["72"].resend is False


def test_review_cites_every_field_and_names_the_proposer(tmp_path: Path) -> None:
    """Each field in ID.review.json has a value, a {page, text} citation, rules, a verdict."""
    import json

    document = read_once(GUIDES / "riverbend.pdf")
    draft, _ = onboard_document(document, "riverbend", source="riverbend.pdf")
    write_outputs(draft, tmp_path)
    data = json.loads((tmp_path / "riverbend.review.json").read_text(encoding="utf-8"))
    assert data["fields"]
    for name, entry in data["fields"].items():
        assert entry["citation"]["page"] >= 1, name
        assert entry["citation"]["text"] in document.page_text(entry["citation"]["page"])
        assert entry["proposed_by"] == "rules"
        assert entry["verdict"] in {"accepted", "needs_review", "rejected"}
    assert "guide.test_endpoint" in data["missing"]
    assert "pacing.rate_per_second" in data["missing"]
    assert "pacing.rate_per_second" in data["defaults"]
    assert "retry.failures" in data["defaults"]


def test_missing_values_are_defaults_never_guesses() -> None:
    """Riverbend gives no rate and no test system: the draft keeps the schema's defaults."""
    document = read_once(GUIDES / "riverbend.pdf")
    draft, _ = onboard_document(document, "riverbend", source="riverbend.pdf")
    assert draft.config.guide is not None
    assert draft.config.guide.test_endpoint is None
    assert draft.config.pacing.rate_per_second == 50
    assert draft.config.guide.member_id_strip_suffix is None


def test_rejected_value_stays_out_of_the_payer_file() -> None:
    """A rejected endpoint is replaced by the placeholder default, marked as such."""
    bad = FieldReview(
        "endpoint",
        "http://insecure.example/270",
        (Citation(1, "x"),),
        "rules",
        "rejected",
        ("endpoint_not_https",),
    )
    draft = build_draft("acme", [bad], pages=1, source="acme.pdf")
    assert str(draft.config.endpoint) == "https://payer.invalid/acme/270"
    assert "endpoint" in draft.defaults


def test_value_the_schema_refuses_is_rejected_with_its_words() -> None:
    """A value past the domain checks but refused by the payer file schema is rejected."""
    item = FieldReview("guide.max_eq_per_request", 0, (Citation(1, "x"),), "rules", "accepted", ())
    draft = build_draft("acme", [item], pages=1, source="acme.pdf")
    (kept,) = draft.reviews
    assert kept.verdict == "rejected"
    assert kept.reasons[-1].startswith("schema:")
    assert draft.config.guide is not None
    assert draft.config.guide.max_eq_per_request is None


def test_needs_review_values_are_drafted_and_flagged() -> None:
    """Ironwood's conflicting values are in the file and marked needs_review in the review."""
    document = read_once(GUIDES / "ironwood.pdf")
    draft, _ = onboard_document(document, "ironwood", source="ironwood.pdf")
    assert draft.config.guide is not None
    assert draft.config.guide.max_eq_per_request == 5
    fields = draft.review_document()["fields"]
    assert fields["guide.max_eq_per_request"]["verdict"] == "needs_review"
    assert fields["guide.max_eq_per_request"]["alternatives"] == [1]


def test_bad_payer_id_is_a_usage_error() -> None:
    """A registry id with capitals or spaces is refused before anything is written."""
    document = read_once(GUIDES / "summitcrest.pdf")
    with pytest.raises(OnboardingUsageError, match="payer id"):
        onboard_document(document, "Summit Crest", source="summitcrest.pdf")


def test_review_only_fields_are_marked() -> None:
    """ISA qualifiers and GS08 are checked for the engineer but are not payer file fields."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    reviews = review(document, extract(document))
    draft = build_draft("pinemeadow", reviews, pages=document.page_count, source="p.pdf")
    fields = draft.review_document()["fields"]
    assert fields["x12.isa05"]["in_payer_file"] is False
    assert fields["x12.receiver_id"]["in_payer_file"] is True
    assert replace(reviews[0]).field == reviews[0].field
