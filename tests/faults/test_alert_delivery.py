"""SNS unavailable when a failure lands: the change is committed and streamed, the alert is
recorded in the outbox before its publish, and when SNS refuses it the alert waits there (the
stream record is done, no retry budget is spent). The sweep delivers it once SNS is back, however
long the outage, exactly once; the one at-least-once window is a crash between a publish SNS
accepted and marking it sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from devkit.lambda_context import LocalContext
from devkit.loopback import STATE_TABLE, Loopback
from sync_auditor.adapters.outbox_table import OutboxTable
from sync_auditor.handlers import notifier
from sync_auditor.notify import publish_pending
from sync_auditor.outbox import LEASE
from sync_auditor.settings import NotifierSettings
from tests.faults.support import (
    Outage,
    connection_refused,
    dynamodb_error,
    kendra_key,
    minutes_ago,
    new_id,
    status_alerts,
    tick,
    update_item_setting,
)


def audited_source(lb: Loopback, *, max_attempts: int = 1) -> str:
    """A fresh Kendra data source, configured and backfilled (empty), so its jobs can alert."""
    index = new_id()
    key = kendra_key(index, "web")
    lb.simulator.add_data_source(key)
    # One attempt per call by default: botocore's own retries would only stretch an outage
    # out in wall time (backoff); the retries under test here are the stream's.
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": ["web"]}]}, MAX_ATTEMPTS=max_attempts
    )
    tick(lb)
    return key


def fail(lb: Loopback, key: str, execution_id: str, status: str = "FAILED") -> None:
    lb.simulator.put_job(
        key, execution_id, status, minutes_ago(10), minutes_ago(1), error_code="InternalError"
    )


def pending_alerts(lb: Loopback) -> list[dict[str, Any]]:
    """The outbox entries still pending (the sparse index the sweep reads)."""
    response = lb.client("dynamodb").query(
        TableName=STATE_TABLE,
        IndexName="pendingAlerts",
        KeyConditionExpression="pendingAlert = :p",
        ExpressionAttributeValues={":p": {"S": "PENDING"}},
    )
    return list(response["Items"])


def test_an_outage_longer_than_the_stream_retries_ends_in_exactly_one_alert(lb: Loopback) -> None:
    key = audited_source(lb)
    fail(lb, key, "run-1")
    lb.poll()  # the change is in the table and on the stream

    # Given SNS down for longer than the stream mapping would ever retry
    with Outage("sns", "Publish", connection_refused) as outage:
        pump = lb.notify()
        sweeps = [lb.sweep() for _ in range(4)]
        later = tick(lb)

    # Then the stream record is done (nothing parked), and the alert waits in the outbox
    assert pump.failed_to_destination == [] and pump.invocations == 1
    assert outage.failed == 1 + 4
    assert [sweep["pending"] for sweep in sweeps] == [{"kendra": 1}] * 4
    assert later.total("JobsWritten") == 0
    assert status_alerts(lb, [key]) == {}
    (entry,) = pending_alerts(lb)
    assert entry["lastErrorCode"]["S"] == "EndpointConnectionError"

    # When SNS is back, the next sweep delivers it, once, without anyone acting
    assert lb.sweep() == {"sent": 1, "failed": 0, "pending": {}}
    assert lb.sweep()["sent"] == 0
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}
    assert pending_alerts(lb) == []


def test_a_blip_within_botocores_retries_never_leaves_the_alert_pending(lb: Loopback) -> None:
    key = audited_source(lb, max_attempts=5)
    fail(lb, key, "run-1", "INCOMPLETE")
    lb.poll()

    with Outage("sns", "Publish", connection_refused, times=1) as outage:
        pump = lb.notify()

    assert outage.failed == 1
    assert pump.invocations == 1 and pump.failed_to_destination == []
    assert status_alerts(lb, [key]) == {(key, "run-1", "INCOMPLETE"): 1}
    assert pending_alerts(lb) == []


def test_one_refused_publish_in_a_batch_repeats_none_of_the_others(lb: Loopback) -> None:
    key = audited_source(lb)
    for n in range(1, 5):
        fail(lb, key, f"run-{n}", "FAILED" if n % 2 else "INCOMPLETE")
    lb.poll()

    def publishes_run_2(request: object) -> bool:
        raw = getattr(request, "body", b"")
        form = parse_qs(raw.decode() if isinstance(raw, bytes) else raw)
        body = json.loads(json.loads(form["Message"][0])["sqs"])
        return bool(body["executionId"] == "run-2")

    with Outage("sns", "Publish", connection_refused, matches=publishes_run_2, times=1) as outage:
        pump = lb.notify()

    assert outage.failed == 1 and pump.failed_to_destination == [] and pump.invocations == 1
    assert (key, "run-2", "INCOMPLETE") not in status_alerts(lb, [key])
    lb.sweep()
    assert status_alerts(lb, [key]) == {
        (key, "run-1", "FAILED"): 1,
        (key, "run-2", "INCOMPLETE"): 1,
        (key, "run-3", "FAILED"): 1,
        (key, "run-4", "INCOMPLETE"): 1,
    }


def test_a_redelivered_batch_announces_nothing_twice(lb: Loopback) -> None:
    key = audited_source(lb)
    fail(lb, key, "run-1")
    lb.poll()
    lb.notify()
    (record,) = [
        r
        for r in lb.stream_records()
        if r["dynamodb"]["Keys"] == {"dataSourceKey": {"S": key}, "executionId": {"S": "run-1"}}
        and r["eventName"] == "INSERT"
    ]

    # Lambda delivers the same stream record again (a retried batch, a redrive)
    for _ in range(2):
        response = notifier.handler({"Records": [record]}, LocalContext(function_name="notifier"))
        assert response["batchItemFailures"] == []

    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}


def test_a_crash_between_the_publish_and_marking_it_sent_is_the_one_repeat(lb: Loopback) -> None:
    key = audited_source(lb)
    fail(lb, key, "run-1")
    lb.poll()

    # Given SNS accepting the publish, and the outbox write that marks it sent failing
    marking_sent = update_item_setting(STATE_TABLE, "sentAt")
    with Outage(
        "dynamodb", "UpdateItem", dynamodb_error("InternalServerError"), matches=marking_sent
    ):
        lb.notify()
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}

    # Then the stream's retries do not publish it again (the entry exists, leased) ...
    lb.notify()
    assert lb.sweep()["sent"] == 0
    # ... but once the lease is over the sweep cannot tell it went out: it goes again, once
    after_lease = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    store = OutboxTable(STATE_TABLE)
    settings = NotifierSettings.from_env()
    assert publish_pending(settings, store=store, clock=lambda: after_lease)["sent"] == 1
    assert publish_pending(settings, store=store, clock=lambda: after_lease)["sent"] == 0
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 2}
