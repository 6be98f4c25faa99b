"""A tick over fan-out on the loopback: the real poller handler plans it into batches on a moto
FIFO queue, and consumes them through the emulated event source mapping (devkit/esm.py)."""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devkit.esm import MappingReport, SqsEventSourceMapping, create_fanout_queues
from devkit.lambda_context import LocalContext
from devkit.loopback import STATE_TABLE, Loopback, loopback
from sync_auditor import fanout_dispatch
from sync_auditor.adapters import clients
from sync_auditor.adapters.fanout_queue import FanOutQueue
from sync_auditor.fanout import split
from sync_auditor.fanout_message import decode
from sync_auditor.handlers import poller
from sync_auditor.model import DataSourceRef
from sync_auditor.settings import PollerSettings
from tests.integration.support import INDEX, ago

SOURCES = 40
CONCURRENCY = 4
RATE = 1_000
MAX_RECEIVE_COUNT = 3
KEYS = [f"kendra#{INDEX}#ds-{n:03d}" for n in range(SOURCES)]


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as lb:
        lb.simulator.add_kendra_index(INDEX, name="fleet")
        for n in range(SOURCES):
            lb.simulator.add_kendra_data_source(INDEX, f"ds-{n:03d}", name=f"source {n}")
        queue_url, dlq_url = create_fanout_queues(lb.client("sqs"), "fanout", MAX_RECEIVE_COUNT)
        lb.env.update(queue_url=queue_url, dlq_url=dlq_url)
        lb.configure(
            {"kendra": [{"indexId": INDEX}]},
            MAX_REQUESTS_PER_SECOND=RATE,
            FANOUT_QUEUE_URL=queue_url,
            FANOUT_MAX_CONCURRENCY=CONCURRENCY,
            FANOUT_TICK_SECONDS=300,
        )
        yield lb


def plan(budget_seconds: float = 0.04, ticks_later: int = 0) -> dict[str, Any]:
    """The scheduled invocation, with a modelled budget: 40 sources at 1,000/s take 0.04 s,
    over its 0.02 s share, so the tick fans out in batches of 0.02 x 1,000/4 = 5."""
    with redirect_stdout(io.StringIO()):
        return fanout_dispatch.dispatch(
            {},
            PollerSettings.from_env(),
            run=poller.run,
            summarize=poller._summary,
            time_left=lambda: budget_seconds,
            clock=lambda: datetime.now(UTC) + timedelta(minutes=5 * ticks_later),
        )


def consumers(lb: Loopback, invoke: Any = None) -> MappingReport:
    def handler(event: dict[str, Any]) -> dict[str, Any]:
        with redirect_stdout(io.StringIO()):
            return poller.handler(event, LocalContext(function_name="poller"))  # type: ignore[no-any-return]

    mapping = SqsEventSourceMapping(
        lb.client("sqs"), lb.env["queue_url"], invoke or handler, max_concurrency=CONCURRENCY
    )
    return mapping.drain()


def cursors(lb: Loopback) -> set[str]:
    items = lb.client("dynamodb").scan(TableName=STATE_TABLE)["Items"]
    # A cursor is set by a complete read (a first attempt alone records only auditedSince).
    return {
        i["id"]["S"].removeprefix("cursor#")
        for i in items
        if i["id"]["S"].startswith("cursor#") and "since" in i
    }


def test_a_tick_beyond_one_invocation_is_covered_by_batches_each_source_once(lb: Loopback) -> None:
    # Given a failed job on one data source
    lb.simulator.put_job(KEYS[7], "job-1", "FAILED", ago(30), ago(20), error_code="InternalError")
    # When the scheduled invocation plans the tick
    summary = plan()
    counts = summary["services"]["kendra"]
    # Then it polled nothing itself and sent the 40 sources in batches of at most 5
    assert counts["DataSourcesPolled"] == 0 and counts["DataSourcesEnqueued"] == SOURCES
    assert counts["FanOutBatchesSent"] >= SOURCES // 5 and counts["TicksCompleted"] == 1
    lb.simulator.reset_stats()
    # And the consumers cover every data source exactly once, without a failed invocation
    report = consumers(lb)
    assert report.failed_invocations == 0 and report.group_overlaps == 0
    assert report.deleted == counts["FanOutBatchesSent"]
    assert report.peak_concurrency <= CONCURRENCY
    assert set(lb.simulator.stats()["by_data_source"]) == set(KEYS)
    assert cursors(lb) == set(KEYS)
    assert [r["executionId"] for r in lb.job_records()] == ["job-1"]
    # And on the next tick, with every cursor set, each quiet source costs its one list call:
    # no data source was in two batches
    plan(ticks_later=1)
    lb.simulator.reset_stats()
    assert consumers(lb).failed_invocations == 0
    assert lb.simulator.stats()["by_data_source"] == dict.fromkeys(KEYS, 1)


