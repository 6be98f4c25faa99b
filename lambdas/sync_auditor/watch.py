"""When the auditor began watching a data source, and what that makes history.

A job is history (recorded with `backfilled: true`, never announced) only if it had already
ended before the auditor first attempted its data source, and it is found before the data
source's first complete read. The moment of that first attempt is recorded durably whatever
its outcome (refused, throttled, cut by the deadline, deferred), so a first poll that fails
silences nothing that ends afterwards. Once a data source has been read completely, every job
seen for the first time is news, whatever its times.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync_auditor.cursor import Cursor
from sync_auditor.model import SyncJob
from sync_auditor.source_summary import SourceSummary


@dataclass(frozen=True)
class SourceState:
    """What the state table holds for one data source."""

    # When the auditor first attempted the data source (ISO 8601 UTC). None only on items
    # written before this was recorded, which all have a cursor.
    audited_since: str | None = None
    # Set by the first complete read, and moved by every complete read after it.
    cursor: Cursor | None = None
    # The last complete read's jobs, when all had ended (fingerprint.py): a read that returns
    # them unchanged needs no record read back.
    fingerprint: str | None = None
    # What `sync-auditor status` shows of it (source_summary.py), merged by every complete read
    # that compared records. None on items written before summaries existed.
    summary: SourceSummary | None = None

    @property
    def read_complete(self) -> bool:
        return self.cursor is not None


def is_history(job: SyncJob, state: SourceState) -> bool:
    """Whether a job seen for the first time is history rather than news."""
    if state.read_complete or not job.is_terminal or not state.audited_since:
        return False
    # A terminal job without an end time cannot be shown to have ended before: it is news.
    return job.end_time is not None and job.end_time < state.audited_since
