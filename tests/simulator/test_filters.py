"""Time and status filters: Kendra's StartTimeFilter/StatusFilter select on the job's start time
(as documented); Q Business's startTime on its start, and its endTime, documented only as "the
end time of the data source connector sync", on when the job ended, so an open job drops out:
the reading that would hurt a client relying on it. statusFilter travels as `syncStatus`."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.simulator import Simulator
from tests.simulator.support import KENDRA_KEY, QB_KEY, hours_ago, kendra_jobs, qbusiness_jobs


@pytest.fixture
def history(sim: Simulator) -> Simulator:
    for key in (KENDRA_KEY, QB_KEY):
        sim.put_job(key, "old-ok", "SUCCEEDED", hours_ago(48), hours_ago(47))
        sim.put_job(key, "mid-failed", "FAILED", hours_ago(10), hours_ago(9))
        sim.put_job(key, "new-failed", "FAILED", hours_ago(2), hours_ago(1))
        sim.put_job(key, "running", "SYNCING", hours_ago(0.5))
        sim.put_job(key, "never-started", "SYNCING", None)
    return sim


def kendra_ids(kendra: Any, **params: Any) -> set[str]:
    return {job["ExecutionId"] for job in kendra_jobs(kendra, **params)["History"]}


def qbusiness_ids(qbusiness: Any, **params: Any) -> set[str]:
    return {job["executionId"] for job in qbusiness_jobs(qbusiness, **params)["history"]}


def test_without_filters_every_job_is_listed_even_without_start_time(
    history: Simulator, kendra: Any, qbusiness: Any
) -> None:
    everything = {"old-ok", "mid-failed", "new-failed", "running", "never-started"}
    assert kendra_ids(kendra) == everything
    assert qbusiness_ids(qbusiness) == everything


def test_kendra_start_time_filter_selects_on_start_time(history: Simulator, kendra: Any) -> None:
    window = {"StartTime": hours_ago(12), "EndTime": hours_ago(1)}
    assert kendra_ids(kendra, StartTimeFilter=window) == {"mid-failed", "new-failed"}
    assert kendra_ids(kendra, StartTimeFilter={"StartTime": hours_ago(3)}) == {
        "new-failed",
        "running",
    }
    assert kendra_ids(kendra, StartTimeFilter={"EndTime": hours_ago(24)}) == {"old-ok"}


def test_qbusiness_start_time_selects_on_start_and_end_time_on_end(
    history: Simulator, qbusiness: Any
) -> None:
    assert qbusiness_ids(qbusiness, startTime=hours_ago(3)) == {"new-failed", "running"}
    # endTime bounds the end: the job still running (no end) drops out of every such window
    assert qbusiness_ids(qbusiness, startTime=hours_ago(12), endTime=hours_ago(0)) == {
        "mid-failed",
        "new-failed",
    }
    assert qbusiness_ids(qbusiness, endTime=hours_ago(24)) == {"old-ok"}


def test_window_bounds_are_inclusive(history: Simulator, kendra: Any, qbusiness: Any) -> None:
    exact = {"StartTime": hours_ago(2), "EndTime": hours_ago(2)}
    assert kendra_ids(kendra, StartTimeFilter=exact) == {"new-failed"}
    assert qbusiness_ids(qbusiness, startTime=hours_ago(2), endTime=hours_ago(1)) == {"new-failed"}


def test_status_filters(history: Simulator, kendra: Any, qbusiness: Any) -> None:
    assert kendra_ids(kendra, StatusFilter="FAILED") == {"mid-failed", "new-failed"}
    assert qbusiness_ids(qbusiness, statusFilter="SYNCING") == {"running", "never-started"}
    assert kendra_ids(
        kendra, StatusFilter="FAILED", StartTimeFilter={"StartTime": hours_ago(5)}
    ) == {"new-failed"}
    assert qbusiness_ids(qbusiness, statusFilter="ABORTED") == set()
