"""Onboarding speed: a 100-page companion guide in, a draft payer file out.

Writes the 100-page guide (Pine Meadow's, padded with per-loop appendix tables)
with the fixture script, then times, in the same run:

- baseline: pdfplumber's plain ``extract_text()`` over every page (the floor:
  what any reading of the PDF costs);
- onboarding: reading with positions and tables, rules, gate and draft.

Prints pages per second for both and the seconds the whole guide took. The
machine is shared with other work: read the ratio, not only the figure.
Run with ``make bench-onboarding`` (``ARGS="--pages 1000"`` for ten times more).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtures.guides.build_guides import build_big  # noqa: E402

from eligate.onboarding._onboard import onboard  # noqa: E402


def _baseline(pdf: Path) -> tuple[int, float]:
    import pdfplumber  # noqa: PLC0415

    started = time.perf_counter()
    with pdfplumber.open(pdf) as document:
        pages = len(document.pages)
        for page in document.pages:
            page.extract_text()
    return pages, time.perf_counter() - started


def main() -> None:
    """Build the big guide, time the baseline and the onboarding, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pdf = build_big(Path(folder), arguments.pages)
        pages, baseline = _baseline(pdf)
        result = onboard(pdf, "bigguide")
        total = result.read_seconds + result.extract_seconds
        reviews = result.draft.review_document()["summary"]
        print(f"guide: {pages} pages ({pdf.stat().st_size // 1024} KiB)")
        print(f"baseline extract_text: {baseline:6.2f} s  {pages / baseline:7.1f} pages/s")
        print(
            f"onboarding:            {total:6.2f} s  {result.pages_per_second:7.1f} pages/s "
            f"(read {result.read_seconds:.2f} s, rules+gate+draft {result.extract_seconds:.2f} s)"
        )
        print(f"onboarding / baseline: {total / baseline:.2f}x")
        print(f"draft: {reviews}")


if __name__ == "__main__":
    main()
