"""The poller keeps each data source's summary in its cursor state: merged from what a complete
read committed, left alone (and unwritten) by a quiet read, built once for a state saved before
summaries existed, and marked silent once per silent period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sync_auditor.model import DataSourceRef
from sync_auditor.policies import SourcePolicy
from sync_auditor.poll import Poller
from sync_auditor.poll_errors import error_code_of
from sync_auditor.source_summary import JobMark, SourceSummary
from tests.unit.builders import at, job
from tests.unit.test_fingerprint import DS, World, settled


def summary(world: World) -> SourceSummary:
    saved = world.cursors.summaries[DS.key]
    assert saved is not None
    return saved


def test_a_backfill_leaves_the_summary_of_the_history_it_read() -> None:
    world = settled()

    assert summary(world).last == JobMark("newest", "FAILED", startTime="2026-11-22T11:00:00Z")
    assert summary(world).last_success == JobMark(
        "old-11", "SUCCEEDED", endTime="2026-11-12T11:00:00Z"
    )
    assert summary(world).last_failure == JobMark(
        "newest", "FAILED", endTime="2026-11-22T11:30:00Z"
    )
    assert summary(world).failures_by_day == (("2026-11-22", 1),)


def test_a_new_job_is_merged_into_the_summary_the_read_saves() -> None:
    world = settled()
    world.kendra.put(job("SYNCING", "next", start="2026-11-22T12:01:00Z", source=DS))

    world.tick(5)

    assert summary(world).open_job == JobMark("next", "SYNCING", startTime="2026-11-22T12:01:00Z")
    # What left the window is remembered
    assert summary(world).last_failure is not None
    assert summary(world).last_failure.executionId == "newest"


def test_a_state_saved_before_summaries_reads_its_records_once() -> None:
    # Given a settled data source whose cursor item has no summary (written by an older poller)
    world = settled()
    world.cursors.summaries[DS.key] = None
    reads, saves = world.store.reads, world.cursors.saves

    # When it is polled, unchanged, twice
    world.tick(5)
    after_first = (world.store.reads, world.cursors.saves)
    world.tick(10)

    # Then the first read compares its records and saves a summary; the next is quiet again
    assert after_first == (reads + 1, saves + 1)
    assert summary(world).last == JobMark("newest", "FAILED", startTime="2026-11-22T11:00:00Z")
    assert (world.store.reads, world.cursors.saves) == after_first


class Notices:
    """The silence notices (poll.NoticeStore), in memory."""

    def __init__(self, newest: dict[str, Any] | None) -> None:
        self.newest = newest
        self.written: list[str] = []

    def newest_job(self, data_source_key: str) -> dict[str, Any] | None:
        return self.newest

    def put_silent_notice(
        self, source: DataSourceRef, since: str, every_hours: int, now: str
    ) -> bool:
        if since in self.written:
            return False
        self.written.append(since)
        return True


def test_a_silent_period_is_saved_in_the_summary_once() -> None:
    world = settled()
    notices = Notices({"startTime": "2026-11-22T11:00:00Z"})
    policy = SourcePolicy(expect_sync_every=timedelta(minutes=30))

    def tick(minute: int) -> None:
        world.now = at(12, minute)
        Poller(
            apis={"kendra": world.kendra},
            jobs=world.store,
            cursors=world.cursors,
            lookback_days=30,
            clock=lambda: world.now,
            error_code_of=error_code_of,
            policy_of=lambda source: policy,
            notices=notices,
        ).run([DS])

    saves = world.cursors.saves
    tick(5)
    tick(10)

    assert notices.written == ["2026-11-22T11:00:00Z"]
    assert summary(world).silent_since == "2026-11-22T11:00:00Z"
    assert world.cursors.saves == saves + 1  # once for the period, not every tick
