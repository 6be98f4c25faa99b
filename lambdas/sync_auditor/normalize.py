"""Defensive conversions for values the APIs send: odd input becomes a clear None, never a crash.

The API's document counts are strings ("12"), may be empty or missing, and a record must
survive anything else (a future format, a negative, garbage) without being lost.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from sync_auditor.model import ALL_STATUSES, UNKNOWN_STATUS, iso_utc

# The API caps error messages at 2,048 characters; anything longer is not what the API sent.
MAX_TEXT = 2048


def count(value: Any) -> int | None:
    """A document count as a non-negative int, or None when missing, empty or not a count."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    text = str(value).strip().replace(",", "")
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def timestamp(value: Any) -> str | None:
    """A botocore datetime (or epoch seconds) as the contract's ISO 8601 UTC string."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return iso_utc(datetime.fromtimestamp(value, UTC))
        except (OverflowError, OSError, ValueError):
            return None
    return None


def text(value: Any, limit: int = MAX_TEXT) -> str | None:
    """Untrusted text kept verbatim but bounded; control characters other than newline and tab dropped."""
    if value is None:
        return None
    cleaned = "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) != "Cc")[
        :limit
    ]
    return cleaned or None


def status(value: Any) -> str:
    """The job status; a value the API may add later is kept as UNKNOWN rather than dropped."""
    return value if isinstance(value, str) and value in ALL_STATUSES else UNKNOWN_STATUS


def mapping(value: Any) -> dict[str, Any]:
    """A nested object of the response, or an empty one when it is missing or not an object."""
    return value if isinstance(value, dict) else {}
