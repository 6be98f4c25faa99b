"""How an observation of a job changes its record: the poller's transition rules.

Only real changes produce a new record (nothing changed -> nothing written -> nothing streamed,
so a re-poll can never alert twice). Each record carries a `revision` that the table's
conditional write compares, so of two overlapping polls only one commits a given change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sync_auditor.model import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    SyncJob,
    identity_attributes,
    parse_iso_utc,
)

SECONDS_PER_DAY = 86_400


def _expires_at(job: SyncJob, now: str, retention_days: int | None) -> int | None:
    if not retention_days:
        return None
    anchor = parse_iso_utc(job.start_time or now)
    return int(anchor.timestamp()) + retention_days * SECONDS_PER_DAY


def new_record(
    job: SyncJob, *, now: str, backfill: bool, retention_days: int | None = None
) -> dict[str, Any]:
    """The first record of a job. During the first poll of a data source, jobs that were
    already terminal are marked `backfilled` so the notifier records them without alerting."""
    record: dict[str, Any] = {
        **identity_attributes(job.source),
        "executionId": job.execution_id,
        **job.observed(),
        "firstSeenAt": now,
        "updatedAt": now,
        "statusHistory": [{"status": job.status, "observedAt": now}],
        "revision": 1,
    }
    if backfill and job.status in TERMINAL_STATUSES:
        record["backfilled"] = True
    expires_at = _expires_at(job, now, retention_days)
    if expires_at is not None:
        record["expiresAt"] = expires_at
    return record


def updated_record(existing: dict[str, Any], job: SyncJob, *, now: str) -> dict[str, Any] | None:
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
    return record


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
