"""Discovery calls per tick: `"all"` over 50 Kendra indexes and 50 Q Business applications
(one index and one data source each), listed on every tick as before the cache
(discoveryRefreshMinutes off) and cached (60 minutes), over 12 ticks of a 5-minute schedule on a
simulated clock, in the same run on 127.0.0.1.

Discovery calls are the simulator's count of ListIndices, ListDataSources and ListApplications
(ListDataSourceSyncJobs is the poll itself). Part of the bench when bench.run calls `measure`
and `report`; alone: `python -m bench.discovery [--sources N]` (N data sources, half per
service; default 100, the 50 + 50 above). Alone, the region holds only this fleet; inside a
shared loopback "all" also lists the other fleets', in both modes alike.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from devkit.loopback import Loopback

TICKS = 12
SCHEDULE = timedelta(minutes=5)
MODES = {"listed every tick (before)": 0, "cached (discoveryRefreshMinutes 60)": 60}
DISCOVERY_OPERATIONS = ("ListIndices", "ListDataSources", "ListApplications")
SETTINGS = {"MAX_REQUESTS_PER_SECOND": "1000", "LOOKBACK_DAYS": "30"}


@dataclass(frozen=True)
class ModeRun:
    """One mode's ticks: discovery calls, data sources polled and DynamoDB units, per tick."""

    calls: list[int]
    polled: list[int]
    read_units: list[float]
    write_units: list[float]
    seconds: float


def load_fleet(lb: Loopback, label: int, sources: int) -> None:
    """`sources // 2` Kendra indexes and as many Q Business applications, one data source each."""
    for n in range(sources // 2):
        index = f"{label:08x}-{n:04x}-4000-8000-000000000001"
        lb.simulator.add_kendra_index(index, name=f"index {n}")
        lb.simulator.add_kendra_data_source(index, f"ds-{n:04d}", name=f"kendra source {n}")
        app = f"{label:08x}-{n:04x}-4000-8000-000000000002"
        qb_index = f"{label:08x}-{n:04x}-4000-8000-000000000003"
        lb.simulator.add_qbusiness_application(app, name=f"application {n}")
        lb.simulator.add_qbusiness_index(app, qb_index, name=f"index {n}")
        data_source = f"{label:08x}-{n:04x}-4000-8000-000000000004"
        lb.simulator.add_qbusiness_data_source(app, qb_index, data_source, name=f"qb source {n}")


def discovery_calls(stats: dict[str, Any]) -> int:
    return sum(
        n for name, n in stats["calls"].items() if name.split(":")[1] in DISCOVERY_OPERATIONS
    )


def _tick(lb: Loopback, at: datetime) -> tuple[int, int, float, float]:
    from sync_auditor.handlers import poller
    from sync_auditor.settings import PollerSettings

    lb.simulator.reset_stats()
    summary = poller.run(PollerSettings.from_env(), clock=lambda: at)
    polled = sum(c["DataSourcesPolled"] for c in summary["services"].values())
    calls = discovery_calls(lb.simulator.stats())
    return calls, polled, summary["readUnits"], summary["writeUnits"]


def measure(lb: Loopback, label: int, sources: int) -> dict[str, ModeRun]:
    """Both modes over the same fleet, after one tick that backfills it (so every measured
    tick is a quiet one, and the modes differ only in discovery)."""
    load_fleet(lb, label, sources)
    lb.configure({"kendra": "all", "qbusiness": "all"}, DISCOVERY_REFRESH_MINUTES=0, **SETTINGS)
    start = datetime.now(UTC).replace(microsecond=0)
    _tick(lb, start)
    runs: dict[str, ModeRun] = {}
    for number, (mode, minutes) in enumerate(MODES.items()):
        os.environ["DISCOVERY_REFRESH_MINUTES"] = str(minutes)
        first = start + SCHEDULE * (1 + number * TICKS)
        began = time.perf_counter()
        ticks = [_tick(lb, first + SCHEDULE * n) for n in range(TICKS)]
        runs[mode] = ModeRun(
            calls=[t[0] for t in ticks],
            polled=[t[1] for t in ticks],
            read_units=[t[2] for t in ticks],
            write_units=[t[3] for t in ticks],
            seconds=time.perf_counter() - began,
        )
    os.environ.pop("DISCOVERY_REFRESH_MINUTES", None)
    return runs


def report(runs: dict[str, ModeRun], sources: int) -> Iterable[str]:
    containers = sources // 2
    yield (
        f'### Discovery calls per tick: "all" over {containers} Kendra indexes + '
        f"{containers} Q Business applications, {TICKS} ticks of 5 minutes"
    )
    yield ""
    yield (
        "| mode | discovery calls, ticks 1..12 | per tick (mean) | per hour | data sources "
        "polled per tick | read units / tick | write units / tick |"
    )
    yield "|---|---|---|---|---|---|---|"
    for mode, run in runs.items():
        per_hour = sum(run.calls) * (timedelta(hours=1) / (SCHEDULE * TICKS))
        yield (
            f"| {mode} | {' '.join(map(str, run.calls))} | {sum(run.calls) / TICKS:.1f} | "
            f"{per_hour:.0f} | {min(run.polled)}-{max(run.polled)} | "
            f"{sum(run.read_units) / TICKS:.1f} | {sum(run.write_units) / TICKS:.1f} |"
        )
    before, cached = (sum(run.calls) for run in runs.values())
    yield ""
    yield f"Cached over listed every tick, discovery calls: {cached}/{before} = {cached / before:.3f}"


def main(argv: list[str] | None = None) -> int:
    from bench.run import standalone

    return standalone(__doc__, measure, report, 0x0D15C, argv)


if __name__ == "__main__":
    sys.exit(main())
