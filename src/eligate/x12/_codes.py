"""X12 005010X279A1 (270/271) code sets, kept as JSON data in ``codesets/`` and read lazily.

The code lists live in data files rather than Python literals so they can be reviewed against
the implementation guide line by line. Each set is read once, on first use, from the package's
own data through :mod:`importlib.resources`, and then cached. A code that is not in its set is
never dropped here: :meth:`CodeSet.name` returns ``None`` and the caller decides how to flag it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType

_PACKAGE = "eligate.x12"
_FOLDER = "codesets"
_SUFFIX = ".json"


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a code set.

    Attributes:
        code: The value as it appears in the X12 element (``"1"``, ``"MC"``, ``"096"``).
        description: The X12 description as published.
        name: A short snake_case name, unique within its set.
    """

    code: str
    description: str
    name: str


@dataclass(frozen=True, slots=True)
class CodeSet:
    """The codes allowed in one X12 element, with readable snake_case names.

    Attributes:
        key: The data file's stem (``"eb03"``), as passed to :func:`code_set`.
        element: The X12 element reference (``"EB03"``, ``"EB13-1"``).
        title: The element's X12 name.
        codes: Every code of the set, read-only, keyed by its X12 value.
    """

    key: str
    element: str
    title: str
    codes: Mapping[str, Code]

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.codes

    def __len__(self) -> int:
        return len(self.codes)

    def name(self, code: str) -> str | None:
        """The readable name of a code.

        Args:
            code: The X12 value, exactly as sent (no trimming or case folding).

        Returns:
            The snake_case name, or ``None`` when the code is not in the set.
        """
        found = self.codes.get(code)
        return found.name if found is not None else None

    def description(self, code: str) -> str | None:
        """The X12 description of a code.

        Args:
            code: The X12 value, exactly as sent (no trimming or case folding).

        Returns:
            The published description, or ``None`` when the code is not in the set.
        """
        found = self.codes.get(code)
        return found.description if found is not None else None


@cache
def code_set(key: str) -> CodeSet:
    """Load one code set, once; later calls return the same object.

    Args:
        key: The data file's stem: ``"eb01"``, ``"eb13_01"``, ``"aaa03"``...

    Returns:
        The code set stored as ``codesets/{key}.json``.

    Raises:
        ValueError: There is no code set with that key.
    """
    resource = files(_PACKAGE).joinpath(_FOLDER, f"{key}{_SUFFIX}")
    if not key.isidentifier() or not resource.is_file():
        raise ValueError(f"unknown code set {key!r}")
    data = json.loads(resource.read_text(encoding="utf-8"))
    codes = {
        code: Code(code=code, description=entry["description"], name=entry["name"])
        for code, entry in data["codes"].items()
    }
    return CodeSet(
        key=key,
        element=data["element"],
        title=data["title"],
        codes=MappingProxyType(codes),
    )


@cache
def code_set_keys() -> tuple[str, ...]:
    """List the code sets shipped with the package.

    Returns:
        Every key :func:`code_set` accepts, sorted.
    """
    folder = files(_PACKAGE).joinpath(_FOLDER)
    return tuple(
        sorted(
            item.name.removesuffix(_SUFFIX)
            for item in folder.iterdir()
            if item.is_file() and item.name.endswith(_SUFFIX)
        )
    )
