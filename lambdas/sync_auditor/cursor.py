"""The per-data-source cursor: how far back the next poll must look.

The cursor is the start time of the oldest job that is still open, else the newest start time
seen. Polls ask for jobs started at or after the cursor minus an overlap (jobs can appear in
the API a little after they start), so a quiet data source costs one call that returns only
its newest job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync_auditor.model import SyncJob, iso_utc, parse_iso_utc

OVERLAP = timedelta(minutes=15)


@dataclass(frozen=True)
class Cursor:
    since: str  # ISO 8601 UTC


def window_start(
    cursor: Cursor | None, audited_since: str | None, now: datetime, lookback_days: int
) -> datetime:
    """The earliest start time the next poll asks for; before the first complete read, the
    backfill horizon: `lookback_days` before auditing of the data source began (a first read
    that comes days late still covers every job that ended since)."""
    if cursor is None:
        began = parse_iso_utc(audited_since) if audited_since else now
        return min(began, now) - timedelta(days=lookback_days)
    return parse_iso_utc(cursor.since) - OVERLAP


def next_cursor(
    previous: Cursor | None, jobs: Iterable[SyncJob], now: datetime, held: Iterable[str] = ()
) -> Cursor:
    """The cursor after a complete poll that saw `jobs` (in no particular order).

    `held` are start times of ended jobs the auditor still has to act on (a failure awaiting
    its retry): like open jobs, they stay in the window until that is done.
    """
    started = [job for job in jobs if job.start_time]
    still_open = [job.start_time for job in started if not job.is_terminal and job.start_time]
    still_open += list(held)
    if still_open:
        return Cursor(since=min(still_open))
    if started:
        newest = max(job.start_time for job in started if job.start_time)
        if previous is None or newest > previous.since:
            return Cursor(since=newest)
        return previous
    # Nothing seen: keep the old cursor (no write on a quiet tick), or start from now after
    # a backfill that found no history at all.
    return previous if previous is not None else Cursor(since=iso_utc(now))
