"""One guide in, one draft out: read, extract by rules, ask the model for the rest, gate, draft."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eligate.llm import ModelClient
from eligate.onboarding._checks import review
from eligate.onboarding._document import GuideDocument, read_guide
from eligate.onboarding._draft import Draft, build_draft
from eligate.onboarding._findings import FIELDS, Finding
from eligate.onboarding._model import ModelRun, propose
from eligate.onboarding._rules import extract


@dataclass(frozen=True, slots=True)
class Onboarding:
    """The draft and how it was made.

    Attributes:
        draft: The payer file, its review, missing fields and defaults.
        read_seconds: Time spent reading the PDF.
        extract_seconds: Time spent on rules, model and gate.
        model: What the model step did, or ``None`` without a model.
    """

    draft: Draft
    read_seconds: float
    extract_seconds: float
    model: ModelRun | None

    @property
    def pages_per_second(self) -> float:
        """Guide pages onboarded per second, reading included."""
        total = self.read_seconds + self.extract_seconds
        return self.draft.pages / total if total > 0 else float("inf")


def onboard_document(
    document: GuideDocument,
    payer_id: str,
    *,
    source: str,
    model: ModelClient | None = None,
) -> tuple[Draft, ModelRun | None]:
    """Draft a payer file from an already read guide (rules first, then the model)."""
    findings: list[Finding] = extract(document)
    run: ModelRun | None = None
    if model is not None:
        found = {"guide.aaa" if f.field.startswith("guide.aaa.") else f.field for f in findings}
        run = propose(model, document, [field for field in FIELDS if field not in found])
        findings.extend(run.findings)
    reviews = review(document, findings)
    draft = build_draft(payer_id, reviews, pages=document.page_count, source=source)
    return draft, run


def onboard(
    guide: Path,
    payer_id: str,
    *,
    model: ModelClient | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Onboarding:
    """Read ``guide`` and draft the payer file ``payer_id``.

    Raises:
        GuideReadError: the guide cannot be read.
        OnboardingUsageError: ``payer_id`` is not a valid registry id.
    """
    started = clock()
    document = read_guide(guide)
    read = clock()
    draft, run = onboard_document(document, payer_id, source=guide.name, model=model)
    done = clock()
    return Onboarding(draft, read - started, done - read, run)


def write_outputs(draft: Draft, folder: Path) -> list[Path]:
    """Write ``ID.yaml`` and ``ID.review.json`` into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    payer_file = folder / f"{draft.payer_id}.yaml"
    review_file = folder / f"{draft.payer_id}.review.json"
    payer_file.write_text(draft.yaml_text(), encoding="utf-8")
    review_file.write_text(
        json.dumps(draft.review_document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return [payer_file, review_file]
