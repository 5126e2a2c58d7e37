"""The optional model step: asked only for what the rules left, held to the same gate."""

from __future__ import annotations

import json

from eligate.llm import FunctionModelClient, ModelCall, ModelUnavailableError
from eligate.onboarding._onboard import onboard_document
from tests.onboarding.conftest import GUIDES, read_once


def _scripted(*proposals: dict[str, object]) -> FunctionModelClient:
    return FunctionModelClient(lambda call: {"proposals": list(proposals)}, model="scripted")


def _asked(client: FunctionModelClient) -> set[str]:
    payload = json.loads(client.calls[0].messages[-1]["content"])
    return set(payload["FIELDS"])


def test_model_is_asked_only_for_fields_the_rules_left() -> None:
    """Riverbend states no rate: the model is asked for it, not for the endpoint."""
    client = _scripted()
    document = read_once(GUIDES / "riverbend.pdf")
    onboard_document(document, "riverbend", source="riverbend.pdf", model=client)
    asked = _asked(client)
    assert "pacing.rate_per_second" in asked
    assert "endpoint" not in asked


def test_real_quote_that_does_not_state_the_value_is_rejected() -> None:
    """Real words on the right page, but stating something else: rejected, default kept."""
    document = read_once(GUIDES / "riverbend.pdf")
    quote = "Riverbend answers real-time inquiries in under 15 seconds."
    assert quote in document.page_text(2)
    client = _scripted(
        {
            "field": "guide.test_endpoint",
            "value": "https://core.riverbend.example/soap/eligibility",
            "page": 2,
            "quote": "posted to https://core.riverbend.example/soap/eligibility.",
        },
        {"field": "pacing.rate_per_second", "value": 15, "page": 2, "quote": quote},
    )
    draft, run = onboard_document(document, "riverbend", source="riverbend.pdf", model=client)
    assert run is not None
    assert run.outcome == "proposed"
    fields = {item.field: item for item in draft.reviews}
    # The quote is on page 2 but states a response time, not a rate: rejected.
    assert fields["pacing.rate_per_second"].verdict == "rejected"
    assert fields["pacing.rate_per_second"].reasons == ("value_not_supported_by_citation",)
    # The URL is in the quote, but the words make it the production endpoint, not a test one.
    assert fields["guide.test_endpoint"].proposed_by == "llm"
    assert fields["guide.test_endpoint"].verdict == "rejected"
    assert draft.config.guide is not None
    assert draft.config.guide.test_endpoint is None


def test_invented_quote_is_rejected() -> None:
    """A quote that is not on the cited page rejects the value; the draft keeps the default."""
    document = read_once(GUIDES / "riverbend.pdf")
    client = _scripted(
        {
            "field": "pacing.rate_per_second",
            "value": 40,
            "page": 2,
            "quote": "Riverbend accepts 40 requests per second.",
        }
    )
    draft, _ = onboard_document(document, "riverbend", source="riverbend.pdf", model=client)
    item = next(item for item in draft.reviews if item.field == "pacing.rate_per_second")
    assert item.verdict == "rejected"
    assert item.reasons == ("citation_not_on_page:2",)
    assert draft.config.pacing.rate_per_second == 50


def test_model_unavailable_leaves_the_rules_draft() -> None:
    """A model that times out changes nothing and says why."""

    def down(call: ModelCall) -> object:
        raise ModelUnavailableError("timeout")

    document = read_once(GUIDES / "riverbend.pdf")
    rules, _ = onboard_document(document, "riverbend", source="riverbend.pdf")
    draft, run = onboard_document(
        document, "riverbend", source="riverbend.pdf", model=FunctionModelClient(down)
    )
    assert run is not None
    assert run.outcome == "model_unavailable:timeout"
    assert draft.config == rules.config


def test_model_aaa_entry_needs_its_words() -> None:
    """An AAA rule the quote does not state (wrong wait) is rejected; the stated one passes."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    text = document.page_text(5)
    assert "42 Unable to Respond at Current Time Resubmit after 5 minutes." in text
    from eligate.onboarding import Citation, Finding, review

    good = Finding(
        "guide.aaa.42",
        {"action": "retry_later", "resend": True, "wait_seconds": 300},
        (Citation(5, "42 Unable to Respond at Current Time Resubmit after 5 minutes."),),
        proposed_by="llm",
    )
    wrong = Finding(
        "guide.aaa.73",
        {"action": "retry_later", "resend": True, "wait_seconds": 300},
        (Citation(5, "42 Unable to Respond at Current Time Resubmit after 5 minutes."),),
        proposed_by="llm",
    )
    verdicts = {item.field: item.verdict for item in review(document, [good, wrong])}
    assert verdicts == {"guide.aaa.42": "accepted", "guide.aaa.73": "rejected"}


def test_value_the_rules_cannot_reread_goes_to_review_not_accepted() -> None:
    """Juniper Hill's "Only a single EQ": a model's 1 with that quote is drafted for review."""
    document = read_once(GUIDES / "juniperhill.pdf")
    quote = "Only a single EQ segment is accepted per 270."
    page = next(p for p in range(1, 4) if quote in document.page_text(p))
    client = _scripted(
        {"field": "guide.max_eq_per_request", "value": 1, "page": page, "quote": quote},
        {"field": "guide.version", "value": "7.0", "page": 1, "quote": "Document version: v6.2."},
    )
    draft, _ = onboard_document(document, "juniper", source="juniperhill.pdf", model=client)
    fields = {item.field: item for item in draft.reviews}
    assert fields["guide.max_eq_per_request"].verdict == "needs_review"
    assert "model_value_not_read_by_rules" in fields["guide.max_eq_per_request"].reasons
    assert draft.config.guide is not None
    assert draft.config.guide.max_eq_per_request == 1
    assert fields["guide.version"].verdict == "rejected"


def test_pages_sent_fit_the_budget_and_favour_the_fields() -> None:
    """The pages most about the fields asked go first; the budget is never exceeded."""
    from eligate.onboarding._model import pages_for

    document = read_once(GUIDES / "harborlight.pdf")
    chosen = pages_for(document, ["guide.aaa"], budget=2_500)
    assert sum(len(document.page_text(page)) for page in chosen) <= 2_500
    assert 5 in chosen


def test_nothing_to_ask_and_fields_not_asked_are_ignored() -> None:
    """No field left: no call. A proposal for a field not asked is dropped."""
    from eligate.onboarding import propose

    document = read_once(GUIDES / "pinemeadow.pdf")
    client = _scripted(
        {"field": "endpoint", "value": "https://evil.example/270", "page": 2, "quote": "x"},
        {
            "field": "guide.aaa",
            "value": [
                {"code": "42", "action": "retry_later", "resend": True, "wait_seconds": 300},
                "not an entry",
            ],
            "page": 5,
            "quote": "42 Unable to Respond at Current Time Resubmit after 5 minutes.",
        },
    )
    assert propose(client, document, []).outcome == "nothing_to_ask"
    assert client.calls == []
    run = propose(client, document, ["guide.aaa"])
    assert [finding.field for finding in run.findings] == ["guide.aaa.42"]
    assert run.findings[0].proposed_by == "llm"
