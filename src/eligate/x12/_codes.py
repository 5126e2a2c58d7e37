"""X12 code sets, kept as JSON data files in ``codesets/`` and loaded once on first use.

A code not in its set is never dropped: :meth:`CodeSet.name` returns ``None`` and
the caller flags it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a code set."""

    code: str
    description: str
    name: str


@dataclass(frozen=True, slots=True)
class CodeSet:
    """The codes allowed in one X12 element, with readable snake_case names."""

    key: str
    element: str
    title: str
    codes: Mapping[str, Code]

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    def name(self, code: str) -> str | None:
        """Readable name of ``code``, ``None`` when it is not in the set."""
        found = self.codes.get(code)
        return found.name if found is not None else None

    def description(self, code: str) -> str | None:
        """The X12 description of ``code``, ``None`` when it is not in the set."""
        found = self.codes.get(code)
        return found.description if found is not None else None


@cache
def code_set(key: str) -> CodeSet:
    """The code set stored as ``codesets/{key}.json`` (``eb01``, ``aaa03``...).

    Raises:
        ValueError: there is no such code set.
    """
    resource = files("eligate.x12").joinpath("codesets", f"{key}.json")
    if not key.isidentifier() or not resource.is_file():
        raise ValueError(f"unknown code set {key!r}")
    data = json.loads(resource.read_text(encoding="utf-8"))
    codes = {
        code: Code(code=code, description=entry["description"], name=entry["name"])
        for code, entry in data["codes"].items()
    }
    return CodeSet(
        key=key, element=data["element"], title=data["title"], codes=MappingProxyType(codes)
    )


@cache
def code_set_keys() -> tuple[str, ...]:
    """The keys of every stored code set, sorted."""
    folder = files("eligate.x12").joinpath("codesets")
    return tuple(sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".json")))
