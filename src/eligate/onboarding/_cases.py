"""Generated 270 test cases: one per search option and quirk the payer file's guide states.

Each case is a request (synthetic member only), what the simulated payer does,
and the expected behaviour of the core: refused before sending (with the stable
action), or sent, and then what the 270 carried (member ID, EQ count, where a
dependent went) and what the caller got (AAA action, resends). ``eligate onboard
verify`` runs them against the simulator configured as the payer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eligate.payers import Guide, PayerConfig
from eligate.x12 import code_set

_SUBSCRIBER = {"last_name": "TESTPATIENT", "first_name": "ALEX", "birth_date": "1980-01-01"}
_DEPENDENT = {"last_name": "TESTPATIENT", "first_name": "SAM", "birth_date": "2012-06-01"}
_MISSING_ACTION = {
    "member_id": "fix_member_id",
    "birth_date": "fix_birth_date",
    "first_name": "fix_member_name",
    "gender": "fix_gender",
}
_GENERIC_TYPES = ("30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "AL", "MH", "UC")
_PART = re.compile(r"\[(0-9|A-Z|A-Z0-9)\]\{(\d+)\}|\\?(.)")


def example_member_id(pattern: str | None, *, seed: int = 1) -> str | None:
    """A member ID that fully matches ``pattern``, for the simple patterns onboarding writes.

    ``PMH[0-9]{9}`` gives ``PMH000000001``; ``None`` when the pattern is of
    another shape (hand-written), or no pattern (then a synthetic ``SYN`` ID).
    """
    if pattern is None:
        return f"SYN{seed:06d}"
    out = []
    for match in _PART.finditer(pattern):
        if match.group(1):
            size = int(match.group(2))
            alphabet = {"0-9": "0123456789", "A-Z": "ABCDEFGHJK", "A-Z0-9": "A1B2C3D4E5"}
            body = alphabet[match.group(1)]
            text = f"{seed:0{size}d}"[-size:] if match.group(1) == "0-9" else body * size
            out.append(text[:size])
        elif match.group(3) in "[]{}()|*+?^$.":
            return None
        else:
            out.append(match.group(3))
    example = "".join(out)
    return example if re.fullmatch(pattern, example) else None


def _wrong(pattern: str, good: str) -> str | None:
    for candidate in (good[:-1], good + "7", "X" + good[1:], good.lower()):
        if candidate and not re.fullmatch(pattern, candidate):
            return candidate
    return None


def _suffix_example(strip: str) -> str | None:
    lead = strip[0] if strip[:1] in "- " else ""
    match = re.search(r"\[(0-9|A-Z|A-Z0-9)\]\{(\d+)\}", strip)
    if match is None:
        return None
    size = int(match.group(2))
    suffix = lead + ("0" * (size - 1) + "1" if match.group(1) != "A-Z" else "A" * size)
    return suffix if re.search(strip, "X" + suffix) else None


def _person(base: dict[str, str], member_id: str | None, guide: Guide) -> dict[str, Any]:
    person: dict[str, Any] = {**base, "member_id": member_id}
    if "gender" in guide.required_fields:
        person["gender_code"] = "F"
    return person


def _case(
    name: str, description: str, request: dict[str, Any], expect: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"name": name, "description": description, "request": request, "expect": expect, **extra}


def generate_cases(config: PayerConfig) -> list[dict[str, Any]]:
    """The test cases for ``config``'s guide section (a plain search when it has none)."""
    guide = config.guide or Guide()
    good = example_member_id(guide.member_id_pattern)
    types = [
        code for code in _GENERIC_TYPES if not guide.service_types or code in guide.service_types
    ]
    first_type = (guide.service_types or ("30",))[0]
    cases: list[dict[str, Any]] = []
    if good is None:
        return cases
    base = {
        "subscriber": _person(_SUBSCRIBER, good, guide),
        "dependent": None,
        "service_type_codes": [first_type],
    }
    cases.append(
        _case(
            "search_with_required_fields",
            "A subscriber search carrying every field the guide requires is sent and answered.",
            base,
            {"sent": True, "sent_member_id": good, "eq_count": 1, "sent_as": "subscriber"},
        )
    )
    if guide.member_id_pattern:
        wrong = _wrong(guide.member_id_pattern, good)
        if wrong is not None:
            cases.append(
                _case(
                    "member_id_wrong_format",
                    f"A member ID outside the guide's format ({guide.member_id_pattern}) is "
                    "refused before sending.",
                    {**base, "subscriber": _person(_SUBSCRIBER, wrong, guide)},
                    {"sent": False, "action": "fix_member_id"},
                )
            )
    for field in guide.required_fields:
        if field == "last_name":
            continue  # every 270 carries a last name: the request model requires one
        subscriber = _person(_SUBSCRIBER, good, guide)
        subscriber[{"gender": "gender_code"}.get(field, field)] = None
        cases.append(
            _case(
                f"missing_{field}",
                f"The guide requires {field}; a search without it is refused before sending.",
                {**base, "subscriber": subscriber},
                {"sent": False, "action": _MISSING_ACTION[field]},
            )
        )
    if guide.member_id_strip_suffix:
        suffix = _suffix_example(guide.member_id_strip_suffix)
        if suffix is not None:
            cases.append(
                _case(
                    "card_suffix_stripped",
                    "The card's suffix is dropped before sending, as the guide says.",
                    {**base, "subscriber": _person(_SUBSCRIBER, good + suffix, guide)},
                    {"sent": True, "sent_member_id": good, "eq_count": 1},
                )
            )
    own = example_member_id(guide.member_id_pattern, seed=2) or good
    if guide.dependents_as_subscriber:
        cases.append(
            _case(
                "dependent_sent_as_subscriber",
                "A dependent with an own member ID is sent as the subscriber (no 2100D).",
                {**base, "dependent": _person(_DEPENDENT, own, guide)},
                {"sent": True, "sent_member_id": own, "sent_as": "subscriber"},
            )
        )
    else:
        cases.append(
            _case(
                "dependent_under_subscriber",
                "A dependent is sent in 2100D under the subscriber's member ID.",
                {**base, "dependent": _person(_DEPENDENT, None, guide)},
                {"sent": True, "sent_member_id": good, "sent_as": "dependent"},
            )
        )
    if guide.service_types:
        known = code_set("eb03")
        unsupported = next(
            (
                code
                for code in ("A0", "2", "3", "4", "5", "6", "7", "8")
                if code in known and code not in guide.service_types
            ),
            None,
        )
        if unsupported is not None:
            cases.append(
                _case(
                    "unsupported_service_type",
                    f"Service type {unsupported} is not in the guide's list: refused before "
                    "sending.",
                    {**base, "service_type_codes": [unsupported]},
                    {"sent": False, "action": "fix_service_type"},
                )
            )
    limit = guide.max_eq_per_request
    if limit is not None and len(types) > limit:
        cases.append(
            _case(
                "eq_limit",
                f"The guide allows {limit} EQ per request: a search for {limit + 1} service "
                f"types sends {limit}.",
                {**base, "service_type_codes": types[: limit + 1]},
                {"sent": True, "eq_count": limit},
            )
        )
    for code, rule in sorted(guide.aaa.items()):
        resends = rule.resend and not rule.wait_seconds
        cases.append(
            _case(
                f"aaa_{code}",
                f"The payer answers AAA {code}: the caller gets {rule.action}; the core "
                + ("resends once at once." if resends else "does not resend now."),
                base,
                {
                    "sent": True,
                    "action": rule.action,
                    "payer_calls": 2 if resends else 1,
                    "retry_after_seconds": rule.wait_seconds if rule.resend else None,
                },
                simulate={"aaa": code},
            )
        )
    return cases


def write_cases(config: PayerConfig, folder: Path) -> list[Path]:
    """Write one JSON file per case into ``folder`` (emptied of old cases first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    paths = []
    for number, case in enumerate(generate_cases(config), start=1):
        path = folder / f"{number:02d}_{case['name']}.json"
        path.write_text(json.dumps(case, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
