"""Guides for the onboarding tests: the fictional payers' PDFs, read once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from eligate.onboarding import GuideDocument, read_guide

GUIDES = Path(__file__).resolve().parents[1] / "fixtures" / "guides"
PAYERS = (
    "cedarvale",
    "harborlight",
    "ironwood",
    "lakeshore",
    "pinemeadow",
    "riverbend",
    "summitcrest",
)
REAL_GUIDE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "corpus"
    / "companion-guides"
    / "real"
    / "office-ally"
    / "Realtime EDI Companion Guide (4).pdf"
)
_READ: dict[Path, GuideDocument] = {}


def read_once(path: Path) -> GuideDocument:
    """The guide at ``path``, read on first use (pdfminer takes ~0.2 s a page)."""
    if path not in _READ:
        _READ[path] = read_guide(path)
    return _READ[path]


def truth(payer: str) -> dict[str, Any]:
    """The truth file of a fictional payer's guide."""
    loaded = yaml.safe_load((GUIDES / f"{payer}.truth.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture
def real_guide() -> Path:
    """The Office Ally guide in ../shared; skips where the corpus is not checked out."""
    if not REAL_GUIDE.is_file():
        pytest.skip(f"real companion guide not found at {REAL_GUIDE}: it lives in ../shared")
    return REAL_GUIDE
