"""A quiet tick of Kendra data sources under a simulated request quota, paced and unpaced,
within the deployed poller's time budget (bench.run reports it with the fleet's tables)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.fleet import Fleet
from devkit.loopback import Loopback
from sync_auditor.adapters import clients
from sync_auditor.settings import PollerSettings

QUOTA_PER_SECOND = 10
# A realistic call's latency (bench.floor's mixed tick uses it too).
QUOTA_LATENCY_SECONDS = 0.05


# bench.run imports this module: its tick helper is imported where it is used.
def measure(lb: Loopback, label: int, sources: int, compare_unpaced: bool) -> dict[str, Any]:
    """A quiet tick of `sources` Kendra data sources under a simulated request quota (one
    bucket for all requests, so one service), within the deployed poller's time budget."""
    from bench.run import auditor_tick
    from infra.poller import DEADLINE_MARGIN_SECONDS, TIMEOUT

    budget = TIMEOUT.to_seconds() - DEADLINE_MARGIN_SECONDS
    fleet = Fleet.make(label, sources, 10, kendra_only=True)
    now = datetime.now(UTC).replace(microsecond=0)
    fleet.load(lb.simulator, now - timedelta(minutes=30))
    fleet.seed_table(now - timedelta(minutes=30), now)
    lb.configure(fleet.targets)
    auditor_tick(lb)  # unpaced: stores the fingerprints and summaries the seed lacks
    settings = PollerSettings.from_env()
    lb.simulator.latency_seconds = QUOTA_LATENCY_SECONDS
    runs: dict[str, Any] = {
        "sources": sources,
        "budget_s": budget,
        "rate": QUOTA_PER_SECOND,
        "latency_s": QUOTA_LATENCY_SECONDS,
    }
    modes: list[tuple[str, int | None]] = [("paced", settings.max_requests_per_second)]
    if compare_unpaced:
        modes.append(("unpaced", None))
    for mode, pace in modes:
        clients.reset()  # fresh clients: botocore's retry quota starts full for each mode
        clients.configure(settings.retry_mode, settings.max_attempts)
        clients.pace(pace)
        lb.simulator.rate_limit(QUOTA_PER_SECOND)  # a full bucket for each mode
        deadline = time.monotonic() + budget

        def time_left(end: float = deadline) -> float:
            return end - time.monotonic()

        runs[mode] = auditor_tick(lb, time_left=time_left)
    lb.simulator.rate_limit(None)
    lb.simulator.latency_seconds = 0.0
    clients.pace(None)
    fleet.remove(lb.simulator)
    return runs
