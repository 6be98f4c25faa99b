"""The plan (poll the tick here, or send it out) and a consumer's handling of its batch."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from sync_auditor.fanout import FanOutSettings, shard_of
from sync_auditor.fanout_consume import consume, is_batch_event
from sync_auditor.fanout_message import Batch, decode, encode
from sync_auditor.fanout_plan import BATCHES_SENT, SOURCES_ENQUEUED, plan_tick
from sync_auditor.handlers.poller import _summary
from sync_auditor.model import DataSourceRef
from sync_auditor.poll_report import PollReport, SourceResult

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
NOW = datetime(2026, 11, 22, 10, 7, tzinfo=UTC)
FAN_OUT = FanOutSettings("https://sqs/q.fifo", max_concurrency=4, tick_seconds=300)


def sources(count: int) -> list[DataSourceRef]:
    return [DataSourceRef("kendra", INDEX, f"ds-{n:05d}") for n in range(count)]


class FakeQueue:
    def __init__(self, waiting: int = 0) -> None:
        self.sent: list[Batch] = []
        self.remainders: list[Batch] = []
        self._waiting = waiting

    def send(self, batches: Sequence[Batch]) -> int:
        self.sent += batches
        return len(batches)

    def waiting(self) -> int:
        return self._waiting

    def send_remainder(self, batch: Batch) -> None:
        self.remainders.append(batch)


class FakeState:
    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.deferred: list[str] | None = None

    def scope_starts(self, scopes: Sequence[str], now: str) -> dict[str, str]:
        self.scopes += scopes
        return dict.fromkeys(scopes, now)

    def save_deferred(self, data_source_keys: list[str], previous: list[str]) -> None:
        self.deferred = data_source_keys


def plan(fleet: list[DataSourceRef], queue: FakeQueue, state: FakeState, budget: float = 280):
    return plan_tick(
        fleet,
        ["kendra#" + INDEX],
        state,
        ["old"],
        settings=FAN_OUT,
        queue=queue,
        rate=10,
        budget_seconds=budget,
        now=NOW,
    )


def test_a_fleet_one_invocation_covers_sends_nothing() -> None:
    queue, state = FakeQueue(), FakeState()
    assert plan(sources(1_000), queue, state) is None
    assert queue.sent == [] and state.scopes == [] and state.deferred is None


def test_a_fleet_beyond_the_budget_goes_out_in_batches_of_the_consumers_share() -> None:
    # Given 2,000 Kendra data sources at 10 requests/s: 200 s of calls, over a 140 s share
    queue, state = FakeQueue(), FakeState()
    fanned = plan(sources(2_000), queue, state)
    assert fanned is not None
    # Then every data source is sent once, in batches of at most 140 s x 10/4 = 350
    sent = [s for batch in queue.sent for s in batch.sources]
    assert sorted(sent) == sources(2_000)
    assert all(len(batch.sources) <= 350 for batch in queue.sent)
    assert {batch.tick for batch in queue.sent} == {"2026-11-22T10:05:00Z"}
    # The scope's first attempt is recorded now, and the in-process deferral order cleared
    assert state.scopes == ["kendra#" + INDEX] and state.deferred == []
    assert fanned.counts("kendra")[BATCHES_SENT] == len(queue.sent)
    assert fanned.counts("kendra")[SOURCES_ENQUEUED] == 2_000


def test_while_the_last_tick_still_waits_none_is_sent_and_all_count_as_deferred() -> None:
    queue, state = FakeQueue(waiting=3), FakeState()
    fanned = plan(sources(2_000), queue, state)
    assert fanned is not None and queue.sent == []
    assert fanned.counts("kendra")["DataSourcesDeferred"] == 2_000
    assert fanned.counts("kendra")["FanOutBacklog"] == 3


def record(batch: Batch, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "r",
        "body": encode(batch),
        "attributes": {"MessageGroupId": batch.group_id, "ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:fanout.fifo",
        "awsRegion": "us-east-1",
    }


def test_the_deferred_remainder_goes_back_to_its_shard() -> None:
    # Given a batch of 5 whose consumer reaches only the first 2 before its deadline
    fleet = sources(5)
    batch = Batch("T", shard_of(fleet[0].key, 8), 0, tuple(fleet))
    queue = FakeQueue()

    def poll(polled: Sequence[DataSourceRef]) -> PollReport:
        outcomes = ["polled", "polled", "partial", "deferred", "deferred"]
        return PollReport([SourceResult(s, o) for s, o in zip(polled, outcomes, strict=True)])  # type: ignore[arg-type]

    event = {"Records": [record(batch)]}
    assert is_batch_event(event) and not is_batch_event({})
    summary = consume(event, poll=poll, queue=queue, services=["kendra"], summarize=_summary)
    # Then the 3 unread go back, same tick and group, and the batch is not failed
    (rest,) = queue.remainders
    assert rest.sources == tuple(fleet[2:]) and rest.group_id == batch.group_id
    assert decode(encode(rest)) == rest
    assert summary["batchItemFailures"] == []
    counts = summary["services"]["kendra"]
    assert counts["DataSourcesPolled"] == 2 and counts["FanOutBatchesConsumed"] == 1
    assert "TicksCompleted" not in counts  # the heartbeat is the plan's


def test_a_failing_first_batch_fails_the_invocation_a_later_one_is_reported_with_the_rest() -> None:
    fleet = sources(3)
    batches = [Batch("T", n, 0, (s,)) for n, s in enumerate(fleet)]

    def poll(polled: Sequence[DataSourceRef]) -> PollReport:
        if polled[0] == fleet[1]:
            raise RuntimeError("a bug")
        return PollReport([SourceResult(s, "polled") for s in polled])

    one = {"Records": [record(batches[1], "m-1")]}
    with pytest.raises(RuntimeError):
        consume(one, poll=poll, queue=FakeQueue(), services=["kendra"], summarize=_summary)
    three = {"Records": [record(b, f"m-{n}") for n, b in enumerate(batches)]}
    summary = consume(three, poll=poll, queue=FakeQueue(), services=["kendra"], summarize=_summary)
    assert summary["batchItemFailures"] == [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]
    assert summary["services"]["kendra"]["DataSourcesPolled"] == 1
