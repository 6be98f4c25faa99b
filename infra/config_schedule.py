"""The `schedule` of the syncAuditor context: EventBridge Scheduler's rate and cron forms."""

from __future__ import annotations

import re
from typing import Any, Final

from infra.config_checks import Problems, int_in

_RATE: Final = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON: Final = re.compile(r"cron\(([^()]*)\)")
# cron(minutes hours day-of-month month day-of-week year), EventBridge Scheduler's six fields.
_CRON_FIELDS: Final = (
    ("minutes", r"[0-9,\-*/]+"),
    ("hours", r"[0-9,\-*/]+"),
    ("day-of-month", r"[0-9,\-*/?LW]+"),
    ("month", r"[0-9A-Za-z,\-*/]+"),
    ("day-of-week", r"[1-7A-Za-z,\-*/?L#]+"),
    ("year", r"[0-9,\-*/]+"),
)
SCHEDULE_FORM: Final = (
    "rate(<n> minute|minutes|hour|hours|day|days) with the singular unit only for 1, "
    "e.g. rate(5 minutes), or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> "
    "<year>) with ? in day-of-month or day-of-week, e.g. cron(0/15 * * * ? *)"
)


def schedule(problems: Problems, path: str, value: Any) -> str | None:
    """A rate or cron expression Scheduler accepts, or None (problem reported)."""
    if not isinstance(value, str):
        problems.add(path, value, SCHEDULE_FORM)
        return None
    rate = _RATE.fullmatch(value)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount >= 1 and (amount == 1) == (not unit.endswith("s")):
            return value
    cron = _CRON.fullmatch(value)
    if cron:
        fields = cron.group(1).split(" ")
        if len(fields) == len(_CRON_FIELDS) and all(
            re.fullmatch(pattern, text)
            for (_, pattern), text in zip(_CRON_FIELDS, fields, strict=True)
        ):
            day_of_month, day_of_week = fields[2], fields[4]
            # Scheduler, like EventBridge, rejects a cron that sets both day fields.
            if (day_of_month == "?") != (day_of_week == "?"):
                return value
    problems.add(path, value, SCHEDULE_FORM)
    return None


# The heartbeat alarm fires when no poll completed for this long. Derived from a rate schedule
# as this many intervals: one missed tick is not news, three in a row are.
HEARTBEAT_INTERVALS: Final = 3
# At least 15 minutes: a tick may run 5 minutes and its metric lands a few minutes later, so a
# shorter window would fire on a healthy poller. At most 7 days: CloudWatch's limit on an
# alarm's period x evaluation periods (the alarm evaluates one period of this length).
HEARTBEAT_MINUTES_RANGE: Final = (15, 7 * 24 * 60)
# A cron has no single interval to derive it from (it may skip nights or weekends): a day,
# unless heartbeatMinutes says otherwise.
DEFAULT_CRON_HEARTBEAT_MINUTES: Final = 24 * 60
HEARTBEAT_RULE: Final = (
    "minutes without a completed poll before the heartbeat alarm fires; default "
    f"{HEARTBEAT_INTERVALS} intervals of a rate schedule (within "
    f"{HEARTBEAT_MINUTES_RANGE[0]}-{HEARTBEAT_MINUTES_RANGE[1]}), "
    f"{DEFAULT_CRON_HEARTBEAT_MINUTES} for a cron schedule"
)
_UNIT_MINUTES: Final = {"minute": 1, "hour": 60, "day": 24 * 60}


def rate_minutes(expression: str) -> int | None:
    """The interval of a rate(...) expression in minutes; None for a cron(...)."""
    rate = _RATE.fullmatch(expression)
    if rate is None:
        return None
    return int(rate.group(1)) * _UNIT_MINUTES[rate.group(2).removesuffix("s")]


def heartbeat_minutes(expression: str, configured: int | None = None) -> int:
    """The heartbeat alarm's window: `configured` if set, else derived from the schedule."""
    if configured is not None:
        return configured
    interval = rate_minutes(expression)
    if interval is None:
        return DEFAULT_CRON_HEARTBEAT_MINUTES
    low, high = HEARTBEAT_MINUTES_RANGE
    return min(max(HEARTBEAT_INTERVALS * interval, low), high)


def configured_heartbeat(
    problems: Problems, path: str, value: Any, expression: str | None
) -> int | None:
    """heartbeatMinutes: in range, and for a rate schedule at least two of its intervals.

    `expression` is the validated schedule (None when it was invalid: nothing to compare).
    """
    minutes = int_in(problems, path, value, *HEARTBEAT_MINUTES_RANGE, f" ({HEARTBEAT_RULE})")
    if minutes is None or expression is None:
        return minutes
    interval = rate_minutes(expression)
    if interval is not None and minutes < 2 * interval:
        problems.add(
            path,
            value,
            f"at least {2 * interval} with schedule {expression}: two of its intervals, or "
            "the alarm fires between two healthy polls (omit the key to get "
            f"{heartbeat_minutes(expression)})",
        )
        return None
    return minutes
