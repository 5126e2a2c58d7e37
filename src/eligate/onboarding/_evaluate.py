"""The onboarding evaluation: companion guides with truth files, scored per field.

Per field, over every guide: precision (values written to the draft, accepted
or for review, that are right), recall (stated values drafted right), share
cited (drafted values whose citation is on its page: target 100%), false
accepts (accepted values that are wrong, not in the guide, or stated in
conflict: target 0), and how many drafted values were accepted outright. Run with the rules
alone and with a scripted model. The scripted model is a test double, not a
model: it answers the fields it is asked from the truth file with the sentence
that states the value (as an ideal reader would find it), and invents a value
with a made-up quote for every field the guide does not state, so the figures
show what the gate lets through, not a real model's accuracy.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eligate.llm import FunctionModelClient, ModelCall
from eligate.onboarding._checks import FieldReview, grounding
from eligate.onboarding._document import GuideDocument, read_guide
from eligate.onboarding._findings import FIELDS, Finding
from eligate.onboarding._onboard import onboard_document
from eligate.onboarding._support import states_by_words


@dataclass(frozen=True, slots=True)
class GuideTruth:
    """One labelled guide: its PDF, the fields it states, absent and conflicting ones."""

    payer_id: str
    pdf: Path
    fields: dict[str, Any]
    absent: tuple[str, ...]
    review: tuple[str, ...]


def load_truths(folder: Path) -> list[GuideTruth]:
    """Every ``*.truth.yaml`` under ``folder``; the PDF path is relative to the truth file."""
    truths = []
    for path in sorted(folder.rglob("*.truth.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        fields = dict(data["fields"])
        for code, rule in (fields.pop("guide.aaa", None) or {}).items():
            fields[f"guide.aaa.{code}"] = rule
        truths.append(
            GuideTruth(
                payer_id=data["payer_id"],
                pdf=(path.parent / data["guide"]).resolve(),
                fields=fields,
                absent=tuple(data.get("absent", ())),
                review=tuple(data.get("review", ())),
            )
        )
    return truths


@dataclass(slots=True)
class FieldScore:
    """Counts for one field over all guides."""

    truths: int = 0
    drafted: int = 0
    accepted: int = 0
    correct: int = 0
    cited: int = 0
    false_accepts: int = 0

    def figures(self) -> dict[str, float | int | None]:
        """Precision, recall, share cited and false accepts (``None`` where undefined)."""
        return {
            "precision": self.correct / self.drafted if self.drafted else None,
            "recall": self.correct / self.truths if self.truths else None,
            "share_cited": self.cited / self.drafted if self.drafted else None,
            "false_accepts": self.false_accepts,
            "drafted": self.drafted,
            "accepted": self.accepted,
            "truths": self.truths,
        }


@dataclass(slots=True)
class GuideRun:
    """One guide's timing and result."""

    payer_id: str
    pages: int
    read_seconds: float
    draft_seconds: float
    model_outcome: str | None = None
    wrong: list[str] = field(default_factory=list)


def _base(name: str) -> str:
    return "guide.aaa" if name.startswith("guide.aaa.") else name


def _same(name: str, got: object, want: object) -> bool:
    if name == "guide.contact":
        return isinstance(want, str) and want in str(got)
    if isinstance(got, tuple):
        got = list(got)
    return json.dumps(got, sort_keys=True, default=str) == json.dumps(want, sort_keys=True)


def score_guide(
    truth: GuideTruth,
    document: GuideDocument,
    reviews: list[FieldReview],
    scores: dict[str, FieldScore],
) -> list[str]:
    """Add one guide's reviews to ``scores``; the fields it got wrong."""
    by_field = {item.field: item for item in reviews}
    wrong = []
    for name in sorted(set(truth.fields) | set(by_field)):
        score = scores.setdefault(_base(name), FieldScore())
        want = truth.fields.get(name)
        item = by_field.get(name)
        if want is not None:
            score.truths += 1
        if item is None or item.verdict == "rejected":
            if want is not None:
                wrong.append(f"{name}: missing")
            continue
        score.drafted += 1
        score.accepted += item.verdict == "accepted"
        right = want is not None and _same(name, item.value, want)
        score.correct += right
        finding = Finding(name, item.value, item.citations, item.proposed_by)
        score.cited += not grounding(document, finding)
        conflicting = _base(name) in truth.review or name in truth.review
        if item.verdict == "accepted" and (not right or conflicting):
            score.false_accepts += 1
        if not right:
            wrong.append(f"{name}: {item.value!r} ({item.verdict})")
    return wrong


_SENTENCE = re.compile(r"(?:[^.]|\.(?=\w))+(?:\.|$)")


