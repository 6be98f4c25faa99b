"""Data sources deleted or locked away mid-run: the one that vanished is reported (and keeps its
recorded history), the others are polled and announced as usual, and a data source that comes
back is caught up with each change announced once."""

from __future__ import annotations

import json
from typing import Any

from devkit.loopback import Loopback
from sync_auditor.adapters import clients
from tests.faults.support import (
    kendra_key,
    minutes_ago,
    new_id,
    qbusiness_key,
    records,
    settle_clients,
    status_alerts,
    tick,
)


def test_a_data_source_deleted_between_its_pages_does_not_stop_the_others(lb: Loopback) -> None:
    index = new_id()
    names = ["doomed", "steady-1", "steady-2"]
    doomed, *steady = (kendra_key(index, name) for name in names)
    for key in (doomed, *steady):
        lb.simulator.put_job(key, "old", "SUCCEEDED", minutes_ago(300), minutes_ago(290))
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": names}]}, MAX_REQUESTS_PER_SECOND=1000
    )
    tick(lb)
    for n in range(15):  # two pages for the doomed one
        lb.simulator.put_job(doomed, f"d-{n}", "FAILED", minutes_ago(100 - n), minutes_ago(99 - n))
    for key in steady:
        lb.simulator.put_job(key, "s-1", "FAILED", minutes_ago(20), minutes_ago(10))

    def delete_before_second_page(request: Any, **_: Any) -> None:
        body = json.loads(request.body)
        if body["Id"] == "doomed" and "NextToken" in body:
            lb.simulator.delete_data_source(doomed)

    settle_clients()
    kendra = clients.client("kendra")
    kendra.meta.events.register(
        "before-send.kendra.ListDataSourceSyncJobs", delete_before_second_page
    )
    try:
        result = tick(lb)
    finally:
        kendra.meta.events.unregister(
            "before-send.kendra.ListDataSourceSyncJobs", delete_before_second_page
        )

    kendra_counts = result.summary["services"]["kendra"]
    assert (kendra_counts["PollErrors"], kendra_counts["DataSourcesPolled"]) == (1, 2)
    assert set(records(lb, doomed)) >= {"old"}  # the audit history stays
    assert status_alerts(lb, [doomed, *steady]) == {(key, "s-1", "FAILED"): 1 for key in steady}
    # and while it stays configured, every tick reports it, and only it
    assert tick(lb).summary["services"]["kendra"]["PollErrors"] == 1


def test_a_deleted_data_source_found_by_discovery_just_drops_out(lb: Loopback) -> None:
    application, index = new_id(), new_id()
    gone, kept = (qbusiness_key(application, index, new_id()) for _ in range(2))
    for key in (gone, kept):
        lb.simulator.put_job(key, "old", "SUCCEEDED", minutes_ago(300), minutes_ago(290))
    lb.configure(
        {"qbusiness": [{"applicationId": application, "indexId": index}]},
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)

    lb.simulator.delete_data_source(gone)
    lb.simulator.put_job(kept, "k-1", "INCOMPLETE", minutes_ago(20), minutes_ago(10))
    result = tick(lb)

    counts = result.summary["services"]["qbusiness"]
    assert (counts["PollErrors"], counts["DataSourcesPolled"]) == (0, 1)
    assert set(records(lb, gone)) == {"old"}
    assert status_alerts(lb, [gone, kept]) == {(kept, "k-1", "INCOMPLETE"): 1}


def test_access_denied_for_a_while_then_the_missed_failure_is_announced_once(
    lb: Loopback,
) -> None:
    index = new_id()
    locked, other = kendra_key(index, "locked"), kendra_key(index, "other")
    for key in (locked, other):
        lb.simulator.put_job(key, "run", "SYNCING", minutes_ago(60))
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["locked", "other"]}]},
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)

    # While the role may not read it (a policy edit gone wrong), its job fails
    lb.simulator.deny(locked)
    for key in (locked, other):
        lb.simulator.put_job(key, "run", "FAILED", minutes_ago(60), minutes_ago(5))
    denied = [tick(lb) for _ in range(2)]

    assert [t.summary["services"]["kendra"]["PollErrors"] for t in denied] == [1, 1]
    assert records(lb, locked)["run"]["status"] == "SYNCING"
    assert status_alerts(lb, [locked, other]) == {(other, "run", "FAILED"): 1}

    lb.simulator.allow(locked)
    tick(lb)
    tick(lb)

    assert status_alerts(lb, [locked, other]) == {
        (locked, "run", "FAILED"): 1,
        (other, "run", "FAILED"): 1,
    }
