"""Lambda event filtering, for the subset of the pattern syntax the stack uses (lists of exact
values, nested objects), so the local stream pump drops what the deployed filter drops."""

from __future__ import annotations

from typing import Any


def matches(pattern: dict[str, Any], event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for name, expected in pattern.items():
        if name not in event:
            return False
        value = event[name]
        if isinstance(expected, dict):
            if not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if value not in expected:
                return False
        else:
            raise ValueError(f"unsupported filter pattern for {name!r}: {expected!r}")
    return True
