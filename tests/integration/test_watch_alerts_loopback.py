"""Stuck and recovered alerts end to end: the real poller and notifier on moto + the simulator.

Each fires once in its situation, not again on re-polls, once across overlapping polls, and
never for backfilled history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from tests.integration.support import (
    APP,
    INDEX,
    KENDRA_KEY,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    ago,
    attribute,
    tick_alerts,
)


def targets(kendra_stuck_after: int | None = None) -> dict[str, Any]:
    kendra: dict[str, Any] = {"indexId": INDEX}
    if kendra_stuck_after is not None:
        kendra["stuckAfterMinutes"] = kendra_stuck_after
    return {"kendra": [kendra], "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}]}


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        running.configure(targets(), LOOKBACK_DAYS=30, STUCK_AFTER_MINUTES=60)
        yield running


def tick(lb: Loopback, polls: int = 1) -> list[dict[str, Any]]:
    """One tick (or several overlapping ones); the alerts as (alertType, status, key) dicts."""
    return [
        {name: attribute(alert, name) for name in ("alertType", "status")}
        | {"key": attribute(alert, "dataSourceKey")}
        for alert in tick_alerts(lb, polls)
    ]


def test_a_job_open_past_the_threshold_alerts_stuck_once(lb: Loopback) -> None:
    # Given a Q Business job syncing for two hours, with a one-hour threshold
    lb.simulator.put_job(QB_KEY, "q-long", "SYNCING", ago(120))
    lb.simulator.put_job(KENDRA_KEY, "k-short", "SYNCING", ago(10))

    # Then the first tick reports it stuck, and only it
    assert tick(lb) == [{"alertType": "SYNC_STUCK", "status": "SYNCING", "key": QB_KEY}]
    # And later ticks, while it keeps running and changing, stay quiet
    lb.simulator.put_job(QB_KEY, "q-long", "SYNCING_INDEXING", ago(120))
    assert tick(lb) == []
    assert tick(lb) == []
    # And when it finally fails, that is the usual status alert, not another stuck one
    lb.simulator.put_job(QB_KEY, "q-long", "FAILED", ago(120), ago(1))
    assert [a["alertType"] for a in tick(lb)] == ["SYNC_JOB_STATUS"]


def test_overlapping_polls_mark_a_stuck_job_once(lb: Loopback) -> None:
    # Given a Kendra job two hours in, under a per-target threshold of three hours
    lb.configure(targets(kendra_stuck_after=180))
    lb.simulator.put_job(KENDRA_KEY, "k-long", "SYNCING", ago(120))
    assert tick(lb) == []

    # When the threshold drops to one hour and three polls overlap
    lb.configure(targets(kendra_stuck_after=60))
    alerts = tick(lb, polls=3)

    # Then one stuck alert, from one committed mark
    assert alerts == [{"alertType": "SYNC_STUCK", "status": "SYNCING", "key": KENDRA_KEY}]
    (record,) = [r for r in lb.job_records() if r["executionId"] == "k-long"]
    assert record["stuckAt"] and record["revision"] == 2
    assert tick(lb, polls=2) == []


def test_backfilled_history_is_never_stuck(lb: Loopback) -> None:
    # Jobs that ran for days but had ended before the first poll
    lb.simulator.put_job(KENDRA_KEY, "k-old", "FAILED", ago(5000), ago(100))
    lb.simulator.put_job(QB_KEY, "q-old", "SUCCEEDED", ago(5000), ago(100))
    assert tick(lb) == []
    assert all("stuckAt" not in r for r in lb.job_records())


def test_the_first_success_after_a_failure_sends_one_recovered_notice(lb: Loopback) -> None:
    # Given a job seen running (so not backfilled) that then fails
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SYNCING", ago(40))
    assert tick(lb) == []
    lb.simulator.put_job(KENDRA_KEY, "k-1", "FAILED", ago(40), ago(35))
    assert [a["alertType"] for a in tick(lb)] == ["SYNC_JOB_STATUS"]

    # When the next job succeeds, seen by three overlapping polls
    lb.simulator.put_job(KENDRA_KEY, "k-2", "SUCCEEDED", ago(30), ago(20))
    alerts = tick(lb, polls=3)

    # Then one recovered notice, and nothing more on later ticks or later successes
    assert alerts == [{"alertType": "SYNC_RECOVERED", "status": "SUCCEEDED", "key": KENDRA_KEY}]
    assert tick(lb) == []
    lb.simulator.put_job(KENDRA_KEY, "k-3", "SUCCEEDED", ago(15), ago(10))
    assert tick(lb) == []


def test_recovery_of_q_business_from_incomplete_skips_open_jobs_in_between(lb: Loopback) -> None:
    lb.simulator.put_job(QB_KEY, "q-1", "SYNCING", ago(45))
    tick(lb)
    lb.simulator.put_job(QB_KEY, "q-1", "INCOMPLETE", ago(45), ago(40))
    lb.simulator.put_job(QB_KEY, "q-2", "SYNCING", ago(35))
    tick(lb)

    lb.simulator.put_job(QB_KEY, "q-3", "SUCCEEDED", ago(30), ago(5))
    alerts = tick(lb)

    assert alerts == [{"alertType": "SYNC_RECOVERED", "status": "SUCCEEDED", "key": QB_KEY}]


def test_no_recovered_notice_for_backfilled_history(lb: Loopback) -> None:
    # A failure and a success, both already over at the first poll
    lb.simulator.put_job(KENDRA_KEY, "k-1", "FAILED", ago(300), ago(290))
    lb.simulator.put_job(KENDRA_KEY, "k-2", "SUCCEEDED", ago(200), ago(190))
    lb.simulator.put_job(QB_KEY, "q-1", "FAILED", ago(300), ago(290))
    assert tick(lb) == []
    # And a new success after a backfilled failure answers no alert anyone received
    lb.simulator.put_job(QB_KEY, "q-2", "SUCCEEDED", ago(20), ago(10))
    assert tick(lb) == []


def test_recovery_notices_can_be_turned_off(lb: Loopback) -> None:
    lb.configure(targets(), RECOVERY_NOTICES="false")
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SYNCING", ago(40))
    tick(lb)
    lb.simulator.put_job(KENDRA_KEY, "k-1", "FAILED", ago(40), ago(35))
    tick(lb)
    lb.simulator.put_job(KENDRA_KEY, "k-2", "SUCCEEDED", ago(30), ago(20))
    assert tick(lb) == []
