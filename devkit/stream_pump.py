"""Plays the part of Lambda's DynamoDB stream event source mapping on loopback.

It reads the table's stream from moto, drops what the notifier's filters drop, invokes the
handler in batches, and honours partial batch responses the way Lambda does: the batch is
retried from the first failed record, and after the last attempt the failed records go to
the on-failure destination (here a list the caller can inspect).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devkit.event_filter import matches_any
from devkit.lambda_context import LocalContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any] | None]


@dataclass
class PumpReport:
    delivered: int = 0
    invocations: int = 0
    filtered_out: int = 0
    failed_to_destination: list[dict[str, Any]] = field(default_factory=list)


class StreamPump:
    def __init__(
        self,
        streams_client: Any,
        stream_arn: str,
        handler: Handler,
        filter_patterns: Sequence[dict[str, Any]] | None = None,
        batch_size: int = 10,
        max_attempts: int = 3,
    ) -> None:
        self._streams = streams_client
        self.stream_arn = stream_arn
        self.handler = handler
        # Like Lambda's filter criteria: a record is delivered when it matches any pattern.
        self.filter_patterns = filter_patterns
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self._last_sequence: dict[str, str] = {}

    def read_new_records(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        shards = self._streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ]
        for shard in shards:
            shard_id = shard["ShardId"]
            request: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard_id}
            if shard_id in self._last_sequence:
                request |= {
                    "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
                    "SequenceNumber": self._last_sequence[shard_id],
                }
            else:
                request["ShardIteratorType"] = "TRIM_HORIZON"
            iterator = self._streams.get_shard_iterator(**request)["ShardIterator"]
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=1000)
                batch = response.get("Records", [])
                if not batch:
                    break
                records += batch
                self._last_sequence[shard_id] = batch[-1]["dynamodb"]["SequenceNumber"]
                iterator = response.get("NextShardIterator")
        return records

    def drain(self) -> PumpReport:
        """Deliver every record written since the last drain; returns what happened."""
        report = PumpReport()
        wanted = []
        for record in self.read_new_records():
            record = {**record, "eventSourceARN": self.stream_arn}
            if self.filter_patterns is None or matches_any(self.filter_patterns, record):
                wanted.append(record)
            else:
                report.filtered_out += 1
        for start in range(0, len(wanted), self.batch_size):
            self._deliver(wanted[start : start + self.batch_size], report)
        return report

    def _deliver(self, batch: list[dict[str, Any]], report: PumpReport) -> None:
        pending = batch
        for _attempt in range(self.max_attempts):
            report.invocations += 1
            response = self.handler({"Records": pending}, LocalContext(function_name="notifier"))
            failures = {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}
            if not failures:
                report.delivered += len(pending)
                return
            # Lambda checkpoints before the first failure and retries from it onward.
            first = next(
                i for i, r in enumerate(pending) if r["dynamodb"]["SequenceNumber"] in failures
            )
            report.delivered += first
            pending = pending[first:]
        report.failed_to_destination += pending
