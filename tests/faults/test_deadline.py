"""Slow pages and a poll stopped at its deadline mid-pagination: what was read is committed and
announced once, cursors move only for data sources read to the end, the rest is persisted as
deferred and goes first on the next tick, and nothing is announced twice.

The deadline is counted in pages served, not seconds, so where the poll stops is the same on
every machine; the simulator's latency still makes every page slow.
"""

from __future__ import annotations

from collections.abc import Callable

from devkit.loopback import Loopback
from sync_auditor.handlers import poller
from sync_auditor.settings import PollerSettings
from tests.faults.support import (
    WHOLE_RECORD,
    cursor_of,
    deferred_keys,
    kendra_key,
    minutes_ago,
    new_id,
    records,
    status_alerts,
    tick,
)

LIST_JOBS = "kendra:ListDataSourceSyncJobs"


def page_budget(lb: Loopback, pages: int) -> Callable[[], float]:
    """time_left for a poll that may read `pages` more pages (as if each took the time left)."""
    start = lb.simulator.stats()["calls"].get(LIST_JOBS, 0)
    return lambda: 1.0 if lb.simulator.stats()["calls"].get(LIST_JOBS, 0) - start < pages else 0.0


def poll_within(lb: Loopback, pages: int) -> dict[str, int]:
    summary = poller.run(PollerSettings.from_env(), time_left=page_budget(lb, pages))
    lb.notify()
    return dict(summary["services"]["kendra"])


def test_a_poll_cut_mid_pagination_resumes_and_announces_each_failure_once(lb: Loopback) -> None:
    index = new_id()
    a, b, c = (kendra_key(index, name) for name in ("a-source", "b-source", "c-source"))
    for key in (a, b, c):
        lb.simulator.put_job(key, "old", "SUCCEEDED", minutes_ago(300), minutes_ago(290))
    # One call at a time, in key order (a, b, c), so the budget cuts the same place every run
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["a-source", "b-source", "c-source"]}]},
        MAX_PARALLEL_CALLS=1,
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)  # backfill
    cursors = {key: cursor_of(lb, key) for key in (a, b, c)}

    # Given a failure on a and c, and 35 new jobs on b (4 pages with the old one), every fifth failing
    lb.simulator.put_job(a, "a-1", "FAILED", minutes_ago(60), minutes_ago(50))
    lb.simulator.put_job(c, "c-1", "FAILED", minutes_ago(60), minutes_ago(50))
    b_failures = set()
    for n in range(35):
        status = "FAILED" if n % 5 == 0 else "SUCCEEDED"
        execution = f"b-{n:02d}"
        lb.simulator.put_job(b, execution, status, minutes_ago(200 - n), minutes_ago(199 - n))
        if status == "FAILED":
            b_failures.add(execution)
    lb.simulator.latency_seconds = 0.02

    # When the deadline comes after three pages: a's one, then b's first two
    first = poll_within(lb, pages=3)

    # Then a is done, b is partial and c not started: both deferred, persisted, cursors kept
    assert (first["DataSourcesPolled"], first["DataSourcesDeferred"]) == (1, 2)
    assert deferred_keys(lb) == sorted([b, c])
    assert cursor_of(lb, a) != cursors[a]
    assert (cursor_of(lb, b), cursor_of(lb, c)) == (cursors[b], cursors[c])
    # what b's two pages held is committed whole, and its failures among them announced
    stored = records(lb, b)
    assert len(stored) == 1 + 20
    assert all(WHOLE_RECORD <= set(record) for record in stored.values())
    read_failures = b_failures & set(stored)
    alerts = status_alerts(lb, [a, b, c])
    assert alerts == {
        (a, "a-1", "FAILED"): 1,
        **{(b, execution, "FAILED"): 1 for execution in read_failures},
    }

    # When the next tick is short too: the deferred b (four pages) and c (one) go first, and the
    # deadline comes during a's page (the poll cannot tell a last page from a first one)
    second = poll_within(lb, pages=6)

    assert (second["DataSourcesPolled"], second["DataSourcesDeferred"]) == (2, 1)
    assert deferred_keys(lb) == [a]
    assert len(records(lb, b)) == 36

    # And a full tick leaves nothing deferred; every failure was announced exactly once
    third = poll_within(lb, pages=100)

    assert (third["DataSourcesPolled"], third["DataSourcesDeferred"]) == (3, 0)
    assert deferred_keys(lb) == []
    assert status_alerts(lb, [a, b, c]) == {
        (a, "a-1", "FAILED"): 1,
        (c, "c-1", "FAILED"): 1,
        **{(b, execution, "FAILED"): 1 for execution in b_failures},
    }
