"""The floor of a quiet tick (issue 12): DynamoDB requests and read units per quiet data source,
and a mixed Kendra + Q Business fleet's tick against its rate bound.

    python -m bench.floor            # 1,000 quiet data sources and a 200-source mixed tick (~2 min)
    python -m bench.floor --quick    # 100 and 100

The design before (commit 571948b) is the recorded baseline: its figures were measured with
this same fleet in issue 12's table (a single-key BatchGetItem read-back of each source's newest
record, strongly consistent cursors, sources sorted by key so the services' paces never
overlapped). Read units are DynamoDB's billing for these items (each under 4 KB: 1 unit strongly
consistent, 0.5 eventually), from the requests the poller sends; moto reports 1 per key whatever
the consistency.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.fleet import Fleet
from bench.quota_tick import QUOTA_LATENCY_SECONDS
from devkit.loopback import Loopback, loopback
from sync_auditor.adapters import clients
from sync_auditor.settings import DEFAULT_MAX_REQUESTS_PER_SECOND

# bench.run imports this module: its helpers are imported where they are used.
RECORDED = {"requests": 1.01, "read_units": 2.0, "mixed_ratio": 1.87}
GOALS = {"requests": 0.02, "read_units": 0.5, "mixed_ratio": 1.1}
READS = ("BatchGetItem", "GetItem", "Query", "Scan")


class DynamoMeter:
    """Requests the poller's DynamoDB client sends, and the read units DynamoDB bills for them."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.read_units = 0.0

    def __enter__(self) -> DynamoMeter:
        clients.client("dynamodb").meta.events.register("provide-client-params.dynamodb", self)
        return self

    def __exit__(self, *_: object) -> None:
        clients.client("dynamodb").meta.events.unregister("provide-client-params.dynamodb", self)

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests[model.name] += 1
        if model.name == "BatchGetItem":
            for request in params["RequestItems"].values():
                self.read_units += len(request["Keys"]) * _unit(request.get("ConsistentRead"))
        elif model.name == "GetItem":
            self.read_units += _unit(params.get("ConsistentRead"))
        elif model.name in ("Query", "Scan"):
            self.read_units += _unit(params.get("ConsistentRead"))  # at least; none in a quiet tick

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def _unit(consistent: bool | None) -> float:
    return 1.0 if consistent else 0.5


@dataclass(frozen=True)
class QuietTick:
    sources: int
    requests: Counter[str]
    read_units: float
    list_calls: int
    writes: int


def quiet_tick(lb: Loopback, label: int, sources: int) -> QuietTick:
    """The second quiet tick after a seeded backfill (the first stores each fingerprint)."""
    from bench.run import auditor_tick

    fleet = Fleet.make(label, sources, 10)
    now = datetime.now(UTC).replace(microsecond=0)
    fleet.load(lb.simulator, now - timedelta(minutes=30))
    fleet.seed_table(now - timedelta(minutes=30), now)
    lb.configure(fleet.targets)
    auditor_tick(lb)
    with DynamoMeter() as meter:
        tick = auditor_tick(lb)
    fleet.remove(lb.simulator)
    writes = sum(meter.requests[op] for op in ("PutItem", "UpdateItem", "BatchWriteItem"))
    return QuietTick(sources, meter.requests, meter.read_units, tick.list_calls, writes)


@dataclass(frozen=True)
class MixedTick:
    sources: int
    calls: dict[str, int]
    seconds: float
    rate: int

    @property
    def bound(self) -> float:
        """The largest service's calls at its pace: what a tick cannot beat."""
        return max(self.calls.values()) / self.rate


def mixed_tick(lb: Loopback, label: int, sources: int) -> MixedTick:
    """A quiet tick of half Kendra, half Q Business data sources, each service paced at the
    default rate, every call taking the quota bench's latency."""
    from bench.run import auditor_tick

    rate = DEFAULT_MAX_REQUESTS_PER_SECOND
    fleet = Fleet.make(label, sources, 10)
    now = datetime.now(UTC).replace(microsecond=0)
    fleet.load(lb.simulator, now - timedelta(minutes=30))
    fleet.seed_table(now - timedelta(minutes=30), now)
    lb.configure(fleet.targets)
    auditor_tick(lb)  # stores the fingerprints, unpaced
    clients.pace(rate)
    lb.simulator.latency_seconds = QUOTA_LATENCY_SECONDS
    lb.simulator.reset_stats()
    started = time.perf_counter()
    auditor_tick(lb)
    seconds = time.perf_counter() - started
    calls: Counter[str] = Counter()
    for name, count in lb.simulator.stats()["calls"].items():
        calls[name.split(":")[0]] += count
    lb.simulator.latency_seconds = 0.0
    clients.pace(None)
    fleet.remove(lb.simulator)
    return MixedTick(sources, dict(calls), seconds, rate)


def measure(lb: Loopback, label: int, quiet_sources: int, mixed_sources: int) -> dict[str, Any]:
    return {
        "quiet": quiet_tick(lb, label, quiet_sources),
        "mixed": mixed_tick(lb, label + 1, mixed_sources),
    }


def _meets(value: float, goal: float) -> str:
    # At the goal's own precision: a tick's fixed reads (the deferral record, the discovery
    # cache's head) add a few thousandths per data source at 1,000 and less beyond.
    return "yes" if round(value, 2) <= goal else "**no**"


def report(measured: dict[str, Any]) -> Iterable[str]:
    quiet: QuietTick = measured["quiet"]
    mixed: MixedTick = measured["mixed"]
    n = quiet.sources
    requests = quiet.requests.total() / n
    units = quiet.read_units / n
    ratio = mixed.seconds / mixed.bound
    yield f"### The floor of a quiet tick: {n:,} data sources, and a {mixed.sources:,}-source mixed tick"
    yield ""
    yield "| figure | before (571948b, recorded) | now | goal | met |"
    yield "|---|---:|---:|---:|---|"
    yield (
        f"| DynamoDB requests per quiet data source | {RECORDED['requests']:.2f} "
        f"| {requests:.3f} | <= {GOALS['requests']} | {_meets(requests, GOALS['requests'])} |"
    )
    yield (
        f"| read units per quiet data source | {RECORDED['read_units']:.1f} | {units:.3f} "
        f"| <= {GOALS['read_units']} | {_meets(units, GOALS['read_units'])} |"
    )
    yield (
        f"| mixed tick / its rate bound | {RECORDED['mixed_ratio']:.2f}x | {ratio:.2f}x "
        f"| <= {GOALS['mixed_ratio']}x | {_meets(ratio, GOALS['mixed_ratio'])} |"
    )
    yield ""
    detail = ", ".join(f"{op} {count}" for op, count in sorted(quiet.requests.items()))
    yield (
        f"The quiet tick: {quiet.list_calls:,} list calls, DynamoDB requests {detail} "
        f"({quiet.writes} writes). The mixed tick: {mixed.calls} calls at "
        f"{mixed.rate} requests/s per service, {QUOTA_LATENCY_SECONDS * 1000:.0f} ms each, "
        f"took {mixed.seconds:.1f} s against a bound of {mixed.bound:.1f} s (the larger "
        "service's calls / its rate); run one service after the other, it would take their sum."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 quiet, 100 mixed")
    args = parser.parse_args(argv)
    from bench.run import prepare

    with loopback() as lb:
        prepare()
        measured = measure(lb, 90, 100 if args.quick else 1000, 100 if args.quick else 200)
    print("\n".join(report(measured)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
