"""One quiet tick of the real handler over a loopback fleet, in a fresh interpreter: its peak
memory, wall and CPU time (`python -m bench.coldstart` runs it after the cold start)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.coldstart import ROOT, run_child
from bench.fleet import Fleet
from devkit.loopback import loopback

# One tick of the real handler in a fresh interpreter: peak memory, wall and CPU time.
_TICK = """import json, time
from sync_auditor.handlers import poller
from devkit.lambda_context import LocalContext
wall, cpu = time.perf_counter(), time.process_time()
summary = poller.handler({}, LocalContext(function_name="poller"))
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
counts = summary["services"].values()
print(json.dumps({
    "wall_s": wall, "cpu_s": cpu, "maxrss_kb": hwm,
    "polled": sum(c["DataSourcesPolled"] for c in counts),
    "errors": sum(c["PollErrors"] for c in counts),
    "calls": sum(c["ApiCalls"] for c in counts),
}))
"""


def tick(sources: int, requests_per_second: int) -> dict[str, Any]:
    """One quiet tick of the real handler over `sources` data sources (half Kendra, half
    Q Business) on the loopback, in a fresh interpreter: peak memory, wall and CPU time."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with loopback() as lb:
        fleet = Fleet.make(1, sources, history=10)
        now = datetime.now(UTC).replace(microsecond=0)
        newest = now - timedelta(minutes=30)
        fleet.load(lb.simulator, newest)
        # As the backfill would have left the table: the tick is quiet (nothing to write).
        fleet.seed_table(newest, now)
        lb.configure(fleet.targets, MAX_REQUESTS_PER_SECOND=requests_per_second)
        # The loopback's environment (fake credentials, its endpoints, the tables, TARGETS).
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "lambdas"), str(ROOT)]),
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        result = run_child(_TICK, env)
    if result["polled"] != sources or result["errors"]:
        raise RuntimeError(f"the tick did not poll every data source cleanly: {result}")
    return {**result, "sources": sources, "requests_per_second": requests_per_second}


def report(ticks: list[dict[str, Any]]) -> Iterator[str]:
    """The ticks' Markdown table (nothing without ticks)."""
    if ticks:
        yield "### A quiet tick of the real handler on the loopback"
        yield ""
        yield "| data sources | requests/s | API calls | wall | CPU | CPU / wall | peak memory |"
        yield "|---:|---:|---:|---:|---:|---:|---:|"
        for t in ticks:
            yield (
                f"| {t['sources']:,} | {t['requests_per_second']} | {t['calls']:,}"
                f" | {t['wall_s']:.1f} s | {t['cpu_s']:.1f} s | {t['cpu_s'] / t['wall_s']:.0%}"
                f" | {t['maxrss_kb'] / 1024:.0f} MB |"
            )
