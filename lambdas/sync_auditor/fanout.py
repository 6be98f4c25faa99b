"""Fan-out of a tick: whether one invocation covers it, and if not, how it is split.

A tick's work is bound per service by its request pace (adapters/clients.py `pace`): a quiet
data source costs one list call, so a service's n data sources take n / rate seconds. When the
largest service's share does not fit the invocation's budget (with a safety factor for the
table's calls and latency) or the schedule period, the planner sends the data sources as
batches over an SQS FIFO queue instead of polling them (adapters/fanout_queue.py), and the
poller consumes them through its event source mapping (fanout_consume.py).

A data source always lands in the same shard (a stable hash of its key), and a shard is one
FIFO message group: SQS never delivers two messages of one group at once, so no data source is
ever polled by two invocations at once, even when a batch of the last tick is still running.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sync_auditor.model import DataSourceRef, iso_utc
from sync_auditor.settings import SettingsError

if TYPE_CHECKING:
    from sync_auditor.fanout_message import Batch

# Of an invocation's budget, the share its paced calls may take: the rest is the table's reads
# and writes, the calls' latency and what a busy data source adds (its GetItems, its writes).
SAFETY: float = 0.5
# Shards per consumer: more groups than consumers keeps every consumer busy though the hash
# spreads data sources only about evenly; few enough that a shard's batches stay full.
SHARDS_PER_CONSUMER = 2
MAX_CONCURRENCY_RANGE = (2, 1000)


@dataclass(frozen=True)
class FanOutSettings:
    """The `fanOut` configuration as the stack sends it (FANOUT_* variables)."""

    queue_url: str
    # Consumers at once (the event source mapping's MaximumConcurrency): each paces itself at
    # the configured rate divided by this, so together they stay under it.
    max_concurrency: int
    # 0: sized from the budget and the pace (sources_per_batch below).
    sources_per_batch: int = 0
    # The schedule's period; 0 when it has none (a cron schedule): then only the budget counts.
    tick_seconds: int = 0

    @property
    def shards(self) -> int:
        return SHARDS_PER_CONSUMER * self.max_concurrency

    def consumer_rate(self, max_requests_per_second: float) -> float:
        """Each consumer's pace per service: the total stays under the configured rate."""
        return max_requests_per_second / self.max_concurrency

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FanOutSettings | None:
        """The settings, or None when the stack configured no fan-out (no FANOUT_QUEUE_URL)."""
        env = os.environ if env is None else env
        queue_url = env.get("FANOUT_QUEUE_URL", "").strip()
        if not queue_url:
            return None
        low, high = MAX_CONCURRENCY_RANGE
        return cls(
            queue_url=queue_url,
            max_concurrency=_int(env, "FANOUT_MAX_CONCURRENCY", low, low, high),
            sources_per_batch=_int(env, "FANOUT_SOURCES_PER_BATCH", 0, 0, None),
            tick_seconds=_int(env, "FANOUT_TICK_SECONDS", 0, 0, None),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    allowed = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not {allowed}") from None
    if value < low or (high is not None and value > high):
        raise SettingsError(f"environment variable {name}={value} is not {allowed}")
    return value


def usable_seconds(budget_seconds: float, tick_seconds: int) -> float:
    """What one invocation can spend on paced calls: its budget with the safety factor, and
    never more than the schedule's period (a longer tick would overlap the next)."""
    usable = budget_seconds * SAFETY
    return min(usable, tick_seconds) if tick_seconds else usable


def covers_in_process(
    counts: Mapping[str, int], rate: float, budget_seconds: float, tick_seconds: int
) -> bool:
    """Whether one invocation polls every service's data sources within its usable time."""
    longest = max(counts.values(), default=0) / rate
    return longest <= usable_seconds(budget_seconds, tick_seconds)


def sources_per_batch(settings: FanOutSettings, rate: float, budget_seconds: float) -> int:
    """How many data sources one consumer covers within its budget at its own pace (counted
    as if all were of one service: a batch mixes them, and that bound holds for any mix)."""
    if settings.sources_per_batch:
        return settings.sources_per_batch
    usable = usable_seconds(budget_seconds, settings.tick_seconds)
    return max(1, math.floor(usable * settings.consumer_rate(rate)))


def shard_of(data_source_key: str, shards: int) -> int:
    """A data source's shard: the same for a key on every tick and in every process (Python's
    own hash of a string is salted per process)."""
    digest = hashlib.sha256(data_source_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def split(
    sources: Sequence[DataSourceRef], *, tick: str, shards: int, per_batch: int
) -> list[Batch]:
    """Every data source in exactly one batch: by shard, each shard's in parts of at most
    `per_batch` data sources and MAX_BODY_BYTES of message (the order within kept)."""
    # Imported here: every tick reads FanOutSettings, only a fanned-out one makes messages.
    from sync_auditor.fanout_message import MAX_BODY_BYTES, Batch, encoded_size, source_size

    by_shard: dict[int, list[DataSourceRef]] = {}
    for source in dict.fromkeys(sources):
        by_shard.setdefault(shard_of(source.key, shards), []).append(source)
    batches: list[Batch] = []
    empty = encoded_size(Batch(tick, 0, 0, ()))
    for shard in sorted(by_shard):
        part: list[DataSourceRef] = []
        number, size = 0, empty
        for source in by_shard[shard]:
            grows = source_size(source)
            if part and (len(part) == per_batch or size + grows > MAX_BODY_BYTES):
                batches.append(Batch(tick, shard, number, tuple(part)))
                part, number, size = [], number + 1, empty
            part.append(source)
            size += grows
        batches.append(Batch(tick, shard, number, tuple(part)))
    return batches


def tick_id(now: datetime, tick_seconds: int) -> str:
    """The tick's name: its start, floored to the schedule's period, so a retried plan of the
    same tick names it alike (and SQS deduplicates what it sends again)."""
    if tick_seconds:
        floored = math.floor(now.timestamp() / tick_seconds) * tick_seconds
        now = datetime.fromtimestamp(floored, tz=now.tzinfo)
    return iso_utc(now)