def scripted_model(truth: GuideTruth) -> FunctionModelClient:
    """A model double that answers from ``truth`` and invents the rest (see module docs)."""

    def answer(call: ModelCall) -> object:
        payload = json.loads(call.messages[-1]["content"])
        pages = {page["page"]: page["text"] for page in payload["PAGES"]}
        proposals = []
        for name in payload["FIELDS"]:
            stated = {k: v for k, v in truth.fields.items() if _base(k) == name}
            if not stated:
                proposals.append(_invented(name))
                continue
            for key, value in stated.items():
                quote = _quote_for(key, value, pages)
                if quote is None:
                    continue
                page, text = quote
                said = (
                    [{"code": key.removeprefix("guide.aaa."), **value}]
                    if name == "guide.aaa"
                    else value
                )
                proposals.append({"field": name, "value": said, "page": page, "quote": text})
        return {"proposals": proposals}

    return FunctionModelClient(answer, model="scripted")


def _quote_for(field: str, value: object, pages: dict[int, str]) -> tuple[int, str] | None:
    """The first sentence (up to three joined) that speaks of ``field`` and holds ``value``."""
    for page, text in sorted(pages.items()):
        sentences = [part.strip() for part in _SENTENCE.findall(text)]
        for start in range(len(sentences)):
            for size in (1, 2, 3):
                quote = " ".join(sentences[start : start + size])
                if len(quote) <= 300 and states_by_words(field, value, quote):
                    return page, quote
    return None


def _invented(name: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "timeout.total": 30,
        "pacing.rate_per_second": 25,
        "guide.test_endpoint": "https://test.invented.example/270",
        "guide.max_eq_per_request": 2,
        "guide.member_id_pattern": "[0-9]{11}",
        "guide.dependents_as_subscriber": True,
        "guide.aaa": [{"code": "42", "action": "retry_later", "resend": True, "wait_seconds": 30}],
    }
    value = values.get(name, "INVENTED")
    return {"field": name, "value": value, "page": 1, "quote": f"The {name} is {value}."}


def evaluate(
    truths: list[GuideTruth],
    *,
    with_model: bool,
    clock: Callable[[], float] = time.perf_counter,
    read: Callable[[Path], GuideDocument] = read_guide,
) -> dict[str, Any]:
    """Score every guide whose PDF is present; report per field and per guide.

    ``read`` reads a guide (tests hand in a cached reader); ``clock`` times it.
    """
    scores: dict[str, FieldScore] = {name: FieldScore() for name in FIELDS}
    runs: list[GuideRun] = []
    skipped = []
    for truth in truths:
        if not truth.pdf.is_file():
            skipped.append(f"{truth.payer_id}: guide not found at {truth.pdf}")
            continue
        started = clock()
        document = read(truth.pdf)
        read_at = clock()
        model = scripted_model(truth) if with_model else None
        draft, model_run = onboard_document(
            document, truth.payer_id, source=truth.pdf.name, model=model
        )
        done = clock()
        run = GuideRun(truth.payer_id, document.page_count, read_at - started, done - read_at)
        run.model_outcome = model_run.outcome if model_run is not None else None
        run.wrong = score_guide(truth, document, list(draft.reviews), scores)
        runs.append(run)
    total = FieldScore()
    for score in scores.values():
        total.truths += score.truths
        total.drafted += score.drafted
        total.accepted += score.accepted
        total.correct += score.correct
        total.cited += score.cited
        total.false_accepts += score.false_accepts
    pages = sum(run.pages for run in runs)
    seconds = sum(run.read_seconds + run.draft_seconds for run in runs)
    return {
        "mode": "rules+scripted_model" if with_model else "rules",
        "guides": len(runs),
        "skipped": skipped,
        "overall": total.figures(),
        "fields": {name: score.figures() for name, score in scores.items()},
        "per_guide": [
            {
                "payer_id": run.payer_id,
                "pages": run.pages,
                "seconds": round(run.read_seconds + run.draft_seconds, 3),
                "pages_per_second": round(run.pages / (run.read_seconds + run.draft_seconds), 2),
                "model": run.model_outcome,
                "wrong": run.wrong,
            }
            for run in runs
        ],
        "pages_per_second": round(pages / seconds, 2) if seconds else None,
    }


def render(report: dict[str, Any]) -> str:
    """A plain-text table of the report."""

    def pct(value: object) -> str:
        return "   -  " if value is None else f"{100 * float(str(value)):5.1f}%"

    lines = [
        f"onboarding eval ({report['mode']}): {report['guides']} guides, "
        f"{report['pages_per_second']} pages/s",
        f"{'field':34} {'precision':>9} {'recall':>8} {'cited':>8} {'false acc':>9} "
        f"{'drafted':>7} {'accepted':>8} {'truths':>6}",
    ]
    for name, figures in [*report["fields"].items(), ("OVERALL", report["overall"])]:
        lines.append(
            f"{name:34} {pct(figures['precision']):>9} {pct(figures['recall']):>8} "
            f"{pct(figures['share_cited']):>8} {figures['false_accepts']:>9} "
            f"{figures['drafted']:>7} {figures['accepted']:>8} {figures['truths']:>6}"
        )
    for run in report["per_guide"]:
        wrong = "; ".join(run["wrong"]) or "all right"
        lines.append(
            f"  {run['payer_id']:14} {run['pages']:4} pages {run['seconds']:7.2f} s "
            f"({run['pages_per_second']} pages/s): {wrong}"
        )
    lines.extend(f"  skipped {item}" for item in report["skipped"])
    return "\n".join(lines)
