"""Transition rules: what an observation changes in a job's record, and when nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime

from sync_auditor.records import new_record, past_retention, updated_record
from tests.unit.builders import QB_SOURCE, job

T1 = "2026-11-22T10:05:00Z"
T2 = "2026-11-22T10:10:00Z"


def test_a_new_job_gets_identity_history_and_revision_one() -> None:
    record = new_record(job("SYNCING", source=QB_SOURCE), now=T1, history=False)
    assert record["dataSourceKey"] == QB_SOURCE.key
    assert record["executionId"] == "exec-1"
    assert record["service"] == "qbusiness"
    assert record["applicationId"] == QB_SOURCE.application_id
    assert record["indexId"] == QB_SOURCE.index_id
    assert record["dataSourceId"] == QB_SOURCE.data_source_id
    assert record["statusHistory"] == [{"status": "SYNCING", "observedAt": T1}]
    assert record["firstSeenAt"] == record["updatedAt"] == T1
    assert record["revision"] == 1
    assert "backfilled" not in record


def test_backfill_marks_only_jobs_that_had_already_ended() -> None:
    assert new_record(job("FAILED"), now=T1, history=True)["backfilled"] is True
    assert "backfilled" not in new_record(job("SYNCING"), now=T1, history=True)
    assert "backfilled" not in new_record(job("FAILED"), now=T1, history=False)


def test_retention_counts_from_the_jobs_end_and_never_from_before_it_was_recorded() -> None:
    ended = job("FAILED", end="2026-11-22T10:04:00Z")
    record = new_record(ended, now=T1, history=False, retention_days=1)
    assert (
        record["expiresAt"] == int(datetime(2026, 11, 22, 10, 5, tzinfo=UTC).timestamp()) + 86_400
    )
    # a job that ended long before it was first recorded keeps its record retentionDays from then
    old = job("FAILED", start="2026-10-01T10:00:00Z", end="2026-10-01T11:00:00Z")
    backfilled = new_record(old, now=T1, history=True, retention_days=1)
    assert (
        backfilled["expiresAt"]
        == int(datetime(2026, 11, 22, 10, 5, tzinfo=UTC).timestamp()) + 86_400
    )


def test_an_open_jobs_record_never_expires_until_the_job_ends() -> None:
    stored = new_record(job("SYNCING"), now=T1, history=False, retention_days=1)
    assert "expiresAt" not in stored
    ended = updated_record(
        stored, job("FAILED", end="2026-11-22T10:08:00Z"), now=T2, retention_days=1
    )
    assert ended is not None
    assert ended["expiresAt"] == int(datetime(2026, 11, 22, 10, 8, tzinfo=UTC).timestamp()) + 86_400


def test_a_terminal_job_older_than_retention_is_past_it() -> None:
    now = datetime(2026, 11, 22, 10, 5, tzinfo=UTC)
    assert past_retention(job("FAILED", start="2026-11-21T10:05:00Z"), now, 1)
    assert not past_retention(job("FAILED", start="2026-11-21T10:06:00Z"), now, 1)
    assert not past_retention(job("SYNCING", start="2026-11-01T10:00:00Z"), now, 1)
    assert not past_retention(job("FAILED", start="2026-11-01T10:00:00Z"), now, None)


def test_an_unchanged_observation_writes_nothing() -> None:
    stored = new_record(job("SYNCING"), now=T1, history=False)
    assert updated_record(stored, job("SYNCING"), now=T2) is None


def test_a_status_change_appends_history_and_bumps_the_revision() -> None:
    stored = new_record(job("SYNCING"), now=T1, history=False)
    ended = job("FAILED", end="2026-11-22T10:08:00Z", error_code="InternalError")
    record = updated_record(stored, ended, now=T2)
    assert record is not None
    assert record["status"] == "FAILED"
    assert record["errorCode"] == "InternalError"
    assert record["durationSeconds"] == 480
    assert record["revision"] == 2
    assert record["firstSeenAt"] == T1 and record["updatedAt"] == T2
    assert record["statusHistory"] == [
        {"status": "SYNCING", "observedAt": T1},
        {"status": "FAILED", "observedAt": T2},
    ]


def test_progress_of_a_running_job_is_written_without_a_history_entry() -> None:
    stored = new_record(job("SYNCING", documents={"documentsScanned": 10}), now=T1, history=False)
    record = updated_record(stored, job("SYNCING", documents={"documentsScanned": 50}), now=T2)
    assert record is not None
    assert record["documentsScanned"] == 50
    assert len(record["statusHistory"]) == 1


def test_an_older_open_observation_never_reopens_an_ended_job() -> None:
    stored = new_record(job("FAILED"), now=T1, history=False)
    assert updated_record(stored, job("SYNCING"), now=T2) is None


def test_a_field_the_api_stops_sending_keeps_its_value() -> None:
    stored = new_record(job("FAILED", error_message="boom"), now=T1, history=False)
    assert updated_record(stored, job("FAILED"), now=T2) is None
