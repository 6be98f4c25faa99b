"""The scheduled invocation's choice: poll the tick itself, or send it out as batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sync_auditor.fanout import (
    FanOutSettings,
    covers_in_process,
    sources_per_batch,
    split,
    tick_id,
)
from sync_auditor.fanout_message import Batch
from sync_auditor.model import DataSourceRef, iso_utc
from sync_auditor.observability import logger

BATCHES_SENT = "FanOutBatchesSent"
SOURCES_ENQUEUED = "DataSourcesEnqueued"
BACKLOG = "FanOutBacklog"


class Queue(Protocol):
    def send(self, batches: Sequence[Batch]) -> int: ...
    def waiting(self) -> int: ...


class PlanState(Protocol):
    """What the plan records in the state table (adapters/state_table.CursorStore)."""

    def scope_starts(self, scopes: Sequence[str], now: str) -> dict[str, str]: ...
    def save_deferred(self, data_source_keys: list[str], previous: list[str]) -> None: ...


@dataclass
class FannedOut:
    """A tick sent out as batches, or held back because the last one's still wait."""

    batches: list[Batch] = field(default_factory=list)
    # Batches of earlier ticks not yet received when this tick was planned (then none sent).
    backlog: int = 0
    held: list[DataSourceRef] = field(default_factory=list)

    def counts(self, service: str) -> dict[str, int]:
        """The tick's fan-out metrics for one service (dimension Service, like the others)."""
        mine = [b for b in self.batches if any(s.service == service for s in b.sources)]
        counts = {
            BATCHES_SENT: len(mine),
            SOURCES_ENQUEUED: sum(1 for b in mine for s in b.sources if s.service == service),
            BACKLOG: self.backlog,
        }
        if self.held:
            # Not polled this tick: counted as deferred, so the DataSourcesDeferred alarm hears
            # of a fleet the configured pace cannot cover in one schedule period.
            counts["DataSourcesDeferred"] = sum(1 for s in self.held if s.service == service)
        return counts


Planner = Callable[[Sequence[DataSourceRef], Sequence[str], Any, list[str]], FannedOut | None]


def planner(
    settings: FanOutSettings,
    queue: Queue,
    *,
    rate: float,
    time_left: Callable[[], float],
    clock: Callable[[], datetime],
) -> Planner:
    """The run's fan-out step (handlers/poller.run `fan_out`), bound to this invocation."""

    def plan(
        sources: Sequence[DataSourceRef],
        scopes: Sequence[str],
        state: PlanState,
        deferred_before: list[str],
    ) -> FannedOut | None:
        return plan_tick(
            sources,
            scopes,
            state,
            deferred_before,
            settings=settings,
            queue=queue,
            rate=rate,
            budget_seconds=time_left(),
            now=clock(),
        )

    return plan


def plan_tick(
    sources: Sequence[DataSourceRef],
    scopes: Sequence[str],
    state: PlanState,
    deferred_before: list[str],
    *,
    settings: FanOutSettings,
    queue: Queue,
    rate: float,
    budget_seconds: float,
    now: datetime,
) -> FannedOut | None:
    """None when one invocation covers the tick (it polls as ever: no queue traffic); else the
    batches sent, or none while the last tick's still wait (the queue holds at most one tick
    behind the batches in flight, however long the configured pace makes a tick)."""
    counts = Counter(source.service for source in sources)
    if covers_in_process(counts, rate, budget_seconds, settings.tick_seconds):
        return None
    # A scope's first attempt is this tick's whoever polls its data sources (watch.py).
    state.scope_starts(sorted(set(scopes)), iso_utc(now))
    # The in-process deferral order means nothing to batches: each shard keeps its own.
    state.save_deferred([], deferred_before)
    backlog = queue.waiting()
    if backlog:
        logger.warning(
            "fan-out: the last tick's batches still wait; this tick sends none",
            extra={"backlog": backlog, "dataSources": len(sources)},
        )
        return FannedOut(backlog=backlog, held=list(sources))
    per_batch = sources_per_batch(settings, rate, budget_seconds)
    batches = split(
        sources,
        tick=tick_id(now, settings.tick_seconds),
        shards=settings.shards,
        per_batch=per_batch,
    )
    queue.send(batches)
    logger.info(
        "fan-out: tick sent as batches",
        extra={"batches": len(batches), "dataSources": len(sources), "perBatch": per_batch},
    )
    return FannedOut(batches=batches)
