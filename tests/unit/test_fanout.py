"""Fan-out's domain: whether one invocation covers a tick, the split into shards and batches,
the batch message, each consumer's share of the pace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync_auditor.fanout import (
    FanOutSettings,
    covers_in_process,
    shard_of,
    sources_per_batch,
    split,
    tick_id,
)
from sync_auditor.fanout_message import MAX_BODY_BYTES, Batch, MalformedBatch, decode, encode
from sync_auditor.model import DataSourceRef
from sync_auditor.settings import SettingsError

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"


def kendra(n: int, **more: str) -> DataSourceRef:
    return DataSourceRef("kendra", INDEX, f"ds-{n:05d}", **more)  # type: ignore[arg-type]


def qbusiness(n: int) -> DataSourceRef:
    return DataSourceRef(
        "qbusiness",
        INDEX,
        f"{n:08x}-0004-4000-8000-000000000000",
        application_id=APP,
        data_source_name=f"source {n}",
        index_name="the index",
        application_name="the app",
        scope=f"qbusiness#{APP}",
    )


def settings(**values: int) -> FanOutSettings:
    return FanOutSettings(queue_url="https://sqs/q.fifo", **{"max_concurrency": 4, **values})


def test_a_small_fleet_is_polled_in_process_and_a_large_one_fans_out() -> None:
    # Given 10 requests/s and a 280 s budget (140 s of paced calls with the safety factor)
    assert covers_in_process({"kendra": 1_400, "qbusiness": 1_400}, 10, 280, 300)
    assert not covers_in_process({"kendra": 1_401}, 10, 280, 300)
    # A schedule shorter than the paced calls fans out too, whatever the budget
    assert not covers_in_process({"kendra": 700}, 10, 10_000, 60)
    # A cron schedule (no period) leaves only the budget
    assert covers_in_process({"kendra": 1_400}, 10, 280, 0)


def test_each_consumer_paces_at_its_share_so_all_stay_under_the_rate() -> None:
    fan_out = settings(max_concurrency=8)
    assert fan_out.consumer_rate(100) == pytest.approx(12.5)
    assert fan_out.consumer_rate(100) * fan_out.max_concurrency <= 100


def test_a_batch_is_what_one_consumer_covers_at_its_share_of_the_pace() -> None:
    # 280 s budget, half of it for paced calls, at 100/4 = 25 requests/s per consumer
    assert sources_per_batch(settings(), 100, 280) == 3_500
    assert sources_per_batch(settings(sources_per_batch=50), 100, 280) == 50
    assert sources_per_batch(settings(), 1, 0.1) == 1


def test_every_source_is_in_exactly_one_batch_of_its_stable_shard() -> None:
    # Given a mixed fleet, one listed twice
    sources = [kendra(n) for n in range(700)] + [qbusiness(n) for n in range(300)]
    # When split
    batches = split([*sources, sources[0]], tick="T", shards=8, per_batch=40)
    # Then each data source is in one batch, of the shard its key hashes to
    placed = [s for batch in batches for s in batch.sources]
    assert sorted(placed) == sorted(sources)
    for batch in batches:
        assert len(batch.sources) <= 40
        assert {shard_of(s.key, 8) for s in batch.sources} == {batch.shard}
    # A shard's parts are numbered 0, 1, ...: unique deduplication ids within the tick
    assert len({b.deduplication_id for b in batches}) == len(batches)
    # And the split is the same on the next tick (sha256, not Python's salted hash)
    again = split(sources, tick="T2", shards=8, per_batch=40)
    assert [(b.shard, b.sources) for b in again] == [(b.shard, b.sources) for b in batches]


def test_shards_are_spread_over_the_groups() -> None:
    counts = [0] * 16
    for n in range(10_000):
        counts[shard_of(kendra(n).key, 16)] += 1
    assert min(counts) > 10_000 / 16 * 0.8


def test_a_batch_stays_well_under_the_message_limit_whatever_its_names() -> None:
    long_name = "n" * 1_000
    sources = [kendra(n, data_source_name=long_name, index_name=long_name) for n in range(500)]
    batches = split(sources, tick="T", shards=1, per_batch=10_000)
    assert len(batches) > 1
    assert all(len(encode(batch).encode()) <= MAX_BODY_BYTES for batch in batches)


def test_the_message_carries_every_field_of_each_source() -> None:
    batch = Batch("2026-11-22T10:00:00Z", 3, 1, (qbusiness(1), kendra(2)))
    decoded = decode(encode(batch))
    assert decoded == batch
    for before, after in zip(batch.sources, decoded.sources, strict=True):
        assert after.__dict__ == before.__dict__  # names and scope too (compare=False fields)
    assert batch.group_id == "shard-3"


def test_a_remainder_names_itself_by_content() -> None:
    batch = Batch("T", 2, 0, tuple(kendra(n) for n in range(5)))
    rest = batch.remainder({kendra(3).key, kendra(4).key})
    assert rest.sources == (kendra(3), kendra(4))
    assert (rest.tick, rest.shard, rest.group_id) == ("T", 2, "shard-2")
    assert (
        rest.remainder_deduplication_id
        == batch.remainder({kendra(3).key, kendra(4).key}).remainder_deduplication_id
    )
    assert (
        rest.remainder_deduplication_id
        != batch.remainder({kendra(4).key}).remainder_deduplication_id
    )
    assert len(rest.remainder_deduplication_id) <= 128


@pytest.mark.parametrize("body", ["{}", "[]", "not json", '{"v": 1, "tick": "T"}', '{"v": 9}'])
def test_a_body_that_is_not_a_batch_is_refused(body: str) -> None:
    with pytest.raises(MalformedBatch):
        decode(body)


def test_the_tick_id_is_the_period_start() -> None:
    now = datetime(2026, 11, 22, 10, 7, 42, tzinfo=UTC)
    assert tick_id(now, 300) == "2026-11-22T10:05:00Z"
    assert tick_id(now, 0) == "2026-11-22T10:07:42Z"


def test_settings_from_the_environment() -> None:
    assert FanOutSettings.from_env({}) is None
    read = FanOutSettings.from_env(
        {
            "FANOUT_QUEUE_URL": "https://sqs/q.fifo",
            "FANOUT_MAX_CONCURRENCY": "10",
            "FANOUT_TICK_SECONDS": "300",
        }
    )
    assert read == FanOutSettings("https://sqs/q.fifo", 10, 0, 300)
    assert read is not None and read.shards == 20


@pytest.mark.parametrize("value", ["1", "1001", "ten"])
def test_a_bad_concurrency_names_the_variable_and_the_range(value: str) -> None:
    env = {"FANOUT_QUEUE_URL": "q", "FANOUT_MAX_CONCURRENCY": value}
    with pytest.raises(SettingsError, match=r"FANOUT_MAX_CONCURRENCY.*from 2 to 1000"):
        FanOutSettings.from_env(env)
