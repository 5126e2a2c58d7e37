"""The canonical result as a JSON Schema file, and checking JSON against it.

The file is committed (``eligibility_result.schema.json``) so that systems that
do not run Python can validate results too; a test fails when the models and
the file drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator

from eligate.normalizer import EligibilityResult, Reason

SCHEMA_FILE = "eligibility_result.schema.json"


def export_schema() -> dict[str, Any]:
    """The JSON Schema of one :class:`EligibilityResult`, as the models define it."""
    schema = EligibilityResult.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://eligate.invalid/schemas/eligibility_result.schema.json"
    return schema


@cache
def _validator() -> Draft202012Validator:
    text = files("eligate.validators").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def schema_reasons(document: object) -> list[Reason]:
    """Why ``document`` (parsed JSON of one result) does not fit the committed schema."""
    return [
        Reason(
            severity="reject",
            code="schema_violation",
            field=".".join(str(part) for part in error.absolute_path) or None,
            message=error.message[:200],
        )
        for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    ]
