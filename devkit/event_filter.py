"""Lambda event filtering, for the subset of the pattern syntax the stack uses (lists of exact
values, `{"exists": true|false}` and `{"prefix": "..."}` in those lists, nested objects), so the
local stream pump drops what the deployed filter drops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_MISSING = object()


def matches_any(patterns: Sequence[dict[str, Any]], event: Any) -> bool:
    """Lambda's filter criteria: a record passes when it matches one of the patterns."""
    return any(matches(pattern, event) for pattern in patterns)


def matches(pattern: dict[str, Any], event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for name, expected in pattern.items():
        value = event.get(name, _MISSING)
        if isinstance(expected, dict):
            # A missing object matches only patterns of absence ({"exists": false}) below it.
            if not matches(expected, {} if value is _MISSING else value):
                return False
        elif isinstance(expected, list):
            if not any(_matches_value(item, value) for item in expected):
                return False
        else:
            raise ValueError(f"unsupported filter pattern for {name!r}: {expected!r}")
    return True


def _matches_value(expected: Any, value: Any) -> bool:
    if isinstance(expected, dict):
        if set(expected) == {"exists"}:
            return (value is not _MISSING) is bool(expected["exists"])
        if set(expected) == {"prefix"}:
            return isinstance(value, str) and value.startswith(expected["prefix"])
        raise ValueError(f"unsupported filter operator {expected!r}")
    return value is not _MISSING and value == expected
