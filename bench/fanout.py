"""Fan-out, measured: 10,000 quiet data sources on the loopback, ticks planned by the real
poller handler into batches on a moto FIFO queue and consumed by the real handler through the
emulated event source mapping (devkit/esm.py).

Each consumer runs in a process of its own, as each Lambda execution environment does: its
pacer is its own (maxRequestsPerSecond / maxConcurrency), so the total pace the simulator sees
is the one deployed consumers would make.

    python -m bench.fanout                  # 10,000 data sources, 3 ticks (about 3 minutes)
    python -m bench.fanout --sources 1000   # smaller
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import sys
import threading
import time
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "lambdas") not in sys.path:
    sys.path.insert(0, str(ROOT / "lambdas"))

from bench.fleet import Fleet  # noqa: E402
from devkit.esm import SqsEventSourceMapping, create_fanout_queues  # noqa: E402
from devkit.lambda_context import LocalContext  # noqa: E402
from devkit.loopback import Loopback, loopback  # noqa: E402

RATE = 100  # maxRequestsPerSecond, per service
CONCURRENCY = 4
# The plan's modelled budget: 5,000 data sources of a service at 100/s take 50 s, over the
# 30 s share of a 60 s budget, so the tick fans out (in batches of 30 s x 100/4 = 750).
BUDGET_SECONDS = 60.0


@dataclass
class TickResult:
    covered: int
    batches: int
    invocations: int
    failed: int
    peak_concurrency: int
    seconds: float
    max_per_second: dict[str, int] = field(default_factory=dict)


def _worker_init() -> None:
    # A forked worker must not share the parent's clients (their connections): fresh ones.
    from sync_auditor.adapters import clients

    clients.reset()


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    from sync_auditor.handlers import poller

    with redirect_stdout(io.StringIO()):
        return poller.handler(event, LocalContext(function_name="poller"))  # type: ignore[no-any-return]


class RateWatch:
    """Requests per service the simulator counted in each whole second."""

    def __init__(self, lb: Loopback) -> None:
        self.lb = lb
        self.peaks: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _by_service(self) -> Counter[str]:
        calls = self.lb.simulator.stats()["calls"]
        return Counter({op.split(":")[0]: 0 for op in calls}) + Counter(
            {op.split(":")[0]: n for op, n in calls.items() if "List" in op}
        )

    def _run(self) -> None:
        before = self._by_service()
        while not self._stop.wait(1.0):
            now = self._by_service()
            for service in now:
                self.peaks[service] = max(self.peaks[service], now[service] - before[service])
            before = now

    def __enter__(self) -> RateWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run_fanout(sources: int = 10_000, ticks: int = 3) -> dict[str, Any]:
    """The measurement bench/run.py reports: per tick, data sources covered, batches,
    invocations, failed invocations, concurrency peak, max requests/s per service."""
    from infra.poller import DEADLINE_MARGIN_SECONDS
    from sync_auditor.handlers import poller

    results: list[TickResult] = []
    with loopback() as lb:
        fleet = Fleet.make(0xFA, sources, 1)
        now = datetime.now(UTC).replace(microsecond=0)
        fleet.load(lb.simulator, now - timedelta(minutes=30))
        fleet.seed_table(now - timedelta(minutes=30), now)
        queue_url, _ = create_fanout_queues(lb.client("sqs"), "fanout", 3)
        lb.configure(
            fleet.targets,
            MAX_REQUESTS_PER_SECOND=RATE,
            FANOUT_QUEUE_URL=queue_url,
            FANOUT_MAX_CONCURRENCY=CONCURRENCY,
            # No period: ticks follow each other here within seconds, and each needs an id
            # of its own (tick ids are the period's start when there is one).
            FANOUT_TICK_SECONDS=0,
        )
        keys = {source.key for source in fleet.sources}
        context = multiprocessing.get_context("fork")
        with context.Pool(CONCURRENCY, initializer=_worker_init) as pool:
            for _tick in range(ticks):
                lb.simulator.reset_stats()
                started = time.perf_counter()
                with RateWatch(lb) as watch, redirect_stdout(io.StringIO()):
                    # The scheduled invocation, with a deadline that leaves it BUDGET_SECONDS.
                    summary = poller.handler(
                        {}, LocalContext(timeout_seconds=BUDGET_SECONDS + DEADLINE_MARGIN_SECONDS)
                    )
                    mapping = SqsEventSourceMapping(
                        lb.client("sqs"),
                        queue_url,
                        lambda event: pool.apply(_invoke, (event,)),
                        max_concurrency=CONCURRENCY,
                    )
                    report = mapping.drain()
                listed = lb.simulator.stats()["by_data_source"]
                batches = sum(
                    counts.get("FanOutBatchesSent", 0) for counts in summary["services"].values()
                )
                results.append(
                    TickResult(
                        covered=len(keys & set(listed)),
                        batches=batches,
                        invocations=report.invocations,
                        failed=report.failed_invocations,
                        peak_concurrency=report.peak_concurrency,
                        seconds=time.perf_counter() - started,
                        max_per_second=dict(watch.peaks),
                    )
                )
    return {"sources": sources, "rate": RATE, "concurrency": CONCURRENCY, "ticks": results}


def report(measured: dict[str, Any]) -> list[str]:
    lines = [
        f"### Fan-out: {measured['sources']:,} quiet data sources, maxRequestsPerSecond "
        f"{measured['rate']} per service, maxConcurrency {measured['concurrency']}",
        "",
        "| tick | covered | batches¹ | invocations | failed | peak concurrency "
        "| max list calls/s per service | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, t in enumerate(measured["ticks"], start=1):
        peaks = ", ".join(f"{s} {v}" for s, v in sorted(t.max_per_second.items()))
        lines.append(
            f"| {n} | {t.covered:,} / {measured['sources']:,} | {t.batches} | {t.invocations} "
            f"| {t.failed} | {t.peak_concurrency} | {peaks} | {t.seconds:.1f} |"
        )
    lines += [
        "",
        "¹ Batches summed over the services' FanOutBatchesSent (a batch holding two services' "
        "data sources counts for each).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=3)
    args = parser.parse_args()
    print("\n".join(report(run_fanout(args.sources, args.ticks))))


if __name__ == "__main__":
    main()
