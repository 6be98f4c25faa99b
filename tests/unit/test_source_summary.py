"""The per-data-source summary the poller keeps in the cursor item (source_summary.merge): exact
fields, a failure then a success, an open job then its end, stuck, the week's failure counts
(counted once each, pruned), and the stored form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync_auditor.model import DataSourceRef, SyncJob
from sync_auditor.records import new_record, updated_record
from sync_auditor.source_summary import (
    TEXT_LIMIT,
    JobMark,
    SourceSummary,
    from_json,
    merge,
    to_json,
    with_silence,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SOURCE = DataSourceRef(
    "kendra", "idx", "web", data_source_name="Public website", index_name="product-docs"
)


def record(
    execution_id: str,
    status: str,
    start: str,
    end: str | None = None,
    *,
    seen: str = "2026-11-22T11:00:00Z",
    **fields: Any,
) -> dict[str, Any]:
    return new_record(
        SyncJob(SOURCE, execution_id, status, start, end, **fields), now=seen, history=False
    )


def test_a_first_read_gives_every_field() -> None:
    # Given the records of a first complete read: a success, then a failure, then a running job
    records = [
        record("e-1", "SUCCEEDED", "2026-11-20T02:00:00Z", "2026-11-20T02:30:00Z"),
        record(
            "e-2",
            "FAILED",
            "2026-11-21T02:00:00Z",
            "2026-11-21T02:05:00Z",
            error_code="InternalError",
            data_source_error_code="WEB_CRAWLER_ROBOTS_DENIED",
        ),
        record("e-3", "SYNCING", "2026-11-22T10:00:00Z"),
    ]

    summary = merge(None, records, NOW)

    assert summary == SourceSummary(
        names=(("dataSourceName", "Public website"), ("indexName", "product-docs")),
        last=JobMark("e-3", "SYNCING", startTime="2026-11-22T10:00:00Z"),
        last_success=JobMark("e-1", "SUCCEEDED", endTime="2026-11-20T02:30:00Z"),
        last_failure=JobMark(
            "e-2",
            "FAILED",
            endTime="2026-11-21T02:05:00Z",
            errorCode="InternalError",
            dataSourceErrorCode="WEB_CRAWLER_ROBOTS_DENIED",
        ),
        open_job=JobMark("e-3", "SYNCING", startTime="2026-11-22T10:00:00Z"),
        open_jobs=1,
        failures_by_day=(("2026-11-21", 1),),
        failures_counted_through="2026-11-22T11:00:00Z",
    )
    assert summary.failures_in_week(NOW) == 1 and not summary.stuck


def test_merging_the_same_records_again_changes_nothing() -> None:
    # Given a summary of a read (so an unchanged read leaves the cursor item unwritten)
    records = [
        record("e-1", "FAILED", "2026-11-21T02:00:00Z", "2026-11-21T02:05:00Z"),
        record("e-2", "INCOMPLETE", "2026-11-22T02:00:00Z", "2026-11-22T02:05:00Z"),
    ]
    first = merge(None, records, NOW)

    # When the next read returns the same records, and the one after too
    again = merge(merge(first, records, NOW), records, NOW)

    # Then the summary is the same: each failure counted once
    assert again == first
    assert again.failures_by_day == (("2026-11-21", 1), ("2026-11-22", 1))


def test_a_failure_then_a_success() -> None:
    failed = record(
        "e-1",
        "FAILED",
        "2026-11-21T02:00:00Z",
        "2026-11-21T02:05:00Z",
        seen="2026-11-21T02:06:00Z",
        error_code="AccessDeniedException",
    )
    after_failure = merge(None, [failed], NOW)
    # The success is the next read's only job in the window: the failure left it
    succeeded = record(
        "e-2",
        "SUCCEEDED",
        "2026-11-22T02:00:00Z",
        "2026-11-22T02:20:00Z",
        seen="2026-11-22T02:21:00Z",
    )

    summary = merge(after_failure, [succeeded], NOW)

    assert summary.last == JobMark("e-2", "SUCCEEDED", startTime="2026-11-22T02:00:00Z")
    assert summary.last_success == JobMark("e-2", "SUCCEEDED", endTime="2026-11-22T02:20:00Z")
    # The failure is remembered, with its code, and still counted in the week
    assert summary.last_failure == JobMark(
        "e-1", "FAILED", endTime="2026-11-21T02:05:00Z", errorCode="AccessDeniedException"
    )
    assert summary.failures_in_week(NOW) == 1


def test_an_open_job_then_its_end() -> None:
    running = record("e-1", "SYNCING", "2026-11-22T10:00:00Z", seen="2026-11-22T10:01:00Z")
    open_summary = merge(None, [running], NOW)
    assert open_summary.open_job == JobMark("e-1", "SYNCING", startTime="2026-11-22T10:00:00Z")

    ended = updated_record(
        running,
        SyncJob(
            SOURCE,
            "e-1",
            "INCOMPLETE",
            "2026-11-22T10:00:00Z",
            "2026-11-22T10:30:00Z",
            error_code="SomeDocumentsFailed",
        ),
        now="2026-11-22T10:31:00Z",
    )
    assert ended is not None

    summary = merge(open_summary, [ended], NOW)

    assert (summary.open_job, summary.open_jobs) == (None, 0)
    assert summary.last == JobMark("e-1", "INCOMPLETE", startTime="2026-11-22T10:00:00Z")
    assert summary.last_failure == JobMark(
        "e-1", "INCOMPLETE", endTime="2026-11-22T10:30:00Z", errorCode="SomeDocumentsFailed"
    )
    assert summary.failures_by_day == (("2026-11-22", 1),)


def test_a_stuck_job_is_the_open_job_shown() -> None:
    # Given two open jobs, the newer one marked stuck by the poller (stuckAt on its record)
    older = record("e-1", "SYNCING", "2026-11-22T01:00:00Z")
    stuck = {**record("e-2", "SYNCING", "2026-11-22T02:00:00Z"), "stuckAt": "2026-11-22T08:00:00Z"}

    summary = merge(None, [older, stuck], NOW)

    assert summary.stuck and summary.open_jobs == 2
    assert summary.open_job == JobMark(
        "e-2", "SYNCING", startTime="2026-11-22T02:00:00Z", stuckAt="2026-11-22T08:00:00Z"
    )


def test_failures_are_counted_for_seven_utc_days_and_older_days_pruned() -> None:
    # Given failures across ten days, all seen by one read (a backfill)
    records = [
        record(f"e-{day}", "FAILED", f"2026-11-{day:02d}T02:00:00Z", f"2026-11-{day:02d}T03:00:00Z")
        for day in range(13, 23)
    ]

    summary = merge(None, records, NOW)

    # Then only the seven UTC days up to today are kept: the 16th to the 22nd
    assert [day for day, _ in summary.failures_by_day] == [
        f"2026-11-{day}" for day in range(16, 23)
    ]
    # And a week later without a new record, reading the stored map counts what is still in it
    assert summary.failures_in_week(datetime(2026, 11, 25, tzinfo=UTC)) == 4


def test_a_failure_seen_by_a_later_read_is_counted_then() -> None:
    first = merge(
        None,
        [record("e-1", "FAILED", "2026-11-21T02:00:00Z", "2026-11-21T02:05:00Z", seen="2026-11-21T02:06:00Z")],
        NOW,
    )  # fmt: skip
    later = record("e-2", "FAILED", "2026-11-21T05:00:00Z", "2026-11-21T05:05:00Z", seen="2026-11-21T05:06:00Z")  # fmt: skip

    summary = merge(first, [later], NOW)

    assert summary.failures_by_day == (("2026-11-21", 2),)
    assert summary.last_failure is not None and summary.last_failure.executionId == "e-2"


def test_a_newer_sync_ends_a_silent_period() -> None:
    silent = with_silence(
        merge(None, [record("e-1", "SUCCEEDED", "2026-11-20T02:00:00Z", "2026-11-20T02:10:00Z")], NOW),
        "2026-11-20T02:00:00Z",
    )  # fmt: skip
    assert silent.silent_since == "2026-11-20T02:00:00Z"

    summary = merge(silent, [record("e-2", "SUCCEEDED", "2026-11-22T09:00:00Z", "2026-11-22T09:10:00Z")], NOW)  # fmt: skip

    assert summary.silent_since is None


def test_the_stored_form_reads_back_equal_and_stays_small() -> None:
    huge = "n" * 5000  # names and codes come from the API: capped
    names = {"dataSourceName": huge, "indexName": huge}
    records = [
        {**record("e-1", "FAILED", "2026-11-21T02:00:00Z", "2026-11-21T02:05:00Z",
                  error_code=huge, data_source_error_code=huge), **names},
        {**record("e-2", "SYNCING", "2026-11-22T02:00:00Z"), "stuckAt": "2026-11-22T08:00:00Z",
         **names},
    ]  # fmt: skip
    summary = with_silence(merge(None, records, NOW), "2026-11-21T02:00:00Z")

    text = to_json(summary)

    assert from_json(text) == summary
    assert summary.name("indexName") == "n" * TEXT_LIMIT
    assert len(text.encode()) < 1600  # the cursor item stays far under 4 KB


def test_an_unreadable_or_other_version_summary_is_absent() -> None:
    assert from_json(None) is None
    assert from_json("not json") is None
    assert from_json('{"v": 99, "last": {"executionId": "e"}}') is None
    assert from_json('{"v": 1, "last": {"unknown": 1}}') is None
