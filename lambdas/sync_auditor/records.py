"""How an observation of a job changes its record: the poller's transition rules.

Only real changes produce a new record (nothing changed -> nothing written -> nothing streamed,
so a re-poll can never alert twice). Each record carries a `revision` that the table's
conditional write compares, so of two overlapping polls only one commits a given change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sync_auditor import table_schema as schema
from sync_auditor.model import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    SyncJob,
    identity_attributes,
    parse_iso_utc,
)

SECONDS_PER_DAY = 86_400


def _expires_at(record: dict[str, Any], retention_days: int | None) -> int | None:
    """When a record may expire (DynamoDB TTL), or None: never, or not while its job is open.

    `retentionDays` after the job ended, and never sooner than that long after the auditor
    recorded it. An open job's record does not expire: a job the poll keeps reading must never
    have its record deleted and re-created (which would announce it again).
    """
    if not retention_days or record.get("status") not in TERMINAL_STATUSES:
        return None
    first_seen = str(record["firstSeenAt"])
    ended = str(record.get("endTime") or record.get("startTime") or first_seen)
    anchor = parse_iso_utc(max(ended, first_seen))
    return int(anchor.timestamp()) + retention_days * SECONDS_PER_DAY


def _with_expiry(record: dict[str, Any], retention_days: int | None) -> dict[str, Any]:
    expiry = _expires_at(record, retention_days)
    if expiry is None:
        record.pop(schema.EXPIRES_AT, None)
    else:
        record[schema.EXPIRES_AT] = expiry
    return record


def past_retention(job: SyncJob, now: datetime, retention_days: int | None) -> bool:
    """A terminal job that started longer than `retentionDays` ago (ended, when its start is
    unknown): a record of it is, or would be, past its expiry. After a data source's first
    complete read, such a job without a record is one that TTL removed while it stayed in the
    poll window (the newest job of a quiet data source does), never news: it is not written
    again."""
    moment = job.start_time or job.end_time
    if not retention_days or not job.is_terminal or not moment:
        return False
    return now - parse_iso_utc(moment) >= timedelta(days=retention_days)


def new_record(
    job: SyncJob, *, now: str, history: bool, retention_days: int | None = None
) -> dict[str, Any]:
    """The first record of a job; `history` marks a job that had already ended before auditing
    began (watch.is_history), which the notifier records without announcing."""
    record: dict[str, Any] = {
        **identity_attributes(job.source),
        "executionId": job.execution_id,
        **job.observed(),
        "firstSeenAt": now,
        "updatedAt": now,
        "statusHistory": [{"status": job.status, "observedAt": now}],
        "revision": 1,
    }
    if history and job.status in TERMINAL_STATUSES:
        record["backfilled"] = True
    return _with_expiry(record, retention_days)


def updated_record(
    existing: dict[str, Any], job: SyncJob, *, now: str, retention_days: int | None = None
) -> dict[str, Any] | None:
    """The record after observing `job` again, or None when nothing worth writing changed.

    A field the API stops sending keeps its last value (absence is not news). A terminal
    status is final: an older, still-open observation from an overlapping poll never moves a
    record back to open.
    """
    observed = job.observed()
    if existing.get("status") in TERMINAL_STATUSES and job.status not in TERMINAL_STATUSES:
        return None
    identity = identity_attributes(job.source)
    changes = {
        name: value
        for name, value in {**identity, **observed}.items()
        if existing.get(name) != value
    }
    if not changes:
        return None
    record = {
        **existing,
        **changes,
        "updatedAt": now,
        "revision": int(existing.get("revision", 0)) + 1,
    }
    if "status" in changes:
        history = list(existing.get("statusHistory") or [])
        record["statusHistory"] = [*history, {"status": job.status, "observedAt": now}]
    return _with_expiry(record, retention_days)


def stuck_since(record: dict[str, Any], *, now: datetime, stuck_after: timedelta) -> bool:
    """True when the job has been open longer than `stuck_after` and is not yet marked stuck.

    Marking is a field of the record (`stuckAt`), written through the same revision-checked
    write as any change, so of overlapping polls only one marks it and it is announced once.
    """
    if record.get("status") not in OPEN_STATUSES or record.get("stuckAt"):
        return False
    start = record.get("startTime")
    return bool(start) and now - parse_iso_utc(str(start)) > stuck_after


def next_revision(existing: dict[str, Any], *, now: str) -> dict[str, Any]:
    """`existing` as the base of a change the poller makes itself (no new observation)."""
    return {**existing, "updatedAt": now, "revision": int(existing.get("revision", 0)) + 1}
