"""The poller's stores and API readers, as the CLI's `audit` runs them: every write is recorded
(what changed, per job), and with `dry_run` recorded instead of made; progress is counted.

They wrap or subclass the runtime adapters, so reads are the real ones and the poller cannot tell.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sync_auditor import table_schema as schema
from sync_auditor.adapters.job_table import JobKey, JobTable
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.changes import been_in
from sync_auditor.model import DataSourceRef, SyncJob
from sync_auditor.services import REGISTRY
from sync_auditor.watch import SourceState
from sync_auditor_cli.progress import Progress

ClientFactory = Callable[[str], Any]
ChangeKind = Literal["new", "status", "update"]


@dataclass(frozen=True)
class JobChange:
    """One job record written (or, in a dry run, that would be)."""

    data_source_key: str
    execution_id: str
    kind: ChangeKind
    status: str
    previous_status: str | None
    start_time: str | None
    backfilled: bool
    # The poller marked the job stuck (open longer than stuckAfterMinutes) with this write.
    stuck: bool = False
    # The job was in this status before (a status the API flipped back to): announced then.
    returned: bool = False

    def alerts(self, alert_statuses: Iterable[str]) -> bool:
        """Whether the notifier will alert: a change INTO an alert status the job was not in
        before, or a new stuck mark, never for backfilled history. (Recovery notices depend on
        the job before this one, which the notifier looks up; they are not predicted here.)"""
        moved = (self.kind == "new" or self.kind == "status") and not self.returned
        into_alert = moved and self.status in set(alert_statuses)
        return (into_alert or self.stuck) and not self.backfilled

    def to_json(self) -> dict[str, Any]:
        return {
            "dataSourceKey": self.data_source_key,
            "executionId": self.execution_id,
            "change": self.kind,
            "status": self.status,
            "previousStatus": self.previous_status,
            "startTime": self.start_time,
            "backfilled": self.backfilled,
            "stuck": self.stuck,
        }


class RecordingJobTable(JobTable):
    def __init__(self, table_name: str, *, client: ClientFactory, dry_run: bool) -> None:
        super().__init__(table_name, client)
        self.dry_run = dry_run
        self.changes: list[JobChange] = []
        self._stored: dict[JobKey, dict[str, Any]] = {}
        # The poller commits data sources from several threads.
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[JobKey]) -> dict[JobKey, dict[str, Any]]:
        found = super().get_many(keys)
        with self._lock:
            self._stored.update(found)
        return found

    def get(self, key: JobKey) -> dict[str, Any] | None:
        found = super().get(key)
        if found is not None:
            with self._lock:
                self._stored[key] = found
        return found

    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool:
        if not self.dry_run and not super().put_if_revision(record, expected_revision):
            return False
        key = (record[schema.PARTITION_KEY], record[schema.SORT_KEY])
        with self._lock:
            before = None if expected_revision is None else self._stored.get(key)
            self._stored[key] = record
            self.changes.append(_change(record, before))
        return True


def _change(record: dict[str, Any], before: dict[str, Any] | None) -> JobChange:
    previous = before.get("status") if before else None
    kind: ChangeKind = (
        "new" if before is None else "status" if previous != record["status"] else "update"
    )
    return JobChange(
        data_source_key=record[schema.PARTITION_KEY],
        execution_id=record[schema.SORT_KEY],
        kind=kind,
        status=record["status"],
        previous_status=previous,
        start_time=record.get(schema.START_TIME),
        backfilled=bool(record.get("backfilled")),
        stuck=bool(record.get("stuckAt")) and not (before or {}).get("stuckAt"),
        returned=been_in(record, str(record["status"])),
    )


class RecordingCursorStore(CursorStore):
    def __init__(
        self, table_name: str, *, client: ClientFactory, dry_run: bool, progress: Progress
    ) -> None:
        super().__init__(table_name, client)
        self.dry_run = dry_run
        self.progress = progress
        self.saved: list[str] = []
        self._lock = threading.Lock()

    def load(
        self, data_source_keys: Iterable[str], *, strong: Iterable[str] = ()
    ) -> dict[str, SourceState]:
        # The poller loads every cursor once, before polling: the count of data sources.
        keys = list(data_source_keys)
        self.progress.set_total(len(keys))
        return super().load(keys, strong=strong)

    def begin(self, data_source_key: str, audited_since: str) -> SourceState:
        if self.dry_run:
            return SourceState(audited_since=audited_since)
        return super().begin(data_source_key, audited_since)

    def scope_starts(self, scopes: Iterable[str], now: str) -> dict[str, str]:
        if not self.dry_run:
            return super().scope_starts(scopes, now)
        # Read what is recorded; a scope never attempted would start now, unwritten.
        wanted = list(scopes)
        found = self.scope_starts_recorded(wanted)
        return {scope: found.get(scope, now) for scope in wanted}

    def save(self, data_source_key: str, state: SourceState, now: str) -> None:
        if not self.dry_run:
            super().save(data_source_key, state, now)
        with self._lock:
            self.saved.append(data_source_key)

    def save_deferred(self, data_source_keys: list[str], previous: list[str]) -> None:
        if not self.dry_run:
            super().save_deferred(data_source_keys, previous)


def _counted(pages: Iterator[list[SyncJob]], progress: Progress) -> Iterator[list[SyncJob]]:
    try:
        yield from pages
    finally:  # also when the data source fails or the poller stops reading early
        progress.advance()


class CountingApi:
    """A service adapter whose job listings advance the progress line; the rest passes through."""

    def __init__(self, api: Any, progress: Progress) -> None:
        self._api = api
        self.service = api.service
        self.progress = progress

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]:
        return _counted(self._api.job_pages(source, since, until), self.progress)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)


def counting_apis(client: ClientFactory, progress: Progress) -> dict[str, CountingApi]:
    """Every registered service's adapter, counted."""
    return {name: CountingApi(spec.make_api(client), progress) for name, spec in REGISTRY.items()}
