"""History is what had ended before auditing of a data source began, before its first complete
read; everything else is news."""

from __future__ import annotations

from sync_auditor.cursor import Cursor
from sync_auditor.watch import SourceState, is_history
from tests.unit.builders import job

BEGAN = "2026-11-22T10:00:00Z"
FIRST_ATTEMPT = SourceState(audited_since=BEGAN)


def test_a_job_that_ended_before_the_first_attempt_is_history() -> None:
    assert is_history(job("FAILED", end="2026-11-22T09:59:59Z"), FIRST_ATTEMPT)


def test_a_job_that_ended_at_or_after_the_first_attempt_is_news_whatever_its_start() -> None:
    assert not is_history(job("FAILED", start="2026-11-01T00:00:00Z", end=BEGAN), FIRST_ATTEMPT)
    assert not is_history(job("FAILED", end="2026-11-22T10:30:00Z"), FIRST_ATTEMPT)


def test_open_jobs_and_ended_jobs_without_an_end_time_are_news() -> None:
    assert not is_history(job("SYNCING", start="2026-11-01T00:00:00Z"), FIRST_ATTEMPT)
    assert not is_history(job("FAILED", start="2026-11-01T00:00:00Z", end=None), FIRST_ATTEMPT)


def test_after_the_first_complete_read_nothing_is_history() -> None:
    read = SourceState(audited_since=BEGAN, cursor=Cursor("2026-11-22T10:00:00Z"))
    assert not is_history(job("FAILED", end="2026-11-01T00:00:00Z"), read)
