"""``eligate onboard verify``: run a draft's generated cases against the simulator as that payer.

The simulator is started with the payer file's guide section (it answers as the
guide says the payer does); the core is built on that one payer, with the
endpoint pointed at the simulator and no credentials. Each case asks about its
own date of service (so no answer is served from the cache) with the simulator's
counters reset, then the expectation is checked: refused before sending with the stated action,
or sent, with what the 270 carried and what the caller got.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from eligate.eligibility import (
    Core,
    EligibilityRequest,
    GuideRefusedError,
    KeyRing,
    MemoryCache,
    SqlAuditStore,
    Submitter,
)
from eligate.payers import NoAuth, Pacing, PayerConfig, PayerRegistry, RetryPolicy
from eligate.simulator import Asked270, Behavior, Simulator, start_simulator
from eligate.x12 import InquiryPerson

_SUBMITTER = Submitter(
    sender_id="ELIGATEVERIFY", provider_npi="1999999984", provider_name="VERIFY CLINIC"
)


@dataclass(slots=True)
class CaseResult:
    """One case's outcome: passed, or the expectations it missed."""

    name: str
    description: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No expectation missed."""
        return not self.problems


def load_cases(folder: Path) -> list[dict[str, Any]]:
    """The cases in ``folder`` (``*.json``, in file name order)."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]


def _request(payer_id: str, case: dict[str, Any], number: int) -> EligibilityRequest:
    """The case's request; its own date of service, so no case is answered from the cache."""
    asked = case["request"]
    dependent = asked.get("dependent")
    return EligibilityRequest(
        payer_id=payer_id,
        subscriber=InquiryPerson.model_validate(asked["subscriber"]),
        dependent=InquiryPerson.model_validate(dependent) if dependent else None,
        service_type_codes=tuple(asked["service_type_codes"]),
        date_of_service=datetime.now(UTC).date() - timedelta(days=number),
        correlation_id=f"verify-{case['name']}",
    )


def _local(config: PayerConfig, endpoint: str) -> PayerConfig:
    return config.model_copy(
        update={
            "endpoint": endpoint,
            "auth": NoAuth(),
            "retry": RetryPolicy(attempts=1, failures=("connect",)),
            # The guide's rate is the real payer's; the loopback one need not be paced.
            "pacing": Pacing(rate_per_second=1000, burst=100),
        }
    )


async def verify(config: PayerConfig, cases: list[dict[str, Any]]) -> list[CaseResult]:
    """Run ``cases`` against the simulator configured as ``config``'s payer."""
    simulator = await start_simulator((config.id,), guides={config.id: config.guide})
    try:
        with tempfile.TemporaryDirectory() as folder:
            audit = SqlAuditStore.from_url(
                f"sqlite+aiosqlite:///{folder}/verify.db",
                keys=KeyRing.parse(KeyRing.generate("verify")),
            )
            await audit.migrate()
            core = Core(
                registry=PayerRegistry.of(_local(config, simulator.endpoints[config.id])),
                cache=MemoryCache(),
                audit=audit,
                salt=b"verify-salt-0123456789",
                submitter=_SUBMITTER,
            )
            try:
                return [
                    await _run_case(config, simulator, core, case, number)
                    for number, case in enumerate(cases)
                ]
            finally:
                await core.close()
    finally:
        await simulator.stop()


async def _run_case(
    config: PayerConfig, simulator: Simulator, core: Core, case: dict[str, Any], number: int
) -> CaseResult:
    result = CaseResult(case["name"], case.get("description", ""))
    expect = case["expect"]
    payer = simulator.payers[config.id]
    aaa = (case.get("simulate") or {}).get("aaa")
    await simulator.set_behavior(config.id, Behavior(latency_ms=0, jitter_ms=0, aaa=aaa))
    payer.requests = 0
    payer.received.clear()
    try:
        outcome = await core.check(_request(config.id, case, number))
    except GuideRefusedError as refused:
        if expect.get("sent", True):
            result.problems.append(f"refused ({refused.action}) but expected to be sent")
        elif refused.action != expect.get("action"):
            result.problems.append(f"refused with {refused.action}, expected {expect['action']}")
        if payer.requests:
            result.problems.append(f"refused, yet {payer.requests} request(s) reached the payer")
        return result
    if not expect.get("sent", True):
        result.problems.append(f"sent, expected a refusal with {expect.get('action')}")
        return result
    _check_sent(result, expect, payer.received, payer.requests)
    if "action" in expect:
        actions = {error.action for r in outcome.results for error in r.errors}
        if expect["action"] not in actions:
            result.problems.append(f"actions {sorted(actions)}, expected {expect['action']}")
    wanted = expect.get("retry_after_seconds")
    if "retry_after_seconds" in expect and outcome.retry_after_seconds != wanted:
        result.problems.append(
            f"retry_after_seconds {outcome.retry_after_seconds}, expected {wanted}"
        )
    return result


def _check_sent(
    result: CaseResult, expect: dict[str, Any], received: Sequence[Asked270], calls: int
) -> None:
    if not received:
        result.problems.append("no 270 reached the payer")
        return
    asked = received[-1]
    if "sent_member_id" in expect:
        sent = asked.subscriber.member_id
        if sent != expect["sent_member_id"]:
            result.problems.append(
                f"270 carried member id {sent!r}, expected {expect['sent_member_id']!r}"
            )
    if "eq_count" in expect and len(asked.service_types) != expect["eq_count"]:
        result.problems.append(
            f"270 carried {len(asked.service_types)} EQ, expected {expect['eq_count']}"
        )
    if "sent_as" in expect:
        sent_as = "dependent" if asked.dependent is not None else "subscriber"
        if sent_as != expect["sent_as"]:
            result.problems.append(f"patient sent as {sent_as}, expected {expect['sent_as']}")
    if "payer_calls" in expect and calls != expect["payer_calls"]:
        result.problems.append(f"{calls} payer call(s), expected {expect['payer_calls']}")
