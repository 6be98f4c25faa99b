"""--since / --from / --to into one inclusive range of the contract's ISO 8601 UTC strings.

Stored times are `YYYY-MM-DDTHH:MM:SSZ`, which sort as strings, so a range is two such strings
and DynamoDB compares them in the key condition (`startTime BETWEEN :from AND :to`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sync_auditor.model import iso_utc
from sync_auditor_cli.errors import CliError

SINCE_FORM = "a whole number and a unit m, h, d or w, e.g. 30m, 12h, 7d, 2w"
MOMENT_FORM = (
    "an ISO 8601 date or datetime, UTC unless it has an offset, "
    "e.g. 2026-11-22, 2026-11-22T06:00 or 2026-11-22T06:00:00Z"
)
_SINCE = re.compile(r"(\d+)([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True)
class TimeRange:
    """Inclusive bounds on startTime; None is open-ended."""

    start: str | None = None
    end: str | None = None

    def describe(self) -> str:
        if self.start and self.end:
            return f"between {self.start} and {self.end}"
        if self.start:
            return f"since {self.start}"
        if self.end:
            return f"until {self.end}"
        return "at any time"


def parse_since(text: str, now: datetime) -> datetime:
    match = _SINCE.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise CliError(f"--since {text!r} is not a duration; use {SINCE_FORM}")
    return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def parse_moment(flag: str, text: str, *, end_of_day: bool) -> datetime:
    """A date means its first second, or its last one for --to (a day range includes the day)."""
    value = text.strip()
    try:
        if len(value) == 10:  # a bare date: YYYY-MM-DD
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliError(f"{flag} {text!r} is not a date or time; use {MOMENT_FORM}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def time_range(
    *,
    since: str | None,
    start: str | None,
    end: str | None,
    now: datetime,
    default_since: str | None = None,
) -> TimeRange:
    """The range the flags ask for; `default_since` applies when none was given."""
    if since is None and start is None and end is None:
        since = default_since
    if since is not None:
        return TimeRange(start=iso_utc(parse_since(since, now)))
    lower = parse_moment("--from", start, end_of_day=False) if start else None
    upper = parse_moment("--to", end, end_of_day=True) if end else None
    if lower and upper and lower > upper:
        raise CliError(f"--from {start!r} is after --to {end!r}; swap them")
    return TimeRange(
        start=iso_utc(lower) if lower else None,
        end=iso_utc(upper) if upper else None,
    )


def flag_range(args: Any, now: datetime, default_since: str) -> TimeRange:
    """The range of a command's --since / --from / --to flags; --since excludes the others."""
    if args.since and (args.start or args.end):
        raise CliError("--since cannot be combined with --from/--to; use one or the other")
    return time_range(
        since=args.since, start=args.start, end=args.end, now=now, default_since=default_since
    )
