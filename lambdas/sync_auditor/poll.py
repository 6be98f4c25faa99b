"""One poll: for each data source, read the jobs since its cursor and commit only what changed.

Data sources are polled in parallel (bounded), each service's in step with the others'
(poll_order.py), each in isolation: one data source's error is recorded in its outcome and
never stops the others. A data source whose jobs are as the last complete read left them
costs its list call and nothing in the job table (fingerprint.py). The poll stops starting
work before the deadline; what it could not reach is reported as deferred and goes first on the next tick.
Before anything else, the first attempt of every data source (and discovery scope) is recorded,
whatever comes of it: that moment is where its history ends (watch.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, Protocol

from sync_auditor import source_names, source_summary
from sync_auditor.api_reasons import with_api_reasons
from sync_auditor.cursor import Cursor, next_cursor, window_start
from sync_auditor.fingerprint import window_fingerprint
from sync_auditor.model import DataSourceRef, SyncJob, iso_utc
from sync_auditor.policies import SourcePolicy, silent_since
from sync_auditor.poll_order import interleaved
from sync_auditor.poll_report import PollReport, SourceResult
from sync_auditor.records import (
    new_record,
    next_revision,
    past_retention,
    stuck_since,
    updated_record,
)
from sync_auditor.watch import SourceState, is_history

# How far past "now" the time filter reaches, so a job whose start is stamped slightly ahead
# of this machine's clock is still returned.
CLOCK_SKEW = timedelta(hours=1)
# Attempts at a conditional write before giving up on a job for this tick (only overlapping
# polls that keep changing the same job make a write lose the race more than once).
WRITE_ATTEMPTS = 3

# What botocore's parsers raise on a response whose members have the wrong JSON type (an
# object sent as a string, an unreadable timestamp). Raised while reading one data source's
# pages, they are that data source's error: one bad response must not fail the whole tick.
MALFORMED_RESPONSE_ERRORS = (AttributeError, KeyError, TypeError, ValueError)
MALFORMED_RESPONSE = "MalformedResponse"


class JobApi(Protocol):
    service: str

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]: ...
    def open_job_pages(self, source: DataSourceRef) -> Iterator[list[SyncJob]]: ...


class JobStore(Protocol):
    def get_many(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], dict[str, Any]]: ...
    def get(self, key: tuple[str, str]) -> dict[str, Any] | None: ...
    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool: ...


class NoticeStore(Protocol):
    def newest_job(self, data_source_key: str) -> dict[str, Any] | None: ...
    def put_silent_notice(
        self, source: DataSourceRef, since: str, every_hours: int, now: str
    ) -> bool: ...


class Healing(Protocol):
    """Self-healing (self_healing.Healer): decides the retries of a data source's failed jobs
    and returns the start times of those still waiting, which the cursor keeps in view."""

    def heal(
        self,
        source: DataSourceRef,
        policy: SourcePolicy,
        records: list[dict[str, Any]],
        now: datetime,
    ) -> list[str]: ...


class CursorStore(Protocol):
    def load(
        self, data_source_keys: Iterable[str], *, strong: Iterable[str] = ()
    ) -> dict[str, SourceState]: ...
    def begin(self, data_source_key: str, audited_since: str) -> SourceState: ...
    def scope_starts(self, scopes: Iterable[str], now: str) -> dict[str, str]: ...
    def save(self, data_source_key: str, state: SourceState, now: str) -> None: ...


def _dedupe(jobs: Iterable[SyncJob]) -> list[SyncJob]:
    # A job can appear on two pages when the list shifts while it is paged; the terminal
    # observation is the newer one.
    by_id: dict[str, SyncJob] = {}
    for job in jobs:
        seen = by_id.get(job.execution_id)
        if seen is None or (job.is_terminal and not seen.is_terminal):
            by_id[job.execution_id] = job
    return list(by_id.values())


class Poller:
    def __init__(
        self,
        *,
        apis: dict[str, JobApi],
        jobs: JobStore,
        cursors: CursorStore,
        lookback_days: int,
        retention_days: int | None = None,
        max_parallel: int = 8,
        time_left: Callable[[], float] = lambda: float("inf"),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        error_code_of: Callable[[Exception], str | None] = lambda error: None,
        policy_of: Callable[[DataSourceRef], SourcePolicy] = lambda source: SourcePolicy(),
        notices: NoticeStore | None = None,
        healer: Healing | None = None,
    ) -> None:
        self.apis = apis
        self.jobs = jobs
        self.cursors = cursors
        self.lookback_days = lookback_days
        self.retention_days = retention_days
        self.max_parallel = max_parallel
        self.time_left = time_left
        self.clock = clock
        # Maps an exception to a short error code when it belongs to one data source (an API
        # or table error); None means a bug, which is left to fail the invocation loudly.
        self.error_code_of = error_code_of
        self.policy_of = policy_of
        self.notices = notices
        self.healer = healer

    def run(self, sources: Iterable[DataSourceRef], scopes: Iterable[str] = ()) -> PollReport:
        """Poll `sources`; `scopes` are the discovery scopes attempted this tick (Discovery)."""
        unique = interleaved(list(dict.fromkeys(sources)))
        healing = [s.key for s in unique if self.policy_of(s).self_healing is not None]
        states = self.cursors.load((source.key for source in unique), strong=healing)
        wanted = set(scopes) | {s.scope for s in unique if s.scope and s.key not in states}
        starts = self.cursors.scope_starts(sorted(wanted), iso_utc(self.clock()))
        with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
            futures = [pool.submit(self._poll_safely, s, states.get(s.key), starts) for s in unique]
            return PollReport([future.result() for future in futures])

    def _poll_safely(
        self, source: DataSourceRef, state: SourceState | None, starts: dict[str, str]
    ) -> SourceResult:
        backfill = state is None or not state.read_complete
        try:
            if state is None:
                # Even a data source deferred or refused now is audited from this moment on.
                began = starts[source.scope] if source.scope else iso_utc(self.clock())
                state = self.cursors.begin(source.key, began)
            if self.time_left() <= 0:
                return SourceResult(source, "deferred", backfill=backfill)
            return self._poll(source, state)
        except Exception as error:
            if isinstance(error, MalformedResponse):
                code: str | None = MALFORMED_RESPONSE
            else:
                code = self.error_code_of(error)
            if code is None:
                raise
            return SourceResult(source, "error", backfill=backfill, error_code=code)

    def _poll(self, source: DataSourceRef, state: SourceState) -> SourceResult:
        api = self.apis[source.service]
        source = source_names.named(source, state.summary, api, self.error_code_of)
        now = self.clock()
        cursor = state.cursor
        since = window_start(cursor, state.audited_since, now, self.lookback_days)
        seen: list[SyncJob] = []
        complete = True
        pages = api.job_pages(source, since, now + CLOCK_SKEW)
        if cursor is None:
            # The time filter is on start time: a job still open that started before the
            # horizon is found by its status, and followed to its end like any other.
            pages = chain(pages, api.open_job_pages(source))
        try:
            for page in pages:
                seen += page
                if self.time_left() <= 0:
                    complete = False
                    break
        except MALFORMED_RESPONSE_ERRORS as error:
            raise MalformedResponse(source.key) from error
        jobs = _dedupe(seen)
        backfill = cursor is None
        policy = self.policy_of(source)
        fingerprint = window_fingerprint(jobs, since)
        unchanged = fingerprint is not None and fingerprint == state.fingerprint
        # Self-healing decides on the records themselves, so it always reads them; so does a
        # state without a summary (saved before summaries existed), once, to build it.
        if unchanged and not policy.self_healing and state.summary is not None:
            # The last complete read committed exactly these jobs: no record to read or write.
            written, records = 0, list[dict[str, Any]]()
            summary = state.summary
        else:
            written, records = self._commit(jobs, now=now, state=state, policy=policy)
            summary = source_summary.merge(state.summary, records, now)
        summary = source_summary.with_names(summary, source)
        if not complete:
            # What was read is committed, but the cursor stays: without a documented order
            # the unread pages may hold anything, so the next tick reads the window again.
            return SourceResult(source, "partial", len(jobs), written, backfill)
        # Only after a complete read: whether a newer sync superseded a failure needs them all.
        waiting = self.healer.heal(source, policy, records, now) if self.healer else []
        new_cursor = next_cursor(cursor, jobs, now, held=waiting)
        next_since = window_start(new_cursor, state.audited_since, now, self.lookback_days)
        new_state = replace(
            state,
            cursor=new_cursor,
            fingerprint=window_fingerprint(jobs, next_since),
            summary=summary,
        )
        if new_state != state:
            self.cursors.save(source.key, new_state, iso_utc(now))
        silent = None if backfill else self._check_silence(source, new_cursor, now)
        if silent != summary.silent_since:
            # Silence begins (or its check stops) without a record changing: the summary says
            # so with one more write, once per silent period.
            quiet = replace(new_state, summary=source_summary.with_silence(summary, silent))
            self.cursors.save(source.key, quiet, iso_utc(now))
        return SourceResult(source, "polled", len(jobs), written, backfill)

    def _check_silence(self, source: DataSourceRef, cursor: Cursor, now: datetime) -> str | None:
        """One notice per silent period of a data source with an expected sync rhythm; returns
        the start of the current silent period (None: not silent, or no rhythm to keep).

        The notice's id names the period, and it is written only if absent: of overlapping
        polls, and of all the ticks of one silent period, only the first writes (and alerts).
        """
        every = self.policy_of(source).expect_sync_every
        if every is None or self.notices is None:
            return None
        newest = self.notices.newest_job(source.key)
        since = silent_since(newest, cursor.since, now, every)
        if since is not None:
            hours = int(every.total_seconds() // 3600)
            self.notices.put_silent_notice(source, since, hours, iso_utc(now))
        return since

    def _commit(
        self, jobs: list[SyncJob], *, now: datetime, state: SourceState, policy: SourcePolicy
    ) -> tuple[int, list[dict[str, Any]]]:
        """Write each job whose record changed; returns how many were written, and every job's
        record as it now stands."""
        if not jobs:
            return 0, []
        stamp = iso_utc(now)
        stored = self.jobs.get_many((job.source.key, job.execution_id) for job in jobs)
        written = 0
        records: list[dict[str, Any]] = []
        for job in jobs:
            key = (job.source.key, job.execution_id)
            existing = stored.get(key)
            if (
                existing is None
                and state.read_complete
                and past_retention(job, now, self.retention_days)
            ):
                continue  # its record expired while the job stayed in the window: not news
            history = existing is None and is_history(job, state)
            job = with_api_reasons(
                self.apis[job.source.service],
                job,
                existing,
                history=history,
                error_code_of=self.error_code_of,
            )
            for _ in range(WRITE_ATTEMPTS):
                if existing is None:
                    record = new_record(
                        job, now=stamp, history=history, retention_days=self.retention_days
                    )
                    expected = None
                else:
                    record = updated_record(  # type: ignore[assignment]
                        existing, job, now=stamp, retention_days=self.retention_days
                    )
                    expected = int(existing.get("revision", 0))
                # Open jobs are re-read every tick anyway, so noticing one is stuck costs nothing.
                current = record if record is not None else existing
                if current is not None and stuck_since(
                    current, now=now, stuck_after=policy.stuck_after
                ):
                    base = record if record is not None else next_revision(current, now=stamp)
                    record = {**base, "stuckAt": stamp}
                if record is None:
                    if existing is not None:
                        records.append(existing)
                    break
                if self.jobs.put_if_revision(record, expected):
                    written += 1
                    records.append(record)
                    break
                # Another poll committed this job first: decide again against what it wrote.
                existing = self.jobs.get(key)
            else:
                raise WriteConflict(key)
        return written, records


class MalformedResponse(Exception):
    """A page of this data source's jobs could not be read; it is retried on the next tick."""

    def __init__(self, data_source_key: str) -> None:
        super().__init__(f"a response for {data_source_key} could not be parsed")


class WriteConflict(Exception):
    """A job kept changing under overlapping polls; it is retried on the next tick."""

    def __init__(self, key: tuple[str, str]) -> None:
        super().__init__(f"conditional write lost {WRITE_ATTEMPTS} times for {key[0]}")
        self.key = key
