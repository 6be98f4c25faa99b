"""What self-healing costs the poller: the same fleet and ticks with `selfHealing` on each
target and without it (the baseline), on 127.0.0.1.

Ticks: a quiet one; one where every tenth data source has a job running; one where those jobs
have FAILED with InternalError past the backoff (self-healing starts them again); and the
tick after. Part of `make bench`; alone: `python -m bench.healing [--sources N]`.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.fleet import Fleet
from devkit.loopback import Loopback

START_CALLS = ("kendra:StartDataSourceSyncJob", "qbusiness:StartDataSourceSyncJob")
TICKS = ("quiet", "jobs running", "jobs FAILED (InternalError)", "the tick after")


@dataclass(frozen=True)
class HealingTick:
    api_calls: int
    starts: int
    read_units: float
    write_units: float
    seconds: float


def _measure(lb: Loopback) -> HealingTick:
    from bench.run import auditor_tick

    tick = auditor_tick(lb)
    calls = lb.simulator.stats()["calls"]  # of this tick: auditor_tick resets them first
    return HealingTick(
        api_calls=tick.api_calls,
        starts=sum(calls.get(name, 0) for name in START_CALLS),
        read_units=tick.read_units,
        write_units=tick.write_units,
        seconds=tick.seconds,
    )


def _with_healing(targets: dict[str, Any]) -> dict[str, Any]:
    healing = copy.deepcopy(targets)
    for side in ("kendra", "qbusiness"):
        for entry in healing[side]:
            entry["selfHealing"] = {"maxRetriesPerDay": 3, "backoffMinutes": 15}
    return healing


def measure(lb: Loopback, label: int, sources: int) -> dict[str, list[HealingTick]]:
    """The four ticks, for a fresh fleet each, without and with self-healing."""
    runs: dict[str, list[HealingTick]] = {}
    for number, mode in enumerate(("off", "on")):
        fleet = Fleet.make(label + number, sources, 10)
        now = datetime.now(UTC).replace(microsecond=0)
        fleet.load(lb.simulator, now - timedelta(hours=2))
        lb.configure(_with_healing(fleet.targets) if mode == "on" else fleet.targets)
        _measure(lb)  # the backfill, not compared
        ticks = [_measure(lb)]
        failing = fleet.sources[::10]
        for source in failing:
            lb.simulator.put_job(source.key, "heal-1", "SYNCING", now - timedelta(minutes=60))
        ticks.append(_measure(lb))
        for source in failing:
            lb.simulator.put_job(
                source.key,
                "heal-1",
                "FAILED",
                now - timedelta(minutes=60),
                now - timedelta(minutes=30),
                error_code="InternalError",
            )
        ticks.append(_measure(lb))
        ticks.append(_measure(lb))
        if mode == "on" and ticks[2].starts != len(failing):
            raise RuntimeError(f"expected {len(failing)} retries started, saw {ticks[2].starts}")
        runs[mode] = ticks
        fleet.remove(lb.simulator)
    return runs


def _ratio(on: float, off: float) -> str:
    return "—" if off == 0 else f"{on / off:.2f}"


def report(runs: dict[str, list[HealingTick]], sources: int) -> Iterable[str]:
    yield (
        f"### Self-healing's cost: {sources:,} data sources, every tenth failing, "
        "with selfHealing (on) and without (off)"
    )
    yield ""
    yield (
        "| tick | API calls off | on | starts on | read units off | on | on/off "
        "| write units off | on | on/off |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name, off, on in zip(TICKS, runs["off"], runs["on"], strict=True):
        yield (
            f"| {name} | {off.api_calls:,} | {on.api_calls:,} | {on.starts} "
            f"| {off.read_units:g} | {on.read_units:g} | {_ratio(on.read_units, off.read_units)} "
            f"| {off.write_units:g} | {on.write_units:g} "
            f"| {_ratio(on.write_units, off.write_units)} |"
        )
    yield ""
    yield (
        "API calls include the Start calls. Units are DynamoDB's ReturnConsumedCapacity of the "
        "job table, the cursors and the retry quota, as moto reports them. A retried failure "
        "costs one StartDataSourceSyncJob, the quota's read and conditional update, the claim "
        "and the outcome on its record and the new job's record; ticks without a failure to "
        "retry cost the same with self-healing on. The tick after reads the retries' new jobs "
        "(records written when they were started take the API's start time where it differs "
        "from the poller's clock, and their data sources' cursors move to them)."
    )


def main(argv: list[str] | None = None) -> int:
    from bench.run import standalone

    return standalone(__doc__, measure, report, 0x4EA1, argv)


if __name__ == "__main__":
    sys.exit(main())
