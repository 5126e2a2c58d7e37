"""Versioned prompt files (data, not code): ``NAME.vN.md`` with ``name``/``version`` front matter.

Loaded with :func:`load_prompt`; the version recorded on results is ``NAME.vN``.
"""

from eligate.prompts._prompts import Prompt, load_prompt

__all__ = ["Prompt", "load_prompt"]
