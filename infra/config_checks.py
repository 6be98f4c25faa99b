"""The checks every syncAuditor field is validated with, and the error that reports them.

A problem names the field path, shows the value and states the allowed form; a `Problems`
collects them all, so one synth reports every bad field instead of one per attempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

CONTEXT_KEY: Final = "syncAuditor"

EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_FORM: Final = "email addresses (name@example.com)"


class ConfigError(ValueError):
    """The syncAuditor context is invalid; the message lists every problem, one per line."""

    def __init__(self, problems: Sequence[str], source: str = "cdk.json context") -> None:
        self.problems = list(problems)
        # Where the value came from: cdk.json, a file (-c syncAuditorFile) or -c JSON.
        self.source = source
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid {CONTEXT_KEY} configuration in {source}:\n{lines}")


@dataclass(frozen=True)
class IdForm:
    """An API identifier's constraint: length range and pattern, as the service model states them."""

    noun: str
    pattern: str
    min_length: int
    max_length: int
    example: str

    def matches(self, value: str) -> bool:
        return self.min_length <= len(value) <= self.max_length and bool(
            re.fullmatch(self.pattern, value)
        )

    def __str__(self) -> str:
        if self.min_length == self.max_length:
            length = f"exactly {self.min_length} characters"
        else:
            length = f"{self.min_length} to {self.max_length} characters"
        return f"a {self.noun}: {length} matching {self.pattern}, e.g. {self.example}"


class Problems:
    """Collects every problem, so one synth reports them all rather than one per attempt."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, value: Any, expected: str) -> None:
        self.items.append(f"{path}: {show(value)} is not valid; expected {expected}")

    def note(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def show(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def is_int(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python treats as an int: they are not numbers here.
    return isinstance(value, int) and not isinstance(value, bool)


def check_keys(
    problems: Problems, path: str, value: Mapping[str, Any], allowed: Sequence[str]
) -> None:
    for key in value:
        if key not in allowed:
            problems.note(f"{path}.{key}", f"unknown key; allowed keys are {', '.join(allowed)}")


def id_value(problems: Problems, path: str, value: Any, form: IdForm) -> str | None:
    if isinstance(value, str) and form.matches(value):
        return value
    problems.add(path, value, str(form))
    return None


def id_list(problems: Problems, path: str, value: Any, form: IdForm) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add(
            path,
            value,
            f"a non-empty list of {form.noun}s (omit the key to audit every data source)",
        )
        return None
    ids: list[str] = []
    for index, item in enumerate(value):
        checked = id_value(problems, f"{path}[{index}]", item, form)
        if checked is None:
            continue
        if checked in ids:
            problems.note(f"{path}[{index}]", f"duplicate {form.noun} {checked!r}")
            continue
        ids.append(checked)
    return tuple(ids)


def int_in(
    problems: Problems, path: str, value: Any, low: int, high: int | None, extra: str = ""
) -> int | None:
    if is_int(value) and value >= low and (high is None or value <= high):
        return int(value)
    bound = f"from {low} to {high}" if high is not None else f"at least {low}"
    problems.add(path, value, f"a whole number {bound}{extra}")
    return None


def flag(problems: Problems, path: str, value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.add(path, value, "true or false")
    return None


def string_list(
    problems: Problems,
    path: str,
    value: Any,
    check: Callable[[str], bool],
    form: str,
    *,
    allow_empty: bool,
    normalize: Callable[[str], str] = lambda s: s,
) -> tuple[str, ...] | None:
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, value, f"a {'' if allow_empty else 'non-empty '}list of {form}")
        return None
    items: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, str) or not check(item):
            problems.add(f"{path}[{index}]", item, form)
            continue
        if normalize(item) in seen:
            problems.note(f"{path}[{index}]", f"duplicate {item!r}")
            continue
        seen.add(normalize(item))
        items.append(item)
    return tuple(items)


def email_list(problems: Problems, path: str, value: Any) -> tuple[str, ...] | None:
    """A list of email addresses, possibly empty; duplicates compare case-insensitively."""
    return string_list(
        problems,
        path,
        value,
        lambda s: len(s) <= 254 and bool(EMAIL.fullmatch(s)),
        EMAIL_FORM,
        allow_empty=True,
        normalize=str.lower,
    )