def test_a_tick_sent_twice_is_delivered_once(lb: Loopback) -> None:
    # Given a tick's batches sent, and sent again (a plan retried before they were received)
    fleet = [DataSourceRef.from_key(key) for key in KEYS]
    batches = split(fleet, tick="2026-11-22T10:05:00Z", shards=8, per_batch=5)
    queue = FanOutQueue(lb.env["queue_url"])
    queue.send(batches)
    queue.send(batches)
    # Then each batch is delivered once: their deduplication ids are the tick's
    assert consumers(lb).invocations == len(batches)


def test_a_consumer_paces_itself_at_its_share_of_the_rate(lb: Loopback) -> None:
    plan()
    consumers(lb)
    # The process's pacer, as the last consumer set it: the rate over MaximumConcurrency
    assert clients._pacers["kendra"].per_second == RATE / CONCURRENCY


def test_a_small_fleet_is_polled_in_process_with_no_queue_traffic(lb: Loopback) -> None:
    summary = plan(budget_seconds=280)
    assert summary["services"]["kendra"]["DataSourcesPolled"] == SOURCES
    assert "FanOutBatchesSent" not in summary["services"]["kendra"]
    assert consumers(lb).invocations == 0


def test_what_a_consumer_cannot_reach_goes_back_to_its_shard_and_is_polled(lb: Loopback) -> None:
    plan()
    sqs = lb.client("sqs")
    first = sqs.receive_message(QueueUrl=lb.env["queue_url"], MessageSystemAttributeNames=["All"])
    (message,) = first["Messages"]
    batch = decode(message["Body"])
    # Given a consumer, polling one data source at a time, whose deadline comes after its first
    # (a first read checks the time 5 times: before it, and after each of its 4 listings)
    lb.configure({"kendra": [{"indexId": INDEX}]}, MAX_PARALLEL_CALLS=1)
    budget = itertools.chain([1.0] * 5, itertools.repeat(0.0))
    lock = threading.Lock()

    def time_left() -> float:
        with lock:
            return next(budget)

    event = SqsEventSourceMapping(sqs, lb.env["queue_url"], lambda e: None, max_concurrency=1)
    with redirect_stdout(io.StringIO()):
        summary = fanout_dispatch.dispatch(
            event._event([message]),
            PollerSettings.from_env(),
            run=poller.run,
            summarize=poller._summary,
            time_left=time_left,
        )
    sqs.delete_message(QueueUrl=lb.env["queue_url"], ReceiptHandle=message["ReceiptHandle"])
    polled = {k for k in cursors(lb) if k in {s.key for s in batch.sources}}
    assert summary["services"]["kendra"]["FanOutRemaindersSent"] == 1
    assert 0 < len(polled) < len(batch.sources)
    # When the mapping delivers the rest
    lb.simulator.reset_stats()
    consumers(lb)
    # Then the remainder was exactly the unreached ones, each polled once, and all are covered
    listed = lb.simulator.stats()["by_data_source"]
    assert {k for k in listed if k in {s.key for s in batch.sources}} == (
        {s.key for s in batch.sources} - polled
    )
    assert cursors(lb) == set(KEYS)


def test_a_batch_that_keeps_failing_is_retried_then_kept_in_the_dlq(lb: Loopback) -> None:
    sqs = lb.client("sqs")
    sqs.send_message(
        QueueUrl=lb.env["queue_url"],
        MessageBody='{"v": 1, "tick": "T"}',
        MessageGroupId="shard-0",
        MessageDeduplicationId="broken",
    )
    report = consumers(lb)
    assert report.failed_invocations == MAX_RECEIVE_COUNT
    moved = sqs.receive_message(QueueUrl=lb.env["dlq_url"]).get("Messages", [])
    assert [m["Body"] for m in moved] == ['{"v": 1, "tick": "T"}']
