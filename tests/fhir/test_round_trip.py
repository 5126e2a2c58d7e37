"""FHIR back to facts: no fact of the gold sets is lost; the same 271 gives the same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from eligate.evals import load_gold
from eligate.evals._cases import ExpectedResult, GoldCase
from eligate.fhir import ResultFacts, bundle_json, read_bundle, to_bundle
from eligate.normalizer import normalize
from eligate.validators import gate
from tests.conftest import CORPUS, FIXTURES, ROOT

GOLD = ROOT / "src" / "eligate" / "evals" / "gold"
CASES = load_gold(GOLD)


def _amount(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def _path(case: GoldCase) -> Path:
    kind, _, name = case.input.partition(":")
    return (CORPUS if kind == "corpus" else ROOT) / name


def _gold_facts(index: int, expected: ExpectedResult) -> Counter[tuple[object, ...]]:
    facts: Counter[tuple[object, ...]] = Counter()
    facts[(index, "member_id", expected.member_id)] += 1
    facts[(index, "coverage_status", expected.coverage_status)] += 1
    facts[(index, "error_codes", tuple(expected.error_codes))] += 1
    for b in expected.benefits or []:
        facts[(index, "benefit", b[0], b[1], b[2], b[3], _amount(b[4]), _amount(b[5]), b[6])] += 1
    for s in expected.summary or []:
        facts[
            (index, "summary", s[0], s[1], s[2], _amount(s[3]), _amount(s[4]), _amount(s[5]))
        ] += 1
    return facts


def _read_facts(
    index: int, facts: ResultFacts, expected: ExpectedResult
) -> Counter[tuple[object, ...]]:
    read: Counter[tuple[object, ...]] = Counter()
    read[(index, "member_id", facts.member_id)] += 1
    read[(index, "coverage_status", facts.coverage_status)] += 1
    read[(index, "error_codes", facts.error_codes)] += 1
    if expected.benefits is not None:
        for b in facts.benefits:
            services = "^".join(b.service_type_codes)
            key = (index, "benefit", b.code, b.coverage_level_code, services,
                   b.time_qualifier_code, b.amount, b.percent, b.in_plan_network_code)  # fmt: skip
            read[key] += 1
    if expected.summary is not None:
        for a in facts.summary:
            read[(index, "summary", a.kind, a.coverage_level_code, a.in_plan_network_code,
                  a.limit, a.remaining, a.met)] += 1  # fmt: skip
    return read


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_gold_facts_survive_the_round_trip(case: GoldCase) -> None:
    """Every fact the rules get right for a gold case is read back from its Bundle."""
    path = _path(case)
    if not path.is_file():
        pytest.skip(f"{case.input} not found: the corpus lives in ../shared")
    data = path.read_bytes()
    results = gate(normalize(data), data)
    facts = read_bundle(json.loads(bundle_json(to_bundle(results)), parse_float=Decimal))
    assert len(facts) == len(results)
    for index, expected in enumerate(case.expected[: len(facts)]):
        gold = _gold_facts(index, expected)
        from_rules = _read_facts_from_results(index, results[index], expected)
        from_fhir = _read_facts(index, facts[index], expected)
        # Whatever gold fact the rules produced, the Bundle still carries (nothing lost in FHIR).
        assert gold & from_rules == gold & from_fhir
        if not case.must_not_accept:
            assert gold - from_fhir == gold - from_rules


def _read_facts_from_results(
    index: int, result: object, expected: ExpectedResult
) -> Counter[tuple[object, ...]]:
    from eligate.normalizer import EligibilityResult

    assert isinstance(result, EligibilityResult)
    read: Counter[tuple[object, ...]] = Counter()
    read[(index, "member_id", result.member_id)] += 1
    read[(index, "coverage_status", result.coverage_status)] += 1
    read[(index, "error_codes", tuple(e.code for e in result.errors))] += 1
    if expected.benefits is not None:
        for b in result.benefits:
            read[(index, "benefit", b.code, b.coverage_level_code, "^".join(b.service_type_codes),
                  b.time_qualifier_code, _amount(b.amount), _amount(b.percent),
                  b.in_plan_network_code)] += 1  # fmt: skip
    if expected.summary is not None:
        for a in [*result.summary.deductible, *result.summary.out_of_pocket]:
            read[(index, "summary", a.kind, a.coverage_level_code, a.in_plan_network_code,
                  _amount(a.limit), _amount(a.remaining), _amount(a.met))] += 1  # fmt: skip
    return read


def test_gold_sets_are_all_labelled_and_mostly_present() -> None:
    """The round trip runs over real and synthetic gold cases, not an empty list."""
    present = [c for c in CASES if _path(c).is_file()]
    assert len(CASES) >= 50
    assert any(c.input.startswith("project:") for c in present)


_SCRIPT = """
import sys
from pathlib import Path
from eligate.fhir import render_bundle
from eligate.normalizer import normalize
from eligate.validators import gate
data = Path(sys.argv[1]).read_bytes()
sys.stdout.write(render_bundle(gate(normalize(data), data)))
"""


def test_same_271_gives_byte_identical_json_across_processes() -> None:
    """Two processes with different hash seeds write the very same bytes for the same 271."""
    path = FIXTURES / "family_individual_accumulators.271"
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT, str(path)],
            capture_output=True,
            check=True,
            env=env,
        )
        outputs.append(done.stdout)
    data = path.read_bytes()
    in_process = bundle_json(to_bundle(gate(normalize(data), data))).encode()
    assert outputs[0] == outputs[1] == in_process
    text = outputs[0].decode()
    assert "\n" not in text
    assert ": " not in text.replace('": "', "")  # no spaces after separators outside strings

    def sorted_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        assert keys == sorted(keys)
        return dict(pairs)

    json.loads(text, object_pairs_hook=sorted_keys)
    assert '"value":1405.00' in text  # decimals keep the digits the payer sent


def test_ids_carry_no_member_data() -> None:
    """Resource ids and full URLs are digests: no member ID, name or birth date in them."""
    data = (FIXTURES / "kitchen_sink_dependent.271").read_bytes()
    results = gate(normalize(data), data)
    bundle = to_bundle(results)
    addresses = [bundle["id"]] + [
        part for e in bundle["entry"] for part in (e["fullUrl"], e["resource"]["id"])
    ]
    phi = {"SYNKS0001", "TESTPATIENT", "JOHNNY", "20100409", "2010-04-09"}
    assert all(secret not in address for address in addresses for secret in phi)
