"""The cursor looks back to the oldest open job, else to the newest start seen."""

from __future__ import annotations

from datetime import timedelta

from sync_auditor.cursor import OVERLAP, Cursor, next_cursor, window_start
from sync_auditor.model import iso_utc
from tests.unit.builders import at, job

NOW = at(12)


def test_first_poll_looks_back_the_whole_backfill_horizon_from_when_auditing_began() -> None:
    assert window_start(None, iso_utc(NOW), NOW, lookback_days=30) == NOW - timedelta(days=30)
    # a first read that comes days late (refused until an IAM fix) still covers them all
    began = NOW - timedelta(days=5)
    assert window_start(None, iso_utc(began), NOW, lookback_days=30) == began - timedelta(days=30)


def test_later_polls_look_back_to_the_cursor_minus_the_overlap() -> None:
    later = window_start(Cursor("2026-11-22T11:00:00Z"), "2026-10-01T00:00:00Z", NOW, 30)
    assert later == at(11) - OVERLAP


def test_an_open_job_holds_the_cursor_at_its_start_whatever_the_order() -> None:
    jobs = [
        job("SUCCEEDED", "new", start="2026-11-22T11:00:00Z"),
        job("SYNCING", "old-open", start="2026-11-22T09:00:00Z"),
        job("SYNCING_INDEXING", "mid-open", start="2026-11-22T10:00:00Z"),
    ]
    assert next_cursor(None, jobs, NOW) == Cursor("2026-11-22T09:00:00Z")
    assert next_cursor(None, list(reversed(jobs)), NOW) == Cursor("2026-11-22T09:00:00Z")


def test_when_all_jobs_ended_the_cursor_moves_to_the_newest_start() -> None:
    jobs = [
        job("FAILED", "a", start="2026-11-22T08:00:00Z"),
        job("SUCCEEDED", "b", start="2026-11-22T11:30:00Z"),
    ]
    assert next_cursor(Cursor("2026-11-22T08:00:00Z"), jobs, NOW) == Cursor("2026-11-22T11:30:00Z")


def test_a_quiet_poll_keeps_the_cursor_so_nothing_is_written() -> None:
    previous = Cursor("2026-11-22T11:30:00Z")
    assert (
        next_cursor(previous, [job("SUCCEEDED", "b", start="2026-11-22T11:30:00Z")], NOW)
        is previous
    )
    assert next_cursor(previous, [], NOW) is previous


def test_a_job_seen_late_never_moves_the_cursor_backwards() -> None:
    previous = Cursor("2026-11-22T11:30:00Z")
    late = job("SUCCEEDED", "late", start="2026-11-22T11:20:00Z")
    assert next_cursor(previous, [late], NOW) is previous


def test_a_backfill_with_no_history_starts_from_now() -> None:
    assert next_cursor(None, [], NOW) == Cursor("2026-11-22T12:00:00Z")


def test_jobs_without_a_start_time_do_not_move_the_cursor() -> None:
    previous = Cursor("2026-11-22T11:30:00Z")
    assert next_cursor(previous, [job("SYNCING", "odd", start=None)], NOW) is previous
