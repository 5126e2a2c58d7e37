"""``/dashboard`` in a real browser: the system's headless Chromium driven by selenium.

A payer turned sick in the simulator goes red on the open page without a
reload, and a batch's progress bar moves, both pushed over ``/v1/events`` (the
real Redis stream). Screenshots land in ``reports/`` for a reviewer.
Skipped only where Chromium or its driver is not installed (CI installs both).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from eligate.eligibility import Core, MemoryCache, Submitter
from eligate.events import Announcer, RedisEventStream
from eligate.payers import BreakerPolicy, RetryPolicy, Timeouts
from eligate.service import EventConfig, create_app
from eligate.simulator import Behavior, Simulator
from tests.eligibility.fakes import FakeAudit, make_request
from tests.service.conftest import ADMIN_KEY, make_settings
from tests.service.sse import serving

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPORTS = Path(__file__).resolve().parents[2] / "reports"

pytestmark = pytest.mark.skipif(
    not (CHROMEDRIVER.is_file() and CHROMIUM),
    reason="needs the system chromium and chromium-driver (apt-get install chromium "
    "chromium-driver; .ci/run installs them)",
)

if CHROMIUM:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a throwaway profile and no background traffic."""
    profile = tempfile.mkdtemp(prefix="eligate-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1280,1400",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _data(driver: webdriver.Chrome, element_id: str, name: str) -> str | None:
    """A data attribute read in the page (htmx swaps panels: no stale element handles)."""
    value = driver.execute_script(
        "const e = document.getElementById(arguments[0]);"
        "return e ? e.dataset[arguments[1]] : null;",
        element_id,
        name,
    )
    return None if value is None else str(value)


def _light(driver: webdriver.Chrome, payer_id: str) -> str | None:
    return _data(driver, f"tile-{payer_id}", "light")


def _done(driver: webdriver.Chrome, batch_id: str) -> int | None:
    value = _data(driver, f"run-{batch_id}", "done")
    return int(value) if value is not None else None


def _wait(driver: webdriver.Chrome, check: object, seconds: float = 15.0) -> None:
    WebDriverWait(driver, seconds, poll_frequency=0.1).until(check)  # type: ignore[arg-type]


async def test_a_sick_payer_goes_red_and_a_batch_moves_without_a_reload(
    simulator: Simulator, browser: webdriver.Chrome, redis_client: Redis, redis_prefix: str
) -> None:
    """The open page turns alpha's tile red and moves the run's progress, pushed by events."""
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events")
    announcer = Announcer(stream)
    core = Core(
        registry=simulator.registry(
            timeout=Timeouts(connect=0.2, read=0.3, total=0.5),
            breaker=BreakerPolicy(failure_threshold=3, window_seconds=30, open_seconds=300),
            retry=RetryPolicy(attempts=1, backoff_base=0.01, failures=("http_5xx",)),
        ),
        cache=MemoryCache(),
        audit=FakeAudit(),
        salt=b"eligate-tests-salt-0123456789abcdef",
        submitter=Submitter(sender_id="ELIGATE", provider_npi="1999999984", provider_name="X"),
        announcer=announcer,
    )
    app = create_app(
        make_settings(),
        core=core,
        events=stream,
        event_config=EventConfig(heartbeat_seconds=1.0, poll_seconds=0.5),
    )
    REPORTS.mkdir(exist_ok=True)
    async with serving(app) as base:

        def open_page() -> float:
            browser.get(f"{base}/dashboard/login")
            browser.find_element(By.NAME, "key").send_keys(ADMIN_KEY)
            browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            _wait(browser, lambda d: _light(d, "alpha") == "green")
            paint = browser.execute_script(
                "const p = performance.getEntriesByName('first-contentful-paint')[0];"
                "return p ? p.startTime : null;"
            )
            return float(paint) if paint is not None else -1.0

        first_paint_ms = await asyncio.to_thread(open_page)
        for i in range(3):  # a healthy check each: the tiles have figures
            await core.check(make_request("alpha", member_id=f"SYN50000{i}"))
        await asyncio.to_thread(browser.save_screenshot, str(REPORTS / "dashboard-healthy.png"))

        await simulator.set_behavior("alpha", Behavior(error_rate=1.0))
        for i in range(4):
            await core.check(make_request("alpha", member_id=f"SYN60000{i}"))
        assert core.health("alpha").breaker == "open"
        await asyncio.to_thread(_wait, browser, lambda d: _light(d, "alpha") == "red")
        assert await asyncio.to_thread(_light, browser, "bravo") == "green"
        await asyncio.to_thread(browser.save_screenshot, str(REPORTS / "dashboard-sick-payer.png"))

        await announcer.announce("batch.started", batch_id="b-live", total=20)
        seen: list[int | None] = []
        for verified in (5, 12, 20):
            await announcer.announce(
                "batch.progress",
                payer_id="bravo",
                batch_id="b-live",
                counts={"verified": verified, "queued": 20 - verified},
            )
            await asyncio.to_thread(
                _wait,
                browser,
                lambda d, v=verified: _done(d, "b-live") == v,
            )
            seen.append(await asyncio.to_thread(_done, browser, "b-live"))
        await asyncio.to_thread(browser.save_screenshot, str(REPORTS / "dashboard-batch.png"))
        assert seen == [5, 12, 20]
        url = await asyncio.to_thread(lambda: browser.current_url)
        assert url.endswith("/dashboard")  # never reloaded or navigated away
    # the app's lifespan closed the core
    (REPORTS / "dashboard-timing.json").write_text(json.dumps({"first_paint_ms": first_paint_ms}))
