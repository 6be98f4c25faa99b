"""A fan-out batch polled: the SQS event source mapping's records, one batch each.

A consumer polls its batch's data sources with the same machinery as the scheduled run
(poller_compose.py), at its share of the pace (fanout.FanOutSettings.consumer_rate). What it
cannot reach before its deadline goes back to its shard's message group: never skipped, and
still never polled by two invocations at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sync_auditor import job_metrics
from sync_auditor.adapters import clients
from sync_auditor.model import DataSourceRef
from sync_auditor.observability import logger
from sync_auditor.poll_report import PollReport
from sync_auditor.services import spec_of

if TYPE_CHECKING:
    from sync_auditor.fanout_message import Batch

BATCHES_CONSUMED = "FanOutBatchesConsumed"
REMAINDERS_SENT = "FanOutRemaindersSent"


class RemainderQueue(Protocol):
    def send_remainder(self, batch: Batch) -> None: ...


def is_batch_event(event: Mapping[str, Any]) -> bool:
    """Whether Lambda's SQS event source mapping sent this event (not the schedule)."""
    records = event.get("Records") or []
    return bool(records) and all(r.get("eventSource") == "aws:sqs" for r in records)


def consume(
    event: Mapping[str, Any],
    *,
    poll: Callable[[Sequence[DataSourceRef]], PollReport],
    queue: RemainderQueue,
    services: Sequence[str],
    summarize: Callable[[PollReport, dict[str, int], dict[str, int]], dict[str, Any]],
) -> dict[str, Any]:
    """Poll each record's batch; the summary has the health counts and, for the mapping's
    ReportBatchItemFailures, the records to retry.

    A first record that fails raises (the invocation fails, poller-Errors hears of it, and SQS
    retries it until maxReceiveCount sends it to the DLQ); a later one is reported with every
    record after it, as a FIFO queue needs (their order within the group must hold).
    """
    # Imported here: every event is asked is_batch_event, only a batch's records are decoded.
    from sync_auditor.fanout_message import decode

    records = list(event["Records"])
    sent_before = {s: clients.requests_sent(spec_of(s).client_name) for s in services}
    results = []
    consumed: dict[str, int] = dict.fromkeys(services, 0)
    remainders = dict.fromkeys(services, 0)
    failures: list[dict[str, str]] = []
    for position, record in enumerate(records):
        try:
            batch = decode(record["body"])
            report = poll(batch.sources)
            left = set(report.deferred_keys)
            if left:
                queue.send_remainder(batch.remainder(left))
        except Exception:
            if position == 0:
                raise
            logger.exception("fan-out batch failed", extra={"messageId": record["messageId"]})
            failures = [{"itemIdentifier": r["messageId"]} for r in records[position:]]
            break
        results += report.results
        for service in {source.service for source in batch.sources} & set(consumed):
            consumed[service] += 1
            remainders[service] += any(s.service == service for s in batch.sources if s.key in left)
        if left:
            logger.warning(
                "fan-out: deadline reached, the rest of the batch sent back to its shard",
                extra={"shard": batch.shard, "tick": batch.tick, "left": len(left)},
            )
    api_calls = {
        s: clients.requests_sent(spec_of(s).client_name) - sent_before[s] for s in services
    }
    summary = summarize(PollReport(results), api_calls, dict.fromkeys(services, 0))
    for service, counts in summary["services"].items():
        # The heartbeat is the plan's (one per tick), not one per batch.
        counts.pop(job_metrics.TICKS_COMPLETED, None)
        counts[BATCHES_CONSUMED] = consumed[service]
        counts[REMAINDERS_SENT] = remainders[service]
    summary["batchItemFailures"] = failures
    return summary
