"""The loopback's emulation of Lambda's SQS event source mapping on a moto FIFO queue: bounded
concurrency, a message group never in two invocations, a failed batch retried, then in the DLQ."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devkit.esm import SqsEventSourceMapping, create_fanout_queues

MAX_RECEIVE_COUNT = 3


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def send(sqs: Any, queue_url: str, group: str, body: str) -> None:
    sqs.send_message(
        QueueUrl=queue_url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body
    )


class Running:
    """How many handler invocations run at once, and the most seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


def test_never_more_than_max_concurrency_invocations_at_once(sqs: Any) -> None:
    # Given 9 batches in 9 groups and a mapping of MaximumConcurrency 3
    queue_url, _ = create_fanout_queues(sqs, "fanout", MAX_RECEIVE_COUNT)
    for n in range(9):
        send(sqs, queue_url, f"shard-{n}", f"batch-{n}")
    running = Running()
    # Each invocation waits for two others: 3 at a time must be reached, and a 4th would show
    together = threading.Barrier(3, timeout=30)
    seen: list[str] = []

    def handler(event: dict[str, Any]) -> None:
        with running:
            seen.extend(r["body"] for r in event["Records"])
            together.wait()

    report = SqsEventSourceMapping(sqs, queue_url, handler, max_concurrency=3).drain()
    # Then all 9 ran, never more than 3 at once
    assert sorted(seen) == [f"batch-{n}" for n in range(9)]
    assert running.peak == 3 == report.peak_concurrency
    assert report.deleted == 9 and report.failed_invocations == 0


def test_two_ticks_of_one_group_never_run_at_once(sqs: Any) -> None:
    # Given shard-0's batches of two ticks queued, and other shards' batches
    queue_url, _ = create_fanout_queues(sqs, "fanout", MAX_RECEIVE_COUNT)
    for body, group in (("tick1-shard0", "shard-0"), ("tick2-shard0", "shard-0")):
        send(sqs, queue_url, group, body)
    for n in (1, 2):
        send(sqs, queue_url, f"shard-{n}", f"tick1-shard{n}")
    others_done = threading.Event()
    done: list[str] = []
    active: set[str] = set()
    overlaps: list[str] = []
    lock = threading.Lock()

    def handler(event: dict[str, Any]) -> None:
        (record,) = event["Records"]
        group = record["attributes"]["MessageGroupId"]
        with lock:
            if group in active:
                overlaps.append(record["body"])
            active.add(group)
        if record["body"] == "tick1-shard0":
            # Still running while the mapping takes everything else it can
            others_done.wait(timeout=30)
        with lock:
            active.discard(group)
            done.append(record["body"])
            if {"tick1-shard1", "tick1-shard2"} <= set(done):
                others_done.set()

    report = SqsEventSourceMapping(sqs, queue_url, handler, max_concurrency=4).drain()
    # Then shard-0's second batch ran after its first, never beside it
    assert overlaps == [] and report.group_overlaps == 0
    assert done.index("tick1-shard0") < done.index("tick2-shard0")
    assert report.deleted == 4


def test_a_failing_batch_is_retried_then_moved_to_the_dlq(sqs: Any) -> None:
    queue_url, dlq_url = create_fanout_queues(sqs, "fanout", MAX_RECEIVE_COUNT)
    send(sqs, queue_url, "shard-0", "poison")
    send(sqs, queue_url, "shard-1", "fine")
    attempts: list[str] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        (record,) = event["Records"]
        attempts.append(record["body"])
        if record["body"] == "poison":
            raise RuntimeError("a bug")
        return {"batchItemFailures": []}

    report = SqsEventSourceMapping(sqs, queue_url, handler, max_concurrency=2).drain()
    # Then the failing batch was tried maxReceiveCount times, and waits in the DLQ
    assert attempts.count("poison") == MAX_RECEIVE_COUNT and attempts.count("fine") == 1
    assert report.failed_invocations == MAX_RECEIVE_COUNT
    moved = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in moved] == ["poison"]


def test_the_event_has_lambdas_sqs_shape(sqs: Any) -> None:
    queue_url, _ = create_fanout_queues(sqs, "fanout", MAX_RECEIVE_COUNT)
    send(sqs, queue_url, "shard-7", "body")
    mapping = SqsEventSourceMapping(
        sqs, queue_url, lambda event: None, max_concurrency=2, keep_events=True
    )
    (event,) = mapping.drain().events
    (record,) = event["Records"]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":fanout.fifo")
    assert record["attributes"]["MessageGroupId"] == "shard-7"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "body", "md5OfBody", "awsRegion"} <= set(record)
