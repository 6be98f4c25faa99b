"""Java regular expressions from the service models, translated for Python's `re`.

The models carry the services' own (Java) patterns. Python lacks Unicode property classes
such as `\\P{C}` ("no control or other invisible character"), so those become explicit code
point ranges built from `unicodedata`; `\\z` becomes `\\Z`. The real services match the whole
value, hence `fullmatch`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache


@cache
def compiled(java_pattern: str) -> re.Pattern[str]:
    return re.compile(translate(java_pattern))


def full_match(java_pattern: str, value: str) -> bool:
    return compiled(java_pattern).fullmatch(value) is not None


def translate(java_pattern: str) -> str:
    out: list[str] = []
    class_start: int | None = None  # index in `java_pattern` where the open class began
    i = 0
    while i < len(java_pattern):
        char = java_pattern[i]
        if char == "\\" and i + 1 < len(java_pattern):
            escape = java_pattern[i + 1]
            if escape in "pP":
                name, i = _property_name(java_pattern, i + 2)
                ranges = _category_ranges(name, negated=escape == "P")
                out.append(ranges if class_start is not None else f"[{ranges}]")
                continue
            out.append("\\Z" if escape == "z" else java_pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and class_start is None:
            class_start = i
        elif (
            char == "]"
            and class_start is not None
            and not _opens_class(java_pattern, class_start, i)
        ):
            class_start = None
        out.append(char)
        i += 1
    return "".join(out)


def _opens_class(pattern: str, class_start: int, index: int) -> bool:
    """A `]` right after `[` or `[^` is a literal, in Java as in Python."""
    return pattern[class_start + 1 : index] in ("", "^")


def _property_name(pattern: str, start: int) -> tuple[str, int]:
    """`\\p{Name}` or the one-letter `\\pL` form; returns the name and the index after it."""
    if start < len(pattern) and pattern[start] == "{":
        end = pattern.index("}", start)
        return pattern[start + 1 : end], end + 1
    return pattern[start], start + 1


@cache
def _category_ranges(name: str, negated: bool) -> str:
    """A character-class body for a Unicode general category (`C`, `Cc`, `L` ...)."""
    if name.startswith("Is"):
        name = name[2:]
    if not (1 <= len(name) <= 2 and name[0].isupper()):
        raise ValueError(f"unsupported Unicode property \\p{{{name}}}")
    ranges: list[tuple[int, int]] = []
    start = None
    for code in range(sys.maxunicode + 2):
        inside = code <= sys.maxunicode and (
            unicodedata.category(chr(code)).startswith(name) != negated
        )
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append((start, code - 1))
            start = None
    return "".join(_escape(lo) if lo == hi else f"{_escape(lo)}-{_escape(hi)}" for lo, hi in ranges)


def _escape(code: int) -> str:
    return f"\\U{code:08x}"
