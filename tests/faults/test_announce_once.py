"""One message per subscriber per job event, end to end: a failed job is one publish to the alert
topic (the alarms go elsewhere), an execution whose status flips back is announced once per
status, and a recovery that starts in the same second as the failure it follows is announced."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from devkit.loopback import ALERT_EMAIL, Loopback
from tests.faults.support import kendra_key, minutes_ago, new_id, status_alerts, tick


def audited(lb: Loopback, name: str) -> str:
    index = new_id()
    key = kendra_key(index, name)
    lb.simulator.add_data_source(key)
    lb.configure(
        {"kendra": [{"indexId": index, "dataSourceIds": [name]}]}, MAX_REQUESTS_PER_SECOND=1000
    )
    tick(lb)
    return key


def published_for(lb: Loopback, key: str) -> list[dict[str, object]]:
    return [
        p
        for p in lb.published()
        if p["attributes"]["dataSourceKey"]["Value"] == key  # type: ignore[index]
    ]


def test_an_email_subscriber_gets_one_message_for_one_failed_job(lb: Loopback) -> None:
    # Given an email subscription on the alert topic, and a job that fails
    assert any(
        s["Protocol"] == "email" and s["Endpoint"] == ALERT_EMAIL
        for s in lb.client("sns").list_subscriptions_by_topic(TopicArn=lb.topic_arn)[
            "Subscriptions"
        ]
    )
    key = audited(lb, "mail")
    lb.simulator.put_job(key, "run-1", "FAILED", minutes_ago(5), datetime.now(UTC))

    # When ticks and sweeps come and go
    for _ in range(3):
        tick(lb)
        lb.sweep()

    # Then the topic carried exactly one message about it: the formatted alert, with an email body
    (message,) = published_for(lb, key)
    # (named by its DescribeDataSource: the simulator calls data source "mail" "ds-mail")
    assert message["subject"] == "Amazon Kendra sync FAILED: ds-mail"
    assert "Status:" in json.loads(str(message["message"]))["email"]


def test_a_status_flipping_back_is_announced_once_per_status(lb: Loopback) -> None:
    key = audited(lb, "flip")
    start, end = minutes_ago(10), datetime.now(UTC)
    # Given an eventually consistent API: FAILED, then SUCCEEDED, then FAILED again
    for status in ("FAILED", "SUCCEEDED", "FAILED"):
        lb.simulator.put_job(key, "run-1", status, start, end, error_code="InternalError")
        tick(lb)

    # Then FAILED was announced once
    assert status_alerts(lb, [key]) == {(key, "run-1", "FAILED"): 1}


def test_a_recovery_starting_in_the_same_second_as_the_failure_is_announced(
    lb: Loopback,
) -> None:
    key = audited(lb, "same-second")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    # Given a failure, and then a success that the API stamps with the same start second
    lb.simulator.put_job(key, "failed", "FAILED", start, start + timedelta(seconds=20))
    tick(lb)
    lb.simulator.put_job(key, "retry", "SUCCEEDED", start, start + timedelta(minutes=2))
    tick(lb)

    # Then the success is the failure's recovery
    recovered = [
        p
        for p in published_for(lb, key)
        if p["attributes"]["alertType"]["Value"] == "SYNC_RECOVERED"  # type: ignore[index]
    ]
    assert len(recovered) == 1
    assert "failed" in json.loads(json.loads(str(recovered[0]["message"]))["sqs"])["notes"][0]
