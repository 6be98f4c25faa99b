"""In-memory stand-ins with the same interfaces as the adapters (poll.JobApi, JobStore,
CursorStore, outbox.OutboxStore)."""

from __future__ import annotations

import copy
import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor.cursor import Cursor
from sync_auditor.model import OPEN_STATUSES, DataSourceRef, SyncJob, iso_utc, parse_iso_utc
from sync_auditor.outbox import Entry
from sync_auditor.self_healing import SyncAlreadyRunning
from sync_auditor.source_summary import SourceSummary
from sync_auditor.watch import SourceState


class FakeApi:
    def __init__(self, service: str, page_size: int = 10) -> None:
        self.service = service
        self.page_size = page_size
        self.jobs: dict[str, dict[str, SyncJob]] = {}
        self.errors: dict[str, str] = {}
        self.calls = 0
        # StartDataSourceSyncJob: the error code the next starts answer, and what was started.
        self.start_errors: list[str] = []
        self.started: list[DataSourceRef] = []
        self.clock: Callable[[], datetime] | None = None
        # DescribeDataSource / GetDataSource: names by key, error codes by key, calls made.
        self.names: dict[str, str] = {}
        self.name_errors: dict[str, str] = {}
        self.name_lookups = 0

    def put(self, job: SyncJob) -> None:
        self.jobs.setdefault(job.source.key, {})[job.execution_id] = job

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]:
        yield from self._pages(
            source,
            [
                j
                for j in self.jobs.get(source.key, {}).values()
                if j.start_time is None or since <= parse_iso_utc(j.start_time) <= until
            ],
        )

    def open_job_pages(self, source: DataSourceRef) -> Iterator[list[SyncJob]]:
        """Like a status filter per open status: the jobs open now, whatever their start."""
        for status in sorted(OPEN_STATUSES):
            jobs = self.jobs.get(source.key, {}).values()
            yield from self._pages(source, [j for j in jobs if j.status == status])

    def _pages(self, source: DataSourceRef, matching: list[SyncJob]) -> Iterator[list[SyncJob]]:
        """One call per page (an empty list is one call too), failing as configured."""
        for start in range(0, max(len(matching), 1), self.page_size):
            self.calls += 1
            if source.key in self.errors:
                raise ClientError(
                    {"Error": {"Code": self.errors[source.key], "Message": "x"}}, "List"
                )
            # As the real adapters do, jobs come back as of the data source polled (its names).
            yield [
                dataclasses.replace(j, source=source)
                for j in matching[start : start + self.page_size]
            ]

    def data_source_name(self, source: DataSourceRef) -> str | None:
        self.name_lookups += 1
        if source.key in self.name_errors:
            code = self.name_errors[source.key]
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "DescribeDataSource")
        return self.names.get(source.key)

    def start_sync(self, source: DataSourceRef, client_token: str | None = None) -> str:
        """Like the services: a sync already open on the data source refuses a new one."""
        if self.start_errors:
            raise ClientError(
                {"Error": {"Code": self.start_errors.pop(0), "Message": "x"}}, "Start"
            )
        if any(not j.is_terminal for j in self.jobs.get(source.key, {}).values()):
            raise SyncAlreadyRunning(source.key)
        self.started.append(source)
        execution_id = f"retry-{len(self.started)}"
        start = iso_utc(self.clock()) if self.clock else None
        self.put(SyncJob(source, execution_id, "SYNCING", start_time=start))
        return execution_id


class FakeRetryQuota:
    """The state table's daily counter, in memory."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def used(self, data_source_key: str, day: str) -> int:
        return self.counts.get((data_source_key, day), 0)

    def take(self, data_source_key: str, day: str, limit: int, now: str) -> int | None:
        with self._lock:
            count = self.counts.get((data_source_key, day), 0)
            if count >= limit:
                return None
            self.counts[(data_source_key, day)] = count + 1
            return count + 1


class FakeJobStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.writes: list[dict[str, Any]] = []
        self.reads = 0  # get_many calls: what a quiet data source must not cost
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        with self._lock:
            self.reads += 1
            return {k: copy.deepcopy(self.records[k]) for k in keys if k in self.records}

    def get(self, key: tuple[str, str]) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self.records.get(key))

    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool:
        key = (record["dataSourceKey"], record["executionId"])
        with self._lock:
            stored = self.records.get(key)
            current = None if stored is None else stored["revision"]
            if current != expected_revision:
                return False
            self.records[key] = copy.deepcopy(record)
            self.writes.append(copy.deepcopy(record))
            return True


class FakeCursorStore:
    """Cursors, first attempts (per data source and per discovery scope), in memory."""

    def __init__(self) -> None:
        self.cursors: dict[str, Cursor] = {}
        self.audited: dict[str, str] = {}
        self.scopes: dict[str, str] = {}
        self.fingerprints: dict[str, str | None] = {}
        self.summaries: dict[str, SourceSummary | None] = {}
        self.saves = 0

    def load(
        self, data_source_keys: Iterable[str], *, strong: Iterable[str] = ()
    ) -> dict[str, SourceState]:
        return {
            k: SourceState(
                self.audited.get(k),
                self.cursors.get(k),
                self.fingerprints.get(k),
                self.summaries.get(k),
            )
            for k in data_source_keys
            if k in self.cursors or k in self.audited
        }

    def begin(self, data_source_key: str, audited_since: str) -> SourceState:
        self.audited.setdefault(data_source_key, audited_since)
        return SourceState(self.audited[data_source_key], self.cursors.get(data_source_key))

    def scope_starts(self, scopes: Iterable[str], now: str) -> dict[str, str]:
        return {scope: self.scopes.setdefault(scope, now) for scope in scopes}

    def save(self, data_source_key: str, state: SourceState, now: str) -> None:
        assert state.cursor is not None
        self.saves += 1
        self.cursors[data_source_key] = state.cursor
        self.fingerprints[data_source_key] = state.fingerprint
        self.summaries[data_source_key] = state.summary


class FakeOutbox:
    """The outbox (outbox.OutboxStore) in memory: entries by id, conditional like the table."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def create(self, entry: Entry, *, lease_until: str | None, keep_until: int | None) -> bool:
        with self._lock:
            if entry.id in self.entries:
                return False
            self.entries[entry.id] = dataclasses.replace(entry, leased_until=lease_until)
            return True

    def claim(self, entry_id: str, *, now: str, lease_until: str) -> Entry | None:
        with self._lock:
            entry = self.entries.get(entry_id)
            if entry is None or not entry.pending:
                return None
            if entry.leased_until is not None and entry.leased_until >= now:
                return None
            self.entries[entry_id] = dataclasses.replace(
                entry, leased_until=lease_until, attempts=entry.attempts + 1
            )
            return self.entries[entry_id]

    def mark_sent(self, entry_id: str, *, message_id: str, now: str, keep_until: int) -> None:
        with self._lock:
            self.entries[entry_id] = dataclasses.replace(
                self.entries[entry_id],
                pending=False,
                leased_until=None,
                sent_at=now,
                message_id=message_id,
            )

    def release(self, entry_id: str, *, error_code: str, now: str) -> None:
        with self._lock:
            self.entries[entry_id] = dataclasses.replace(
                self.entries[entry_id], leased_until=None, last_error_code=error_code
            )

    def pending(self) -> list[Entry]:
        """As the index carries them: without the message body."""
        with self._lock:
            return sorted(
                (dataclasses.replace(e, message=None) for e in self.entries.values() if e.pending),
                key=lambda e: e.created_at,
            )
