"""What the alert outbox costs: DynamoDB requests and units of the outbox (the state table's
`outbox#` items and its `pendingAlerts` index) per tick, next to the poller's own, on 127.0.0.1.

Ticks on one fleet: a quiet one; one where one job SUCCEEDED (metrics only: the baseline) and
one FAILED (an alert); one FAILED while SNS refuses (the alert waits), and the sweep after SNS
is back. Part of `make bench`; alone: `python -m bench.outbox [--sources N]`.
"""

from __future__ import annotations

import io
import math
import sys
import threading
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.fleet import Fleet
from devkit.loopback import STATE_TABLE, Loopback
from sync_auditor import table_schema as schema
from sync_auditor.adapters import clients

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})


@dataclass
class OutboxMeter:
    """Counts DynamoDB requests that touch the outbox, from the shared client's events."""

    requests: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    _local: threading.local = field(default_factory=threading.local)

    def attach(self) -> Callable[[], None]:
        events = clients.client("dynamodb").meta.events
        events.register("provide-client-params.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

        def detach() -> None:
            events.unregister("provide-client-params.dynamodb", self._before)
            events.unregister("after-call.dynamodb", self._after)

        return detach

    def _before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        key = params.get("Item") or params.get("Key") or {}
        identity = str(key.get(schema.STATE_KEY, {}).get("S", ""))
        self._local.outbox = params.get("TableName") == STATE_TABLE and (
            identity.startswith(schema.OUTBOX_PREFIX)
            or params.get("IndexName") == schema.PENDING_ALERTS_INDEX
        )
        self._local.write = model.name in WRITES

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        if not getattr(self._local, "outbox", False):
            return
        self.requests += 1
        consumed = parsed.get("ConsumedCapacity") or {}
        # A failed condition consumes a write unit too; moto reports none for it.
        units = float(consumed.get("CapacityUnits", 1.0 if self._local.write else 0.0))
        if self._local.write:
            self.write_units += units
        else:
            self.read_units += units


def item_bytes(item: dict[str, Any]) -> int:
    """DynamoDB's size of an item: attribute names plus values (strings as UTF-8, numbers
    about their digits, maps and lists their members plus a few bytes)."""

    def value_bytes(value: dict[str, Any]) -> int:
        ((kind, inner),) = value.items()
        if kind == "S":
            return len(str(inner).encode())
        if kind == "N":
            return len(str(inner)) // 2 + 1
        if kind == "M":
            return 3 + sum(len(k.encode()) + value_bytes(v) + 1 for k, v in inner.items())
        if kind == "L":
            return 3 + sum(value_bytes(v) + 1 for v in inner)
        return 1

    return sum(len(name.encode()) + value_bytes(value) for name, value in item.items())


@dataclass(frozen=True)
class Phase:
    name: str
    api_calls: int
    poller_write_units: float
    outbox_requests: int
    outbox_read_units: float
    outbox_write_units: float
    alerts: int
    entry_bytes: int = 0


def _phase(lb: Loopback, name: str, action: Callable[[], Any], *, poll: bool) -> Phase:
    """Run the real poller (when `poll`), then `action` (the notifier, or the sweep), measured."""
    from bench.run import auditor_tick

    meter = OutboxMeter()
    detach = meter.attach()
    published = len(lb.published())
    try:
        tick = auditor_tick(lb) if poll else None
        action()
    finally:
        detach()
    return Phase(
        name=name,
        api_calls=tick.api_calls if tick else 0,
        poller_write_units=tick.write_units if tick else 0.0,
        outbox_requests=meter.requests,
        outbox_read_units=meter.read_units,
        outbox_write_units=meter.write_units,
        alerts=len(lb.published()) - published,
    )


def measure(lb: Loopback, label: int, sources: int) -> list[Phase]:
    """The phases, with the functions' EMF and logs kept off stdout (the report goes there)."""
    with redirect_stdout(io.StringIO()):
        return _measure(lb, label, sources)


def _measure(lb: Loopback, label: int, sources: int) -> list[Phase]:
    from bench.run import auditor_tick
    from tests.faults.support import Outage, connection_refused  # the fault hook, reused

    fleet = Fleet.make(label, sources, 10)
    now = datetime.now(UTC).replace(microsecond=0)
    fleet.load(lb.simulator, now - timedelta(hours=2))
    # One attempt per publish: botocore's retries would only stretch the outage in wall time.
    lb.configure(fleet.targets, MAX_ATTEMPTS=1)
    auditor_tick(lb)  # the backfill, not compared
    lb.notify()

    def tick(name: str) -> Phase:
        return _phase(lb, name, lb.notify, poll=True)

    phases = [tick("quiet tick (poller + notifier)")]
    phases.append(_phase(lb, "one sweep, nothing pending", lb.sweep, poll=False))
    first, second = fleet.sources[0], fleet.sources[1]
    ended = datetime.now(UTC)
    lb.simulator.put_job(first.key, "bench-ok", "SUCCEEDED", ended - timedelta(minutes=5), ended)
    phases.append(tick("one job SUCCEEDED (metrics only)"))
    lb.simulator.put_job(second.key, "bench-fail", "FAILED", ended - timedelta(minutes=5), ended)
    phases.append(tick("one job FAILED (one alert)"))
    lb.simulator.put_job(first.key, "bench-down", "FAILED", ended - timedelta(minutes=4), ended)
    with Outage("sns", "Publish", connection_refused):
        phases.append(tick("one job FAILED while SNS refuses (alert pending)"))
    phases.append(_phase(lb, "the sweep once SNS is back", lb.sweep, poll=False))
    alert_entry = lb.client("dynamodb").get_item(
        TableName=STATE_TABLE,
        Key={
            schema.STATE_KEY: {
                "S": f"{schema.OUTBOX_PREFIX}SYNC_JOB_STATUS#{second.key}#bench-fail#FAILED"
            }
        },
    )["Item"]
    phases[3] = replace(phases[3], entry_bytes=item_bytes(alert_entry))
    expected_alerts = [0, 0, 0, 1, 0, 1]
    if [phase.alerts for phase in phases] != expected_alerts:
        raise RuntimeError(f"expected alerts {expected_alerts}, saw {[p.alerts for p in phases]}")
    fleet.remove(lb.simulator)
    return phases


def _ratio(value: float, baseline: float) -> str:
    return "—" if baseline == 0 else f"{value / baseline:.2f}"


def report(phases: list[Phase], sources: int) -> Iterable[str]:
    baseline = next(p for p in phases if p.name.startswith("one job SUCCEEDED"))
    yield f"### The alert outbox's cost: {sources:,} data sources"
    yield ""
    yield (
        "| phase | API calls | poller write units | outbox requests | outbox read units "
        "| outbox write units | / metrics-only change | alerts published |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|---:|"
    for phase in phases:
        yield (
            f"| {phase.name} | {phase.api_calls:,} | {phase.poller_write_units:g} "
            f"| {phase.outbox_requests} | {phase.outbox_read_units:g} "
            f"| {phase.outbox_write_units:g} "
            f"| {_ratio(phase.outbox_write_units, baseline.outbox_write_units)} "
            f"| {phase.alerts} |"
        )
    alert = next(p for p in phases if p.entry_bytes)
    per_write = math.ceil(alert.entry_bytes / 1024)
    yield ""
    yield (
        f"An alert's outbox entry holds its whole message (email, Slack and JSON bodies): "
        f"{alert.entry_bytes:,} bytes here, so on real DynamoDB each of its two writes costs "
        f"{per_write} write units (1 per KB), {2 * per_write + 2} in all with the sparse "
        "index's two (the index carries only the entry's small attributes, never the body); "
        f"on demand that is ${(2 * per_write + 2) * 1.25 / 1e6:.7f} per alert."
    )
    yield ""
    yield (
        "Outbox requests and units are the DynamoDB calls on the state table's `outbox#` items "
        "and its `pendingAlerts` index, as moto reports ReturnConsumedCapacity (1 per PutItem, "
        "0.5 per UpdateItem whatever the size; a failed condition counts 1). A quiet tick "
        "touches the outbox not at all: nothing changed, nothing streamed. The sweep (every 5 "
        "minutes) is one Query of the sparse index. A terminal change without an alert writes "
        "one entry (the baseline of the ratio); an alert writes its entry and marks it sent. "
        "Real DynamoDB also charges the sparse index's writes: an alert enters it and leaves "
        "it; metrics-only entries never enter it. The notifier this replaces kept a Powertools "
        "idempotency record per stream record (a put and an update: 2 write units, alert or not)."
    )


def main(argv: list[str] | None = None) -> int:
    from bench.run import standalone

    return standalone(__doc__, measure, report, 0x0B0C, argv)


if __name__ == "__main__":
    sys.exit(main())
