"""SNS unavailable when a failure lands: the change is committed and streamed, the stream retries
the record, and the alert goes out once SNS is back, exactly once. An outage longer than the
stream's retries parks the record in the on-failure destination: no alert, nothing duplicated,
and a redrive announces it once."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from devkit.lambda_context import LocalContext
from devkit.loopback import Loopback
from sync_auditor.handlers import notifier
from tests.faults.support import (
    Outage,
    connection_refused,
    kendra_key,
    minutes_ago,
    new_id,
    status_alerts,
    tick,
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


def test_an_outage_shorter_than_the_stream_retries_delivers_the_alert_once(lb: Loopback) -> None:
    key = audited_source(lb)
    fail(lb, key, "run-1")
    lb.poll()  # the change is in the table and on the stream

    # SNS refuses the first two publishes; the stream source tries a batch three times
    with Outage("sns", "Publish", connection_refused, times=2) as outage:
        pump = lb.notify()

    assert outage.failed == 2
    assert pump.invocations == 3 and pump.failed_to_destination == []
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}
    # and nothing is announced again by later ticks
    later = tick(lb)
    assert later.total("JobsWritten") == 0
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}


def test_a_blip_within_botocores_retries_never_fails_the_record(lb: Loopback) -> None:
    key = audited_source(lb, max_attempts=5)
    fail(lb, key, "run-1", "INCOMPLETE")
    lb.poll()

    with Outage("sns", "Publish", connection_refused, times=1) as outage:
        pump = lb.notify()

    assert outage.failed == 1
    assert pump.invocations == 1 and pump.failed_to_destination == []
    assert status_alerts(lb, [key]) == {(key, "run-1", "INCOMPLETE"): 1}


def test_one_record_failing_in_a_batch_does_not_repeat_the_others_alerts(lb: Loopback) -> None:
    key = audited_source(lb)
    for n in range(1, 5):
        fail(lb, key, f"run-{n}", "FAILED" if n % 2 else "INCOMPLETE")
    lb.poll()

    def publishes_run_2(request: object) -> bool:
        raw = getattr(request, "body", b"")
        form = parse_qs(raw.decode() if isinstance(raw, bytes) else raw)
        body = json.loads(json.loads(form["Message"][0])["sqs"])
        return bool(body["executionId"] == "run-2")

    # The stream retries from the failed record on, so records after it come again
    with Outage("sns", "Publish", connection_refused, matches=publishes_run_2, times=2) as outage:
        pump = lb.notify()

    assert outage.failed == 2 and pump.failed_to_destination == []
    assert status_alerts(lb, [key]) == {
        (key, "run-1", "FAILED"): 1,
        (key, "run-2", "INCOMPLETE"): 1,
        (key, "run-3", "FAILED"): 1,
        (key, "run-4", "INCOMPLETE"): 1,
    }


def test_an_outage_longer_than_the_retries_parks_the_record_and_duplicates_nothing(
    lb: Loopback,
) -> None:
    key = audited_source(lb)
    fail(lb, key, "run-1")
    lb.poll()

    with Outage("sns", "Publish", connection_refused) as outage:
        pump = lb.notify()

    # Then the record went to the on-failure destination (the DLQ, alarmed) and nothing out
    assert outage.failed == 3
    (parked,) = pump.failed_to_destination
    assert parked["dynamodb"]["Keys"]["executionId"] == {"S": "run-1"}
    assert status_alerts(lb, [key]) == {}

    # SNS is back: polling does not re-announce it (the record did not change)...
    later = tick(lb)
    assert later.total("JobsWritten") == 0
    assert status_alerts(lb, [key]) == {}

    # ...and redriving the parked record (the DLQ names its place in the stream, which keeps it
    # 24 hours) announces it once, however often it is redriven
    for _ in range(2):
        response = notifier.handler({"Records": [parked]}, LocalContext(function_name="notifier"))
        assert response["batchItemFailures"] == []
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}
