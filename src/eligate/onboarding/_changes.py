"""Re-ingest: what a newer guide changes against the payer file already in use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eligate.payers import PayerConfig


@dataclass(frozen=True, slots=True)
class Change:
    """One payer file value that differs.

    Attributes:
        path: Dotted path in the payer file (``guide.max_eq_per_request``).
        before: The value in the existing file (``None`` when absent).
        after: The value the new guide gives (``None`` when absent).
    """

    path: str
    before: object
    after: object

    def line(self) -> str:
        """``path: before -> after``, one line."""
        return f"{self.path}: {_show(self.before)} -> {_show(self.after)}"


def _show(value: object) -> str:
    return "(absent)" if value is None else repr(value)


def _flatten(data: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, path + "."))
        elif isinstance(value, list):
            flat[path] = tuple(value)
        else:
            flat[path] = value
    return flat


def changes(
    existing: PayerConfig, new: PayerConfig, *, ignore: frozenset[str] = frozenset()
) -> list[Change]:
    """Every value that differs between ``existing`` and ``new``, by path.

    ``ignore`` lists path prefixes left out (e.g. the secrets' environment names an
    engineer set by hand).
    """
    before = _flatten(existing.model_dump(mode="json", exclude_none=True))
    after = _flatten(new.model_dump(mode="json", exclude_none=True))
    found = []
    for path in sorted(set(before) | set(after)):
        if any(path.startswith(prefix) for prefix in ignore):
            continue
        if before.get(path) != after.get(path):
            found.append(Change(path, before.get(path), after.get(path)))
    return found
