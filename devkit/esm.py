"""Lambda's SQS event source mapping, emulated on a (moto) FIFO queue for the loopback.

What it does as Lambda does: receives from the queue, never hands out a message group that is
in flight, invokes the handler with the real SQS event shape from at most MaximumConcurrency
threads, deletes what succeeded, leaves what failed (an exception, or its
`batchItemFailures`) for SQS to deliver again, and so lets the queue's redrive policy move a
message to its DLQ after maxReceiveCount receives.

One liberty, so that tests need no sleeps: a failed message's visibility timeout is expired at
once (ChangeMessageVisibility 0) instead of waited out.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from devkit.loopback import REGION

Invoke = Callable[[dict[str, Any]], Any]
# SQS's own cap on one ReceiveMessage.
_RECEIVE_MAX = 10


@dataclass
class MappingReport:
    invocations: int = 0
    failed_invocations: int = 0
    deleted: int = 0
    retried: int = 0
    peak_concurrency: int = 0
    # A group handed out while one of its messages was in flight (must stay 0).
    group_overlaps: int = 0
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)


class SqsEventSourceMapping:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        invoke: Invoke,
        *,
        max_concurrency: int,
        batch_size: int = 1,
        visibility_timeout: int = 1800,
        keep_events: bool = False,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.invoke = invoke
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size
        self.visibility_timeout = visibility_timeout
        self.keep_events = keep_events
        self._lock = threading.Lock()
        self._running = 0

    def drain(self) -> MappingReport:
        """Deliver until the queue holds nothing receivable and nothing is in flight."""
        report = MappingReport()
        in_flight: dict[Future[Any], list[dict[str, Any]]] = {}
        groups: set[str] = set()
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            while True:
                received = self._receive(self.max_concurrency - len(in_flight), groups, report)
                for batch in received:
                    groups.add(_group(batch[0]))
                    event = self._event(batch)
                    if self.keep_events:
                        report.events.append(event)
                    report.invocations += 1
                    in_flight[pool.submit(self._call, event, report)] = batch
                if not in_flight:
                    if not received:
                        return report
                    continue
                # Nothing to take until an invocation ends (its group then frees): wait for one.
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for future in done:
                    batch = in_flight.pop(future)
                    groups.discard(_group(batch[0]))
                    self._settle(batch, future, report)

    def _receive(
        self, free: int, groups: set[str], report: MappingReport
    ) -> list[list[dict[str, Any]]]:
        if free <= 0:
            return []
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(_RECEIVE_MAX, free * self.batch_size),
            VisibilityTimeout=self.visibility_timeout,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        batches: dict[str, list[dict[str, Any]]] = {}
        for message in response.get("Messages", []):
            group = _group(message)
            if group in groups:
                # SQS would not hand it out; give it back, and count the breach.
                report.group_overlaps += 1
                self._release(message)
                continue
            batch = batches.setdefault(group, [])
            if len(batches) > free or len(batch) == self.batch_size:
                self._release(message)  # beyond the concurrency: left for a later receive
                continue
            batch.append(message)
        return [batch for batch in batches.values() if batch]

    def _call(self, event: dict[str, Any], report: MappingReport) -> Any:
        with self._lock:
            self._running += 1
            report.peak_concurrency = max(report.peak_concurrency, self._running)
        try:
            return self.invoke(event)
        finally:
            with self._lock:
                self._running -= 1

    def _settle(
        self, batch: list[dict[str, Any]], future: Future[Any], report: MappingReport
    ) -> None:
        error = future.exception()
        if error is not None:
            report.failed_invocations += 1
            failed = {m["MessageId"] for m in batch}
        else:
            result = future.result() or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in batch:
            if message["MessageId"] in failed:
                report.retried += 1
                self._release(message)
            else:
                report.deleted += 1
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )

    def _release(self, message: dict[str, Any]) -> None:
        self.sqs.change_message_visibility(
            QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

    def _event(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        """The event Lambda sends a function for these messages."""
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": dict(message.get("Attributes", {})),
                    "messageAttributes": message.get("MessageAttributes", {}),
                    "md5OfBody": hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": REGION,
                }
                for message in batch
            ]
        }


def _group(message: dict[str, Any]) -> str:
    return str(message.get("Attributes", {}).get("MessageGroupId", message["MessageId"]))


def create_fanout_queues(sqs: Any, name: str, max_receive_count: int) -> tuple[str, str]:
    """The fan-out FIFO queue and its DLQ, as the stack makes them; returns both URLs."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={
            "FifoQueue": "true",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    return queue_url, dlq_url
