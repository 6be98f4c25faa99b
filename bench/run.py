"""Load and cost, measured: the real poller against the simulator and moto on 127.0.0.1, next to
a naive baseline, for 10, 100 and 1,000 data sources with 10, 100 and 1,000 jobs of history
each; a tick under a simulated request quota; the poller's cold start, memory and asset.

    make bench                      # the full run (about 25 minutes on 2 cores)
    python -m bench.healing         # self-healing's cost alone (part of both runs)
    python -m bench.outbox          # the alert outbox's cost alone (part of both runs)
    python -m bench.bedrock         # Bedrock Knowledge Bases alone (part of both runs, ~2.5 min)
    python -m bench.floor           # issue 12's floor: DynamoDB per quiet source, a mixed tick
    python -m bench.discovery       # discovery calls per tick, cached and not
    python -m bench.fanout          # 10,000 data sources over fan-out (~10 minutes, 3 ticks)
    python -m bench.coldstart       # the poller's cold start against a bare boto3 client
    python -m bench.instructions    # the same in instructions executed (callgrind), which do not drift
    python -m bench.run --quick     # 10 and 100 only, one fan-out tick (about 12 minutes)

Prints markdown tables with the date and machine (bench/RESULTS.md holds a measured run).
Nothing reaches AWS: every endpoint is 127.0.0.1.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "lambdas") not in sys.path:  # the same import path as Lambda and the tests
    sys.path.insert(0, str(ROOT / "lambdas"))
# infra/ (the deployed timeout) and the synth run jsii: the project's pinned Node goes first.
os.environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from bench import (  # noqa: E402
    bedrock,
    coldstart,
    discovery,
    fanout,
    floor,
    footprint,
    healing,
    instructions,
    outbox,
    quota_tick,
)
from bench.baseline import BaselineTick, naive_tick  # noqa: E402
from bench.fleet import Fleet  # noqa: E402
from bench.fleet_report import report  # noqa: E402
from devkit.loopback import Loopback, loopback  # noqa: E402
from devkit.tables import create_job_table  # noqa: E402
from sync_auditor.adapters import clients  # noqa: E402
from sync_auditor.handlers import poller  # noqa: E402
from sync_auditor.observability import logger  # noqa: E402
from sync_auditor.settings import PollerSettings  # noqa: E402

LIST_CALLS = ("kendra:ListDataSourceSyncJobs", "qbusiness:ListDataSourceSyncJobs")
BASELINE_TABLE = "bench-naive-jobs"
# Measured where a tick is at most this many PutItems (moto's HTTP path does ~100 a second);
# beyond, the baseline's calls and units are computed (they are deterministic) and its time
# extrapolated from the measured ticks.
BASELINE_MEASURED_JOBS = 1_000
# The real backfill is measured up to this many jobs; larger tables are seeded (fleet.py).
BACKFILL_MEASURED_JOBS = 1_000


@dataclass
class Tick:
    list_calls: int
    discovery_calls: int
    read_units: float
    write_units: float
    jobs_written: int
    seconds: float
    polled: int = 0
    errors: int = 0
    deferred: int = 0
    throttled: int = 0
    modeled: bool = False

    @property
    def api_calls(self) -> int:
        return self.list_calls + self.discovery_calls


@dataclass
class FleetResult:
    sources: int
    history: int
    backfill: Tick | None
    seeded: int
    auditor: dict[str, Tick] = field(default_factory=dict)
    baseline: dict[str, Tick] = field(default_factory=dict)


# -- measuring ---------------------------------------------------------------------------------


def auditor_tick(lb: Loopback, time_left: Callable[[], float] | None = None) -> Tick:
    """One run of the real poller (what the handler runs), measured."""
    lb.simulator.reset_stats()
    started = time.perf_counter()
    summary = poller.run(PollerSettings.from_env(), time_left=time_left or (lambda: math.inf))
    seconds = time.perf_counter() - started
    stats = lb.simulator.stats()
    listed = sum(stats["calls"].get(name, 0) for name in LIST_CALLS)
    counts = summary["services"].values()
    return Tick(
        list_calls=listed,
        discovery_calls=sum(stats["calls"].values()) - listed,
        read_units=summary["readUnits"],
        write_units=summary["writeUnits"],
        jobs_written=sum(c["JobsWritten"] for c in counts),
        seconds=seconds,
        polled=sum(c["DataSourcesPolled"] for c in counts),
        errors=sum(c["PollErrors"] for c in counts),
        deferred=sum(c["DataSourcesDeferred"] for c in counts),
        throttled=stats["throttled"],
    )


def baseline_tick(fleet: Fleet) -> Tick:
    measured: BaselineTick = naive_tick(fleet.targets, BASELINE_TABLE)
    return Tick(
        list_calls=measured.list_calls,
        discovery_calls=measured.api_calls - measured.list_calls,
        read_units=measured.read_units,
        write_units=measured.write_units,
        jobs_written=measured.jobs_written,
        seconds=measured.seconds,
    )


def modeled_baseline(
    fleet: Fleet, busy: int, discovery_calls: int, seconds_per_job: float, units_per_job: float
) -> Tick:
    """The baseline's tick computed: each data source costs ceil(jobs / 10) list calls and one
    PutItem per job; its time at the measured seconds per job."""
    jobs = [fleet.history + (1 if n < busy else 0) for n in range(len(fleet.sources))]
    return Tick(
        list_calls=sum(math.ceil(j / 10) for j in jobs),
        discovery_calls=discovery_calls,
        read_units=0.0,
        write_units=sum(jobs) * units_per_job,
        jobs_written=sum(jobs),
        seconds=sum(jobs) * seconds_per_job,
        modeled=True,
    )


def measure_fleet(
    lb: Loopback, label: int, sources: int, history: int, memory: dict[str, Any] | None
) -> FleetResult:
    """Backfill (or seed), then a quiet and a busy tick of the auditor and of the baseline;
    with `memory`, also a quiet tick's peak memory in a fresh interpreter."""
    fleet = Fleet.make(label, sources, history)
    now = datetime.now(UTC).replace(microsecond=0)
    newest = now - timedelta(minutes=30)
    fleet.load(lb.simulator, newest)
    lb.configure(fleet.targets)
    backfill, seeded = None, 0
    if sources * history <= BACKFILL_MEASURED_JOBS:
        backfill = auditor_tick(lb)
    else:
        seeded = fleet.seed_table(newest, now)
        # The seeded cursors lack what a backfill stores with them (the window's fingerprint,
        # the data source's summary): one tick writes them, as the backfill would have.
        auditor_tick(lb)
    result = FleetResult(sources, history, backfill, seeded)
    result.auditor["quiet"] = quiet = auditor_tick(lb)
    if quiet.jobs_written or quiet.errors:
        raise RuntimeError(f"the quiet tick was not quiet: {quiet}")
    measure_baseline = sources * history <= BASELINE_MEASURED_JOBS
    if measure_baseline:
        result.baseline["quiet"] = baseline_tick(fleet)
    busy = fleet.add_busy_jobs(lb.simulator, now)
    result.auditor["busy"] = auditor_tick(lb)
    if measure_baseline:
        result.baseline["busy"] = baseline_tick(fleet)
        # The model that stands in for larger baselines must agree with what was measured.
        for name, busy_sources in (("quiet", 0), ("busy", busy)):
            model = modeled_baseline(fleet, busy_sources, quiet.discovery_calls, 0, 0)
            measured = result.baseline[name]
            if (model.api_calls, model.jobs_written) != (
                measured.api_calls,
                measured.jobs_written,
            ):
                raise RuntimeError(f"baseline model {model} disagrees with {measured}")
    result.baseline.setdefault("quiet", modeled_baseline(fleet, 0, quiet.discovery_calls, 0, 0))
    result.baseline.setdefault("busy", modeled_baseline(fleet, busy, quiet.discovery_calls, 0, 0))
    if memory is not None:
        # a quiet tick again now that the busy jobs are recorded, in a fresh interpreter
        memory.update(footprint.tick_memory(dict(os.environ)), sources=sources, history=history)
    fleet.remove(lb.simulator)
    return result


