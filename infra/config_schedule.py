"""The `schedule` of the syncAuditor context: EventBridge Scheduler's rate and cron forms."""

from __future__ import annotations

import re
from typing import Any, Final

from infra.config_checks import Problems

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
