"""A data source's summary, kept in its cursor item so `sync-auditor status` sees the whole fleet
from the state table alone, at a cost bounded by the number of data sources, never by history.

The poller merges the previous summary with the records a complete read committed (the records
of every job in its poll window, as they now stand): the newest job by start, the newest
success and failure by end, the open job, failures per UTC day of the last week, the names.
Jobs that left the window stay in the summary through the merge; the open job is the window's
own (every open job is in the window: the cursor holds at the oldest one).

The merge is idempotent: the same records merged again give the same summary, so an unchanged
read leaves the item unwritten. Failures are counted once each by the moment the auditor
observed them fail (their `statusHistory` entry): a failure counts when that moment is newer
than the newest one already counted. (Two overlapping polls in the same second can make the
count a lower bound: the overlap's later writer wins the item.)

Stored as one JSON string attribute rather than a DynamoDB map: the item is written whole and
read whole, never filtered on, and a string compares exactly with what was loaded (no Decimal
round trip), so `new_state != state` is not fooled into a write every tick; it is also the
smallest form, which keeps the item well under the 4 KB of half a read unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sync_auditor.model import (
    DEFAULT_ALERT_STATUSES,
    TERMINAL_STATUSES,
    DataSourceRef,
    identity_attributes,
)

# Part of the stored form: a summary of another version is read as absent (and rebuilt).
VERSION = 1
# "Failures" as the `failures` command and the report count them.
FAILURE_STATUSES = DEFAULT_ALERT_STATUSES
FAILURE_DAYS = 7
# Names and codes come from the API: capped so the item stays small whatever they hold.
TEXT_LIMIT = 256


@cache
def name_attributes() -> tuple[str, ...]:
    """The identity attributes that carry names (model.identity_attributes), data source first,
    then each registered service's parents, outermost first."""
    from sync_auditor.services import REGISTRY  # the service packages build on model.py

    parents = (p.name_attribute for spec in REGISTRY.values() for p in spec.parents)
    return tuple(dict.fromkeys(("dataSourceName", *parents)))


@dataclass(frozen=True)
class JobMark:
    """What the summary keeps of one job (absent fields are not stored). The fields are named
    as the job table's attributes: the stored form reads like a record."""

    executionId: str
    status: str | None = None
    startTime: str | None = None
    endTime: str | None = None
    errorCode: str | None = None
    dataSourceErrorCode: str | None = None
    stuckAt: str | None = None


@dataclass(frozen=True)
class SourceSummary:
    names: tuple[tuple[str, str], ...] = ()
    last: JobMark | None = None  # the newest job by start time
    last_success: JobMark | None = None  # the newest SUCCEEDED by end time
    last_failure: JobMark | None = None  # the newest FAILED or INCOMPLETE by end time
    open_job: JobMark | None = None  # the oldest stuck open job, else the oldest open one
    open_jobs: int = 0
    failures_by_day: tuple[tuple[str, int], ...] = ()  # (UTC day, count), last 7 days
    failures_counted_through: str | None = None  # newest failure observation counted
    silent_since: str | None = None  # the current silent period (a notice was written)

    def name(self, attribute: str) -> str | None:
        return dict(self.names).get(attribute)

    def failures_in_week(self, now: datetime) -> int:
        """Failures of the last 7 UTC days before `now` (the stored map may be older)."""
        first = _first_day(now)
        return sum(count for day, count in self.failures_by_day if day >= first)

    @property
    def stuck(self) -> bool:
        return self.open_job is not None and self.open_job.stuckAt is not None


def _first_day(now: datetime) -> str:
    return (now - timedelta(days=FAILURE_DAYS - 1)).strftime("%Y-%m-%d")


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)[:TEXT_LIMIT]


def _mark(record: Mapping[str, Any], *fields: str) -> JobMark:
    values = {name: _text(record.get(name)) for name in ("status", *fields)}
    return JobMark(str(record["executionId"])[:TEXT_LIMIT], **values)


def _newer(current: JobMark | None, record: Mapping[str, Any], by: str, *fields: str) -> JobMark:
    """`record`'s mark if it is at least as new as `current` by `by` (same job: always)."""
    mark = _mark(record, by, *fields)
    if current is None or current.executionId == mark.executionId:
        return mark
    ours = (getattr(mark, by) or "", mark.executionId)
    theirs = (getattr(current, by) or "", current.executionId)
    return mark if ours >= theirs else current


def _observed_failing(record: Mapping[str, Any]) -> str:
    """When the auditor first saw the record in its status (a terminal status is final)."""
    for entry in record.get("statusHistory") or []:
        if entry.get("status") == record.get("status") and entry.get("observedAt"):
            return str(entry["observedAt"])
    return str(record.get("updatedAt") or record.get("firstSeenAt") or "")


