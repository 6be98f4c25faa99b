"""DynamoDB refusing the poller's writes: the data source is reported as an error, its cursor
stays, no record is half-written, nothing is announced for what was not written, and the
next tick completes and announces each change once."""

from __future__ import annotations

import pytest

from devkit.loopback import JOB_TABLE, Loopback
from tests.faults.support import (
    WHOLE_RECORD,
    Outage,
    cursor_of,
    dynamodb_error,
    kendra_key,
    minutes_ago,
    new_id,
    put_item_of,
    records,
    status_alerts,
    tick,
)


def audited_source(lb: Loopback, *, running: bool = False, max_attempts: int = 1) -> str:
    """A Kendra data source with a finished job (and a running one), backfilled."""
    index = new_id()
    key = kendra_key(index, "web")
    lb.simulator.put_job(key, "old", "SUCCEEDED", minutes_ago(120), minutes_ago(100))
    if running:
        lb.simulator.put_job(key, "running", "SYNCING", minutes_ago(30))
    # One attempt: an error botocore would retry surfaces at once instead of after backoff.
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["web"]}]}, MAX_ATTEMPTS=max_attempts
    )
    tick(lb)
    return key


def poll_failures(caplog: pytest.LogCaptureFixture, key: str) -> list[str]:
    """The error codes the poller logged for this data source (structured fields)."""
    return [
        str(getattr(entry, "errorCode", None))
        for entry in caplog.records
        if entry.getMessage() == "data source poll failed"
        and getattr(entry, "dataSourceKey", None) == key
    ]


def test_a_failed_insert_reports_the_source_keeps_its_cursor_and_the_next_tick_completes(
    lb: Loopback, caplog: pytest.LogCaptureFixture
) -> None:
    key = audited_source(lb)
    cursor_before = cursor_of(lb, key)
    lb.simulator.put_job(key, "ok", "SUCCEEDED", minutes_ago(12), minutes_ago(2))
    lb.simulator.put_job(key, "bad", "FAILED", minutes_ago(11), minutes_ago(1))
    lb.simulator.put_job(key, "partly", "INCOMPLETE", minutes_ago(10), minutes_ago(1))
    caplog.clear()

    # When DynamoDB fails the write of one new job record
    bad_put = put_item_of(JOB_TABLE, {"bad"})
    with Outage("dynamodb", "PutItem", dynamodb_error("InternalServerError"), matches=bad_put):
        failed = tick(lb)

    # Then the data source is one poll error, logged with DynamoDB's code
    assert failed.total("PollErrors") == 1
    assert poll_failures(caplog, key) == ["InternalServerError"]
    # its cursor stays, so the next tick reads the same window again
    assert cursor_of(lb, key) == cursor_before
    # and what is stored is whole records only, without the failed one
    stored = records(lb, key)
    assert "bad" not in stored
    assert all(WHOLE_RECORD <= set(record) for record in stored.values())
    assert status_alerts(lb, [key]).get((key, "bad", "FAILED")) is None

    # When DynamoDB is back
    after = tick(lb)

    assert after.total("PollErrors") == 0
    assert {"old", "ok", "bad", "partly"} == set(records(lb, key))
    assert cursor_of(lb, key) != cursor_before
    assert status_alerts(lb, [key]) == {
        (key, "bad", "FAILED"): 1,
        (key, "partly", "INCOMPLETE"): 1,
    }


def test_a_failed_update_leaves_the_previous_revision_intact(lb: Loopback) -> None:
    key = audited_source(lb, running=True)
    before = records(lb, key)["running"]
    lb.simulator.put_job(
        key, "running", "FAILED", minutes_ago(30), minutes_ago(1), error_message="disk full"
    )

    running_put = put_item_of(JOB_TABLE, {"running"})
    with Outage(
        "dynamodb", "PutItem", dynamodb_error("InternalServerError"), matches=running_put
    ) as outage:
        failed = tick(lb)

    assert outage.failed == 1 and failed.total("PollErrors") == 1
    # the record is exactly what it was: not a mix of the old and the new observation
    assert records(lb, key)["running"] == before
    assert status_alerts(lb, [key]) == {}

    tick(lb)
    record = records(lb, key)["running"]
    assert (record["status"], record["errorMessage"]) == ("FAILED", "disk full")
    assert [h["status"] for h in record["statusHistory"]] == ["SYNCING", "FAILED"]
    assert status_alerts(lb, [key]) == {(key, "running", "FAILED"): 1}


def test_a_throttled_write_within_botocores_retries_costs_nothing_but_time(lb: Loopback) -> None:
    key = audited_source(lb, max_attempts=5)
    lb.simulator.put_job(key, "bad", "FAILED", minutes_ago(11), minutes_ago(1))

    with Outage(
        "dynamodb",
        "PutItem",
        dynamodb_error("ProvisionedThroughputExceededException", status=400),
        matches=put_item_of(JOB_TABLE, {"bad"}),
        times=1,
    ) as outage:
        result = tick(lb)

    assert outage.failed == 1 and result.total("PollErrors") == 0
    assert status_alerts(lb, [key]) == {(key, "bad", "FAILED"): 1}