def fill_in_models(results: list[FleetResult]) -> None:
    """Time and units per job of the measured baseline ticks, applied to the modeled ones."""
    measured = [t for r in results for t in r.baseline.values() if not t.modeled]
    jobs = sum(t.jobs_written for t in measured)
    seconds_per_job = sum(t.seconds for t in measured) / jobs
    units_per_job = sum(t.write_units for t in measured) / jobs
    for result in results:
        for tick in result.baseline.values():
            if tick.modeled:
                tick.seconds = tick.jobs_written * seconds_per_job
                tick.write_units = tick.jobs_written * units_per_job


def prepare() -> None:
    """Inside a loopback: quiet logs (they would drown the figures) and unpaced clients with
    the functions' retry policy."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logger.setLevel("ERROR")
    settings = PollerSettings.from_env({**os.environ, "TARGETS": "{}"})
    clients.configure(settings.retry_mode, settings.max_attempts)
    clients.pace(None)


def standalone(
    doc: str,
    measure: Callable[[Loopback, int, int], Any],
    report: Callable[[Any, int], Iterable[str]],
    label: int,
    argv: list[str] | None,
) -> int:
    """One of the side measurements (self-healing, the outbox) run alone on a fresh loopback."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sources", type=int, default=100, help="data sources (default 100)")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with loopback() as lb:
        prepare()
        measured = measure(lb, label, args.sources)
    print("\n".join(report(measured, args.sources)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 only (about 1.5 minutes)")
    parser.add_argument("--output", type=Path, help="also write the tables to this file")
    args = parser.parse_args(argv)
    sizes = (10, 100) if args.quick else (10, 100, 1000)
    started, t0 = datetime.now(UTC), time.perf_counter()

    results: list[FleetResult] = []
    memory: dict[str, Any] = {}
    with loopback() as lb:
        prepare()
        create_job_table(lb.client("dynamodb"), BASELINE_TABLE)
        label = 0
        for sources in sizes:
            for history in sizes:
                label += 1
                print(f"measuring {sources} data sources x {history} jobs", file=sys.stderr)
                largest = sources == history == sizes[-1]
                results.append(
                    measure_fleet(lb, label, sources, history, memory if largest else None)
                )
        fill_in_models(results)
        quota_sources = 100 if args.quick else 1000
        print(f"measuring a quota tick of {quota_sources} data sources", file=sys.stderr)
        quota = quota_tick.measure(lb, label + 1, quota_sources, compare_unpaced=not args.quick)
        print("measuring self-healing's cost on 100 data sources", file=sys.stderr)
        clients.pace(None)
        healing_runs = healing.measure(lb, label + 2, 100)
        print("measuring the alert outbox's cost on 100 data sources", file=sys.stderr)
        # healing.measure takes two labels (its fleets with and without self-healing)
        outbox_phases = outbox.measure(lb, label + 4, 100)
        # Through the real handler, with settings of its own (it puts back pacing and them).
        bedrock_results = bedrock.measure(lb, sizes)
        print("measuring the floor of a quiet tick and a mixed tick", file=sys.stderr)
        quiet_sources = 100 if args.quick else 1000
        floor_runs = floor.measure(lb, label + 6, quiet_sources, 100 if args.quick else 200)
        print("measuring discovery calls per tick, cached and not", file=sys.stderr)
        discovery_runs = discovery.measure(lb, label + 8, 100)
    # A loopback of its own: its consumers are processes, each with its own pacer, as in Lambda.
    # Fewer than ~6,000 at its rate fit one invocation and would not fan out at all.
    print("measuring 10,000 data sources over fan-out", file=sys.stderr)
    fanout_runs = fanout.run_fanout(10_000, ticks=1 if args.quick else 2)
    print("measuring cold start and the asset", file=sys.stderr)
    cold = footprint.cold_start(3 if args.quick else 7)
    pythons = coldstart.interpreters()
    cold_variants = [coldstart.measure(3 if args.quick else 7, python=python) for python in pythons]
    counted = instructions.measure(pythons[0]) if instructions.available() else None
    try:
        asset: dict[str, Any] | None = footprint.asset_size()
    except Exception as error:  # no Node or CDK here: report it, keep the rest
        print(f"asset size not measured: {error}", file=sys.stderr)
        asset = None
    lines = list(report(results, quota, cold, memory, asset, started, time.perf_counter() - t0))
    lines += ["", *healing.report(healing_runs, 100)]
    lines += ["", *outbox.report(outbox_phases, 100)]
    lines += ["", *bedrock.report(bedrock_results)]
    lines += ["", *floor.report(floor_runs)]
    lines += ["", *discovery.report(discovery_runs, 100)]
    for cold_variant in cold_variants:
        lines += ["", *coldstart.report(cold_variant)]
    if counted:
        lines += ["", *instructions.report(pythons[0], counted)]
    else:
        lines += ["", "Instructions not counted: valgrind is not installed."]
    lines += ["", *fanout.report(fanout_runs)]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
