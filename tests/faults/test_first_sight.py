"""What counts as history: only jobs that had already ended before the auditor first attempted
their data source, found before its first complete read. A data source created later, a first
poll that fails, is cut by the deadline or is deferred, silences nothing that ended after
auditing began; an open job is followed whatever its start time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devkit.loopback import Loopback
from sync_auditor.handlers import poller
from sync_auditor.settings import PollerSettings
from tests.faults.support import (
    Outage,
    kendra_key,
    minutes_ago,
    new_id,
    qbusiness_key,
    records,
    rest_json_error,
    status_alerts,
    tick,
)

DAY = 24 * 60


def ended_now() -> datetime:
    """An end time after the ticks so far: the test's clock does not move between ticks, so a
    job that ends "between two ticks" ends now."""
    return datetime.now(UTC)


def test_a_data_source_created_after_deployment_alerts_on_its_first_failure(
    lb: Loopback,
) -> None:
    # Given a whole index audited since its first tick, with one data source and an old failure
    index = new_id()
    old = kendra_key(index, "old")
    lb.simulator.put_job(old, "old-failure", "FAILED", minutes_ago(3 * DAY), minutes_ago(3 * DAY))
    lb.configure({"kendra": [{"indexId": index}]}, MAX_REQUESTS_PER_SECOND=1000)
    tick(lb)

    # When a connector is added with bad credentials and its first sync fails between two ticks
    new = kendra_key(index, "new")
    lb.simulator.put_job(new, "first-sync", "FAILED", minutes_ago(3), ended_now())
    tick(lb)

    # Then that failure is news: one alert, and the old history stays silent
    assert status_alerts(lb, [old, new]) == {(new, "first-sync", "FAILED"): 1}
    assert records(lb, new)["first-sync"].get("backfilled") is None
    assert records(lb, old)["old-failure"]["backfilled"] is True


def test_a_data_source_whose_listing_was_denied_at_first_alerts_once_it_is_readable(
    lb: Loopback,
) -> None:
    # Given a whole Q Business index whose data sources the role may not list at first
    application, index = new_id(), new_id()
    source = qbusiness_key(application, index, new_id())
    lb.simulator.put_job(source, "ancient", "FAILED", minutes_ago(2 * DAY), minutes_ago(2 * DAY))
    lb.configure(
        {"qbusiness": [{"applicationId": application, "indexId": index}]},
        MAX_REQUESTS_PER_SECOND=1000,
        MAX_ATTEMPTS=1,
    )
    with Outage("qbusiness", "ListDataSources", rest_json_error("AccessDeniedException", 403)):
        assert tick(lb).summary["services"]["qbusiness"]["PollErrors"] == 1

    # When a sync fails while the listing is still refused, and the IAM fix comes later
    lb.simulator.put_job(source, "while-denied", "FAILED", minutes_ago(5), ended_now())
    tick(lb)

    # Then the failure that ended after auditing began alerts; the one before it does not
    assert status_alerts(lb, [source]) == {(source, "while-denied", "FAILED"): 1}


def test_a_first_poll_denied_for_days_silences_nothing_that_ended_meanwhile(
    lb: Loopback,
) -> None:
    # Given a data source whose first poll is refused (access denied until an IAM fix)
    index = new_id()
    key = kendra_key(index, "locked")
    lb.simulator.put_job(key, "before", "FAILED", minutes_ago(3 * DAY), minutes_ago(3 * DAY))
    lb.simulator.deny(key)
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["locked"]}]},
        MAX_REQUESTS_PER_SECOND=1000,
    )
    assert tick(lb).summary["services"]["kendra"]["PollErrors"] == 1

    # When syncs fail while it is still refused, and the fix comes afterwards
    lb.simulator.put_job(key, "meanwhile", "FAILED", minutes_ago(30), ended_now())
    lb.simulator.put_job(key, "incomplete", "INCOMPLETE", minutes_ago(15), ended_now())
    tick(lb)
    lb.simulator.allow(key)
    tick(lb)

    # Then both are announced once, and the failure from before auditing began is history
    assert status_alerts(lb, [key]) == {
        (key, "meanwhile", "FAILED"): 1,
        (key, "incomplete", "INCOMPLETE"): 1,
    }
    assert records(lb, key)["before"]["backfilled"] is True


def test_a_first_poll_deferred_by_the_deadline_silences_nothing_that_ended_after_it(
    lb: Loopback,
) -> None:
    # Given a data source the first tick had no time left for
    index = new_id()
    key = kendra_key(index, "late")
    lb.simulator.put_job(key, "before", "FAILED", minutes_ago(2 * DAY), minutes_ago(2 * DAY))
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["late"]}]}, MAX_REQUESTS_PER_SECOND=1000
    )
    summary = poller.run(PollerSettings.from_env(), time_left=lambda: 0.0)
    assert summary["services"]["kendra"]["DataSourcesDeferred"] == 1

    # When a sync fails before the next tick reads it
    lb.simulator.put_job(key, "after", "FAILED", minutes_ago(5), ended_now())
    tick(lb)

    # Then it alerts, and what ended before the first attempt does not
    assert status_alerts(lb, [key]) == {(key, "after", "FAILED"): 1}


def test_a_job_open_since_before_the_lookback_is_recorded_followed_and_alerts(
    lb: Loopback,
) -> None:
    # Given a sync running for three days, with a one-day lookback and a six-hour stuck threshold
    index = new_id()
    key = kendra_key(index, "slow")
    lb.simulator.put_job(key, "marathon", "SYNCING", minutes_ago(3 * DAY))
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["slow"]}]},
        LOOKBACK_DAYS=1,
        STUCK_AFTER_MINUTES=360,
        MAX_REQUESTS_PER_SECOND=1000,
    )

    # When the first tick runs
    tick(lb)

    # Then the open job is recorded (not as history) and marked stuck
    recorded = records(lb, key)["marathon"]
    assert recorded["status"] == "SYNCING" and recorded.get("backfilled") is None
    assert "stuckAt" in recorded

    # And it is followed to its end, which alerts
    lb.simulator.put_job(key, "marathon", "FAILED", minutes_ago(3 * DAY), minutes_ago(1))
    tick(lb)
    assert records(lb, key)["marathon"]["status"] == "FAILED"
    assert status_alerts(lb, [key]) == {(key, "marathon", "FAILED"): 1}


def test_a_qbusiness_job_still_running_is_seen_whatever_the_end_time_filter_means(
    lb: Loopback,
) -> None:
    # Given a Q Business data source audited since an empty first tick
    application, index = new_id(), new_id()
    key = qbusiness_key(application, index, new_id())
    lb.simulator.add_data_source(key)
    lb.configure(
        {"qbusiness": [{"applicationId": application, "indexId": index}]},
        MAX_REQUESTS_PER_SECOND=1000,
    )
    tick(lb)

    # When a sync starts (no end time yet); the simulator reads endTime as a filter on when a
    # job ended, one meaning the API's documentation leaves open
    lb.simulator.put_job(key, "running", "SYNCING", minutes_ago(2))
    tick(lb)

    # Then it is recorded while it runs, and its failure alerts once
    assert records(lb, key)["running"]["status"] == "SYNCING"
    lb.simulator.put_job(key, "running", "FAILED", minutes_ago(2), minutes_ago(1))
    tick(lb)
    assert status_alerts(lb, [key]) == {(key, "running", "FAILED"): 1}


def test_a_first_read_cut_by_the_deadline_silences_nothing_that_ended_after_it(
    lb: Loopback,
) -> None:
    # Given a data source with three pages of history, whose first read the deadline cuts
    index = new_id()
    key = kendra_key(index, "long-history")
    for n in range(25):
        start = minutes_ago(3 * DAY - n * 60)
        lb.simulator.put_job(key, f"old-{n:02d}", "FAILED", start, start + timedelta(minutes=5))
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["long-history"]}]},
        MAX_REQUESTS_PER_SECOND=1000,
    )
    pages_left = iter([1.0, 0.0])  # one page, then the deadline
    summary = poller.run(PollerSettings.from_env(), time_left=lambda: next(pages_left, 0.0))
    lb.notify()
    assert summary["services"]["kendra"]["DataSourcesDeferred"] == 1  # partial

    # When a sync fails before the next tick finishes the read
    lb.simulator.put_job(key, "after", "FAILED", minutes_ago(5), ended_now())
    tick(lb)

    # Then that failure alerts, and none of the history does
    assert status_alerts(lb, [key]) == {(key, "after", "FAILED"): 1}
    assert len(records(lb, key)) == 26