def merge(
    previous: SourceSummary | None, records: Iterable[Mapping[str, Any]], now: datetime
) -> SourceSummary:
    """The summary after a complete read that committed `records` (every job in its window)."""
    summary = previous or SourceSummary()
    last, success, failure = summary.last, summary.last_success, summary.last_failure
    by_day = dict(summary.failures_by_day)
    through = summary.failures_counted_through
    newest_counted = through
    open_marks: list[JobMark] = []
    names, named_at = summary.names, ""
    for record in records:
        status = record.get("status")
        last = _newer(last, record, "startTime")
        # Every record a read commits carries the data source's current names; the newest
        # write settles any difference.
        if str(record.get("updatedAt") or "") >= named_at:
            named_at = str(record.get("updatedAt") or "")
            names = tuple((n, v) for n in name_attributes() if (v := _text(record.get(n))))
        if status == "SUCCEEDED":
            success = _newer(success, record, "endTime")
        elif status in FAILURE_STATUSES:
            failure = _newer(failure, record, "endTime", "errorCode", "dataSourceErrorCode")
            seen = _observed_failing(record)
            if through is None or seen > through:
                day = str(record.get("endTime") or record.get("startTime") or seen)[:10]
                by_day[day] = by_day.get(day, 0) + 1
            newest_counted = max(newest_counted or seen, seen)
        elif status not in TERMINAL_STATUSES:
            open_marks.append(_mark(record, "startTime", "stuckAt"))
    # A stuck one first (it is what matters), then the longest open.
    open_marks.sort(key=lambda m: (m.stuckAt is None, m.startTime or "", m.executionId))
    silent = summary.silent_since
    if silent and last and last.startTime and last.startTime > silent:
        silent = None  # a sync started after the silence began: that period is over
    first = _first_day(now)
    return replace(
        summary,
        names=names,
        last=last,
        last_success=success,
        last_failure=failure,
        open_job=open_marks[0] if open_marks else None,
        open_jobs=len(open_marks),
        failures_by_day=tuple(sorted((d, c) for d, c in by_day.items() if d >= first)),
        failures_counted_through=newest_counted,
        silent_since=silent,
    )


def with_names(summary: SourceSummary, source: DataSourceRef) -> SourceSummary:
    """The summary with `source`'s names over those it holds: a name looked up or listed this
    tick is kept even when no record was written (source_names.py)."""
    current = {
        name: text
        for name, value in identity_attributes(source).items()
        if name in name_attributes() and (text := _text(value))
    }
    names = tuple(sorted((dict(summary.names) | current).items(), key=_name_order))
    return summary if names == summary.names else replace(summary, names=names)


def with_silence(summary: SourceSummary | None, since: str | None) -> SourceSummary:
    """The summary with the data source's current silent period (None: not silent)."""
    return replace(summary or SourceSummary(), silent_since=since)


def to_json(summary: SourceSummary) -> str:
    """The stored form: compact, absent fields left out, keys sorted (equal summaries, equal text)."""
    data: dict[str, Any] = {"v": VERSION}
    if summary.names:
        data["names"] = dict(summary.names)
    for name, mark in (
        ("last", summary.last),
        ("lastSuccess", summary.last_success),
        ("lastFailure", summary.last_failure),
        ("open", summary.open_job),
    ):
        if mark is not None:
            data[name] = {k: v for k, v in asdict(mark).items() if v is not None}
    if summary.open_jobs:
        data["openJobs"] = summary.open_jobs
    if summary.failures_by_day:
        data["failuresByDay"] = dict(summary.failures_by_day)
    if summary.failures_counted_through:
        data["failuresCountedThrough"] = summary.failures_counted_through
    if summary.silent_since:
        data["silentSince"] = summary.silent_since
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def from_json(text: str | None) -> SourceSummary | None:
    """The stored form read back; None when absent, unreadable or of another version (the
    poller then rebuilds it from the records of its next read)."""
    if not text:
        return None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        marks = {
            name: JobMark(**data[key]) if key in data else None
            for name, key in (
                ("last", "last"),
                ("last_success", "lastSuccess"),
                ("last_failure", "lastFailure"),
                ("open_job", "open"),
            )
        }
        return SourceSummary(
            names=tuple(sorted(data.get("names", {}).items(), key=_name_order)),
            open_jobs=int(data.get("openJobs", 0)),
            failures_by_day=tuple(sorted(data.get("failuresByDay", {}).items())),
            failures_counted_through=data.get("failuresCountedThrough"),
            silent_since=data.get("silentSince"),
            **marks,
        )
    except (TypeError, ValueError, KeyError):
        return None


def _name_order(item: tuple[str, str]) -> int:
    known = name_attributes()
    return known.index(item[0]) if item[0] in known else len(known)
