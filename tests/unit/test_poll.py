"""The poll over many data sources: incremental, isolated per source, stops at its deadline."""

from __future__ import annotations

from datetime import datetime

from sync_auditor.model import DataSourceRef
from sync_auditor.poll import Poller
from sync_auditor.poll_errors import error_code_of
from tests.unit.builders import KENDRA_INDEX, QB_SOURCE, at, job
from tests.unit.fakes import FakeApi, FakeCursorStore, FakeJobStore


class World:
    def __init__(self) -> None:
        self.kendra = FakeApi("kendra")
        self.qbusiness = FakeApi("qbusiness")
        self.store = FakeJobStore()
        self.cursors = FakeCursorStore()
        self.now = at(12)

    def poller(self, time_left=lambda: 1e9) -> Poller:  # type: ignore[no-untyped-def]
        return Poller(
            apis={"kendra": self.kendra, "qbusiness": self.qbusiness},
            jobs=self.store,
            cursors=self.cursors,
            lookback_days=30,
            time_left=time_left,
            clock=lambda: self.now,
            error_code_of=error_code_of,
        )

    def tick(self, sources: list[DataSourceRef], at_time: datetime | None = None):  # type: ignore[no-untyped-def]
        if at_time:
            self.now = at_time
        return self.poller().run(sources)


def source(n: int) -> DataSourceRef:
    return DataSourceRef("kendra", KENDRA_INDEX, f"ds-{n}")


def test_first_poll_backfills_history_and_marks_ended_jobs() -> None:
    world = World()
    ds = source(1)
    world.kendra.put(
        job("SUCCEEDED", "old", start="2026-11-01T10:00:00Z", end="2026-11-01T11:00:00Z", source=ds)
    )
    world.kendra.put(job("SYNCING", "running", start="2026-11-22T11:00:00Z", source=ds))

    report = world.tick([ds])

    assert report.results[0].outcome == "polled" and report.results[0].backfill
    assert world.store.records[(ds.key, "old")]["backfilled"] is True
    assert "backfilled" not in world.store.records[(ds.key, "running")]
    assert world.cursors.cursors[ds.key].since == "2026-11-22T11:00:00Z"


def test_a_quiet_tick_costs_one_call_and_writes_nothing() -> None:
    world = World()
    ds = source(1)
    for n in range(25):  # three pages of history
        world.kendra.put(
            job("SUCCEEDED", f"j{n}", start=f"2026-11-{n + 1:02d}T10:00:00Z", source=ds)
        )
    world.tick([ds])
    writes, saves, calls = len(world.store.writes), world.cursors.saves, world.kendra.calls

    world.tick([ds], at(12, 5))

    assert world.kendra.calls - calls == 1
    assert len(world.store.writes) == writes
    assert world.cursors.saves == saves


def test_a_job_that_ends_is_written_once_with_its_new_status() -> None:
    world = World()
    ds = source(1)
    world.kendra.put(job("SYNCING", "j", start="2026-11-22T11:00:00Z", source=ds))
    world.tick([ds])
    world.kendra.put(
        job("FAILED", "j", start="2026-11-22T11:00:00Z", end="2026-11-22T11:30:00Z", source=ds)
    )

    world.tick([ds], at(12, 5))
    world.tick([ds], at(12, 10))

    statuses = [w["status"] for w in world.store.writes if w["executionId"] == "j"]
    assert statuses == ["SYNCING", "FAILED"]


def test_two_overlapping_polls_commit_a_change_once() -> None:
    world = World()
    ds = source(1)
    world.kendra.put(job("SYNCING", "j", start="2026-11-22T11:00:00Z", source=ds))
    world.tick([ds])
    world.kendra.put(job("FAILED", "j", start="2026-11-22T11:00:00Z", source=ds))
    # Both polls read the same stored revision before either writes.
    original_get_many = world.store.get_many
    snapshot = original_get_many([(ds.key, "j")])
    world.store.get_many = lambda keys: snapshot  # type: ignore[method-assign]

    world.tick([ds], at(12, 5))
    world.tick([ds], at(12, 5))

    failed = [w for w in world.store.writes if w["status"] == "FAILED"]
    assert len(failed) == 1
    assert [h["status"] for h in world.store.records[(ds.key, "j")]["statusHistory"]] == [
        "SYNCING",
        "FAILED",
    ]


def test_one_failing_data_source_does_not_stop_the_others() -> None:
    world = World()
    good, gone = source(1), source(2)
    world.kendra.put(job("SUCCEEDED", "a", source=good))
    world.kendra.put(job("SUCCEEDED", "b", source=gone))
    world.kendra.errors[gone.key] = "ResourceNotFoundException"
    world.qbusiness.put(job("FAILED", "c", source=QB_SOURCE))

    report = world.tick([good, gone, QB_SOURCE])

    outcomes = {r.source.key: (r.outcome, r.error_code) for r in report.results}
    assert outcomes[gone.key] == ("error", "ResourceNotFoundException")
    assert outcomes[good.key] == ("polled", None)
    assert outcomes[QB_SOURCE.key] == ("polled", None)
    assert gone.key not in world.cursors.cursors


def test_at_the_deadline_the_poll_stops_and_reports_what_it_deferred() -> None:
    world = World()
    sources = [source(n) for n in range(5)]
    for ds in sources:
        world.kendra.put(job("SUCCEEDED", "a", source=ds))
    budget = iter([1.0, 1.0, 1.0, 0.0] + [0.0] * 100)

    report = world.poller(time_left=lambda: next(budget)).run(sources)

    assert {r.outcome for r in report.results} <= {"polled", "partial", "deferred"}
    assert report.deferred_keys  # some were left for the next tick...
    for result in report.results:  # ...and only completed ones moved their cursor
        assert (result.source.key in world.cursors.cursors) == (result.outcome == "polled")


def test_a_poll_cut_mid_pagination_keeps_what_it_read_but_not_the_cursor() -> None:
    world = World()
    ds = source(1)
    for n in range(30):
        world.kendra.put(
            job("SUCCEEDED", f"j{n}", start=f"2026-11-{n % 20 + 1:02d}T10:00:00Z", source=ds)
        )
    budget = iter([1.0, 1.0, 0.0])  # start, after page one, after page two

    report = world.poller(time_left=lambda: next(budget, 0.0)).run([ds])

    assert report.results[0].outcome == "partial"
    assert len(world.store.records) == 20
    assert ds.key not in world.cursors.cursors
    # The next tick reads the window again and completes without rewriting what it has.
    report = world.tick([ds], at(12, 5))
    assert report.results[0].outcome == "polled" and len(world.store.records) == 30
    assert len(world.store.writes) == 30


def test_a_job_first_seen_already_failed_after_backfill_is_not_marked_backfilled() -> None:
    world = World()
    ds = source(1)
    world.tick([ds])  # backfill finds nothing
    world.kendra.put(job("FAILED", "quick", start="2026-11-22T12:01:00Z", source=ds))

    world.tick([ds], at(12, 5))

    assert "backfilled" not in world.store.records[(ds.key, "quick")]
