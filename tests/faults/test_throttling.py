"""Throttling storms and a request quota: botocore's retries absorb a short storm, a longer one
costs the data sources it hit one tick (reported, cursors kept, caught up next tick, each
failure announced once), and a poller paced under the quota is not throttled at all."""

from __future__ import annotations

from devkit.loopback import Loopback
from sync_auditor.adapters.clients import RequestPacer
from tests.faults.support import kendra_key, minutes_ago, new_id, status_alerts, tick


def failing_sources(lb: Loopback, count: int, **settings: object) -> list[str]:
    """`count` backfilled Kendra data sources, each with a new failed job since."""
    index = new_id()
    names = [f"ds-{n:02d}" for n in range(count)]
    keys = [kendra_key(index, name) for name in names]
    for key in keys:
        lb.simulator.add_data_source(key)
    lb.configure({"kendra": [{"indexId": index, "dataSourceIds": names}]}, **settings)
    tick(lb)
    for key in keys:
        lb.simulator.put_job(key, "run", "FAILED", minutes_ago(9), minutes_ago(1))
    return keys


def test_a_short_storm_is_absorbed_by_botocores_retries(lb: Loopback) -> None:
    keys = failing_sources(lb, 6, MAX_REQUESTS_PER_SECOND=1000)
    lb.simulator.reset_stats()
    lb.simulator.throttle_next(8)

    result = tick(lb)

    assert lb.simulator.stats()["throttled"] == 8
    assert result.total("PollErrors") == 0 and result.total("DataSourcesPolled") == 6
    assert status_alerts(lb, keys) == {(key, "run", "FAILED"): 1 for key in keys}


def test_a_storm_past_the_retries_costs_one_tick_and_no_announcement_twice(
    lb: Loopback,
) -> None:
    # One attempt per call: every throttled request is a data source lost for the tick
    keys = failing_sources(lb, 8, MAX_ATTEMPTS=1, MAX_REQUESTS_PER_SECOND=1000)
    lb.simulator.throttle_next(5)

    storm = tick(lb)

    assert (storm.total("PollErrors"), storm.total("DataSourcesPolled")) == (5, 3)
    assert sum(status_alerts(lb, keys).values()) == 3

    after = tick(lb)

    assert after.total("PollErrors") == 0
    assert status_alerts(lb, keys) == {(key, "run", "FAILED"): 1 for key in keys}


def test_a_poller_paced_under_the_quota_is_never_throttled(lb: Loopback) -> None:
    keys = failing_sources(lb, 20, MAX_REQUESTS_PER_SECOND=15)
    lb.simulator.rate_limit(20)  # a bucket of 20 a second across all requests
    lb.simulator.reset_stats()

    result = tick(lb)

    assert lb.simulator.stats()["throttled"] == 0
    assert result.total("DataSourcesPolled") == 20
    assert status_alerts(lb, keys) == {(key, "run", "FAILED"): 1 for key in keys}


def test_the_pacer_spaces_requests_without_bursts() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    pacer = RequestPacer(10, clock=lambda: now[0], sleep=sleep)

    # Five requests at once: the first goes, each next one waits a tenth of a second more
    delays = [round(pacer.wait(), 6) for _ in range(5)]
    assert delays == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert waits == [0.1, 0.2, 0.3, 0.4]
    # After a quiet spell nothing has been saved up: one goes at once, the next waits again
    now[0] = 200.0
    assert [round(pacer.wait(), 6) for _ in range(2)] == [0.0, 0.1]
