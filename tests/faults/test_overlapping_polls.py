"""Two or three polls running at once (a slow tick overlapping the next, a manual run): each
change is committed by exactly one of them and announced once; overlapping first polls
record history once and announce none of it."""

from __future__ import annotations

import threading
from typing import Any

from devkit.loopback import Loopback
from tests.faults.support import (
    kendra_key,
    minutes_ago,
    new_id,
    qbusiness_key,
    records,
    status_alerts,
    tick,
)

ENDINGS = ("FAILED", "INCOMPLETE", "SUCCEEDED", "ABORTED")


def audited_sources(lb: Loopback, per_service: int) -> list[str]:
    index, application, qb_index = new_id(), new_id(), new_id()
    kendra_ids = [f"ds-{n}" for n in range(per_service)]
    qbusiness_ids = [new_id() for _ in range(per_service)]
    lb.configure(
        {
            "kendra": [{"indexId": index, "dataSourceIds": kendra_ids}],
            "qbusiness": [
                {"applicationId": application, "indexId": qb_index, "dataSourceIds": qbusiness_ids}
            ],
        },
        MAX_REQUESTS_PER_SECOND=1000,
    )
    return [kendra_key(index, ds) for ds in kendra_ids] + [
        qbusiness_key(application, qb_index, ds) for ds in qbusiness_ids
    ]


def overlapping_polls(lb: Loopback, count: int) -> list[dict[str, Any]]:
    """`count` polls at once (the simulator's latency keeps them all in flight together)."""
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def poll() -> None:
        try:
            results.append(lb.poll())
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    lb.simulator.latency_seconds = 0.02
    threads = [threading.Thread(target=poll) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lb.simulator.latency_seconds = 0.0
    assert errors == []
    return results


def jobs_written(results: list[dict[str, Any]]) -> int:
    return sum(
        counts["JobsWritten"] for summary in results for counts in summary["services"].values()
    )


def test_three_overlapping_polls_commit_and_announce_each_change_once(lb: Loopback) -> None:
    keys = audited_sources(lb, per_service=6)
    for key in keys:
        lb.simulator.put_job(key, "run", "SYNCING", minutes_ago(20))
    tick(lb)

    # Given every running job ends, and a new job on every other source has already failed
    expected = {}
    for n, key in enumerate(keys):
        ending = ENDINGS[n % len(ENDINGS)]
        lb.simulator.put_job(key, "run", ending, minutes_ago(20), minutes_ago(2))
        if ending in ("FAILED", "INCOMPLETE"):
            expected[(key, "run", ending)] = 1
        if n % 2:
            lb.simulator.put_job(key, "quick", "FAILED", minutes_ago(5), minutes_ago(1))
            expected[(key, "quick", "FAILED")] = 1
    changes = len(keys) + len(keys) // 2

    # When three polls overlap
    results = overlapping_polls(lb, 3)
    lb.notify()

    # Then between them each change was written once, and announced once
    assert jobs_written(results) == changes
    assert status_alerts(lb, keys) == expected
    for key in keys:
        run = records(lb, key)["run"]
        assert [h["status"] for h in run["statusHistory"]] == ["SYNCING", run["status"]]


def test_overlapping_first_polls_record_history_once_and_announce_none(lb: Loopback) -> None:
    keys = audited_sources(lb, per_service=3)
    for key in keys:
        for n, ending in enumerate(ENDINGS):
            lb.simulator.put_job(
                key, f"old-{n}", ending, minutes_ago(200 - 10 * n), minutes_ago(195 - 10 * n)
            )

    results = overlapping_polls(lb, 2)
    lb.notify()

    assert jobs_written(results) == len(keys) * len(ENDINGS)
    assert status_alerts(lb, keys) == {}
    for key in keys:
        stored = records(lb, key)
        assert len(stored) == len(ENDINGS)
        assert all(record["backfilled"] is True for record in stored.values())
        assert all(record["revision"] == 1 for record in stored.values())
