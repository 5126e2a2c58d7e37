"""Member ID formats described in words, turned into full-match regular expressions.

"three letters PMH followed by nine digits" becomes ``PMH[0-9]{9}``; "the letter R
followed by ten digits" ``R[0-9]{10}``; "two letters SC, a hyphen, then seven
digits" ``SC-[0-9]{7}``; "nine digits" ``[0-9]{9}``. A card suffix to drop ("a
two-digit person code after a hyphen") becomes ``-[0-9]{2}$``.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
_COUNT = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"

_PART = re.compile(
    r"(?P<literal>(?:(?:the |" + _COUNT + r" )?(?:letters?|prefix|characters)\s+)"
    r"(?P<text>(?-i:[A-Z]{1,6}))\b)"
    r"|(?P<bare>\b(?P<bare_text>(?-i:[A-Z]{2,6}))\s+(?=followed by|then\b|and then\b))"
    r"|(?P<hyphen>\ba (?:hyphen|dash)\b)"
    r"|(?P<digits>\b" + _COUNT.replace("(", "(?P<digit_count>", 1) + r"[ -]digits?\b)"
    r"|(?P<alnum>\b"
    + _COUNT.replace("(", "(?P<alnum_count>", 1)
    + r" (?:alphanumeric|alpha-numeric) characters\b)"
    r"|(?P<letters>\b" + _COUNT.replace("(", "(?P<letter_count>", 1) + r" letters\b(?! [A-Z]))",
    re.IGNORECASE,
)
_FORMAT_WORDS = re.compile(r"\b(member|subscriber)[ -]?(ids?|identifiers?)\b", re.IGNORECASE)


def count(word: str) -> int | None:
    """``"nine"`` or ``"9"`` as 9; ``None`` when neither."""
    word = word.lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def pattern_from_words(text: str) -> tuple[str, str] | None:
    """A full-match regex for the member ID format ``text`` describes, and its words.

    Returns ``None`` when ``text`` does not describe a format (no digits part, or
    it is about a card suffix).
    """
    if not _FORMAT_WORDS.search(text) or re.search(r"\bsuffix|person code", text, re.I):
        return None
    parts: list[str] = []
    first: int | None = None
    last = 0
    for match in _PART.finditer(text):
        piece = _piece(match)
        if piece is None:
            continue
        if first is None:
            first = match.start()
        parts.append(piece)
        last = match.end()
    if first is None or not any("[0-9]" in part or "[A-Z0-9]" in part for part in parts):
        return None
    return "".join(parts), text[first:last].strip()


def _piece(match: re.Match[str]) -> str | None:
    if match.group("literal"):
        return re.escape(match.group("text"))
    if match.group("bare"):
        return re.escape(match.group("bare_text"))
    if match.group("hyphen"):
        return "-"
    if match.group("digits"):
        n = count(match.group("digit_count"))
        return f"[0-9]{{{n}}}" if n else None
    if match.group("alnum"):
        n = count(match.group("alnum_count"))
        return f"[A-Z0-9]{{{n}}}" if n else None
    if match.group("letters"):
        n = count(match.group("letter_count"))
        return f"[A-Z]{{{n}}}" if n else None
    return None


_SUFFIX_SIMPLE = re.compile(
    r"\b" + _COUNT + r"[ -](digit|letter|character)\b[^.(]*?\b(?:suffix|person code)\b"
    r"[^.(]*?\bafter an? (hyphen|dash|space)",
    re.IGNORECASE,
)
_DROP = re.compile(r"\b(drop|strip|remove|without the suffix|omit)", re.IGNORECASE)


def suffix_from_words(text: str) -> tuple[str, str] | None:
    """A regex of the card suffix to drop (anchored at the end) and its words, or ``None``.

    Only when ``text`` both describes a suffix and says to drop it.
    """
    if not _DROP.search(text):
        return None
    match = _SUFFIX_SIMPLE.search(text) or _suffix_reversed(text)
    if match is None:
        return None
    n = count(match.group(1))
    kind = match.group(2).lower()
    separator = match.group(3).lower()
    if not n:
        return None
    body = {"digit": "[0-9]", "letter": "[A-Z]", "character": "[A-Z0-9]"}[kind]
    lead = " " if separator == "space" else "-"
    return f"{lead}{body}{{{n}}}$", match.group(0)


_SUFFIX_AFTER = re.compile(
    r"\b(?:suffix|person code)\b[^.(]*?\b" + _COUNT + r"[ -](digit|letter|character)s?\b"
    r"[^.(]*?\bafter an? (hyphen|dash|space)",
    re.IGNORECASE,
)


def _suffix_reversed(text: str) -> re.Match[str] | None:
    return _SUFFIX_AFTER.search(text)
