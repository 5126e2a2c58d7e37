"""Load a versioned prompt file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt file: its name, version and body (the front matter removed)."""

    name: str
    version: str
    text: str

    @property
    def label(self) -> str:
        """``name.version``, as results record it."""
        return f"{self.name}.{self.version}"


@cache
def load_prompt(name: str, version: str) -> Prompt:
    """The prompt file ``{name}.{version}.md``; its front matter must agree with the name.

    Raises:
        ValueError: the file's front matter names another prompt or version.
    """
    raw = files("eligate.prompts").joinpath(f"{name}.{version}.md").read_text(encoding="utf-8")
    _, front, body = raw.split("---\n", 2)
    meta = dict(line.split(":", 1) for line in front.strip().splitlines() if ":" in line)
    meta = {key.strip(): value.strip() for key, value in meta.items()}
    if meta.get("name") != name or meta.get("version") != version:
        raise ValueError(f"prompt file {name}.{version}.md says {meta!r}")
    return Prompt(name=name, version=version, text=body.strip())
