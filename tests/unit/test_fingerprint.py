"""A quiet data source costs its list call and nothing in the job table, and a changed job is
always seen: the fingerprint of the last complete read's window (fingerprint.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sync_auditor.model import DataSourceRef, SyncJob
from sync_auditor.policies import SelfHealing, SourcePolicy
from sync_auditor.poll import Poller
from sync_auditor.poll_errors import error_code_of
from tests.unit.builders import KENDRA_INDEX, at, job
from tests.unit.fakes import FakeApi, FakeCursorStore, FakeJobStore

DS = DataSourceRef("kendra", KENDRA_INDEX, "ds-1")


class World:
    def __init__(self, policy: SourcePolicy | None = None) -> None:
        self.kendra = FakeApi("kendra")
        self.store = FakeJobStore()
        self.cursors = FakeCursorStore()
        self.policy = policy or SourcePolicy()
        self.now = at(12)

    def tick(self, minute: int, source: DataSourceRef = DS) -> None:
        self.now = at(12, minute)
        Poller(
            apis={"kendra": self.kendra},
            jobs=self.store,
            cursors=self.cursors,
            lookback_days=30,
            clock=lambda: self.now,
            error_code_of=error_code_of,
            policy_of=lambda source: self.policy,
        ).run([source])


def settled(policy: SourcePolicy | None = None) -> World:
    """A data source with history, backfilled and then polled once more."""
    world = World(policy)
    for n in range(12):
        world.kendra.put(
            job(
                "SUCCEEDED",
                f"old-{n}",
                start=f"2026-11-{n + 1:02d}T10:00:00Z",
                end=f"2026-11-{n + 1:02d}T11:00:00Z",
                source=DS,
                documents={"documentsScanned": 10},
            )
        )
    world.kendra.put(
        job("FAILED", "newest", start="2026-11-22T11:00:00Z", end="2026-11-22T11:30:00Z", source=DS)
    )
    world.tick(0)
    return world


def test_the_first_quiet_tick_after_a_backfill_reads_no_record_and_writes_nothing() -> None:
    world = settled()
    reads, writes, saves = world.store.reads, len(world.store.writes), world.cursors.saves

    world.tick(5)
    world.tick(10)

    assert world.store.reads == reads
    assert len(world.store.writes) == writes
    assert world.cursors.saves == saves


def newest(world: World) -> SyncJob:
    return world.kendra.jobs[DS.key]["newest"]


@pytest.mark.parametrize(
    "change",
    [
        lambda j: replace(j, documents={**j.documents, "documentsFailed": 3}),
        lambda j: replace(j, error_code="InternalError"),
        lambda j: replace(j, error_message="the connector gave up"),
        lambda j: replace(j, end_time="2026-11-22T11:31:00Z"),
        lambda j: replace(j, status="INCOMPLETE"),
    ],
    ids=["a count", "an error code", "an error message", "an end time", "a status"],
)
def test_a_job_that_changed_in_any_attribute_is_compared_and_written(change) -> None:  # type: ignore[no-untyped-def]
    world = settled()
    world.tick(5)
    world.kendra.put(change(newest(world)))

    world.tick(10)

    record = world.store.records[(DS.key, "newest")]
    assert record == {**record, **change(newest(world)).observed()}
    assert record["revision"] == 2


def test_a_new_job_in_the_window_is_recorded() -> None:
    world = settled()
    world.tick(5)
    world.kendra.put(job("SUCCEEDED", "next", start="2026-11-22T12:01:00Z", source=DS))

    world.tick(10)

    assert (DS.key, "next") in world.store.records


def test_a_renamed_data_source_has_its_records_renamed() -> None:
    world = settled()
    world.tick(5)
    renamed = DataSourceRef("kendra", KENDRA_INDEX, "ds-1", data_source_name="Public website")
    world.kendra.jobs[DS.key] = {
        execution: replace(j, source=renamed) for execution, j in world.kendra.jobs[DS.key].items()
    }

    world.tick(10, source=renamed)

    assert world.store.records[(DS.key, "newest")]["dataSourceName"] == "Public website"


def test_an_open_job_is_compared_on_every_tick() -> None:
    world = settled()
    world.kendra.put(job("SYNCING", "running", start="2026-11-22T12:01:00Z", source=DS))
    world.tick(5)
    reads = world.store.reads

    world.tick(10)
    world.tick(15)

    assert world.store.reads == reads + 2


def test_with_self_healing_the_records_are_always_read() -> None:
    world = settled(SourcePolicy(self_healing=SelfHealing()))
    reads = world.store.reads

    world.tick(5)

    assert world.store.reads == reads + 1


def test_a_read_cut_short_by_the_deadline_keeps_the_old_fingerprint() -> None:
    world = settled()
    before = world.cursors.fingerprints[DS.key]
    world.kendra.put(job("SUCCEEDED", "next", start="2026-11-22T12:01:00Z", source=DS))
    calls = iter([1.0, 0.0])  # time runs out after the first page
    report = Poller(
        apis={"kendra": world.kendra},
        jobs=world.store,
        cursors=world.cursors,
        lookback_days=30,
        clock=lambda: at(12, 5),
        time_left=lambda: next(calls, 0.0),
        error_code_of=error_code_of,
    ).run([DS])

    assert report.results[0].outcome == "partial"
    assert world.cursors.fingerprints[DS.key] == before
