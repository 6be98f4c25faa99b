"""The tables of `bench.run`: the fleets' ticks against the naive baseline, the first poll,
the quota tick and the poller's footprint, as Markdown (the side measurements report their own)."""

from __future__ import annotations

import math
import os
import platform
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bench.fleet import SEEDED_PER_SOURCE

if TYPE_CHECKING:  # bench.run imports this module
    from bench.run import FleetResult


def _ratio(auditor: float, baseline: float) -> str:
    if baseline == 0:
        return "—"
    value = auditor / baseline
    return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"


def _num(value: float, modeled: bool = False) -> str:
    text = f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"
    return f"≈{text}" if modeled else text


def _secs(value: float, modeled: bool = False) -> str:
    text = f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return f"≈{text}" if modeled else text


def machine() -> str:
    import botocore
    import moto

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, botocore "
        f"{botocore.__version__}, moto {moto.__version__} (server and simulator in-process)"
    )


def report(
    results: list[FleetResult],
    quota: dict[str, Any],
    cold: dict[str, Any],
    memory: dict[str, Any],
    asset: dict[str, Any] | None,
    started: datetime,
    elapsed: float,
) -> Iterable[str]:
    yield f"## sync-auditor benchmark, {started:%Y-%m-%d %H:%M} UTC"
    yield ""
    yield f"Machine: {machine()}. Whole run: {elapsed / 60:.1f} min."
    yield ""
    yield "### Per tick: the auditor (a) and the naive baseline (b), and a / b"
    yield ""
    yield (
        "| data sources | jobs each | tick | API calls a | b | a/b | read units a | b "
        "| write units a | b | a/b | wall s a | b | a/b |"
    )
    yield "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in results:
        for name in ("quiet", "busy"):
            a, b = r.auditor[name], r.baseline[name]
            yield (
                f"| {r.sources:,} | {r.history:,} | {name} "
                f"| {a.list_calls:,}+{a.discovery_calls} | {_num(b.list_calls, b.modeled)}"
                f"+{b.discovery_calls} | {_ratio(a.api_calls, b.api_calls)} "
                f"| {_num(a.read_units)} | {_num(b.read_units)} "
                f"| {_num(a.write_units)} | {_num(b.write_units, b.modeled)} "
                f"| {_ratio(a.write_units, b.write_units)} "
                f"| {_secs(a.seconds)} | {_secs(b.seconds, b.modeled)} "
                f"| {_ratio(a.seconds, b.seconds)} |"
            )
    yield ""
    yield (
        "API calls are list calls + discovery (ListDataSources: ⌈n/100⌉ per Kendra index, "
        "⌈n/10⌉ per Q Business index; explicit dataSourceIds need none). Half the data sources "
        "are Kendra, half Q Business. Busy: one new FAILED job on every tenth data source. "
        "Read/write units are DynamoDB's ReturnConsumedCapacity as moto reports it (1 per item "
        "of these sizes; real DynamoDB also charges the two GSIs' writes, for both equally). "
        "The auditor's table holds each data source's newest "
        f"{SEEDED_PER_SOURCE} records where the backfill was not run (a tick touches only the "
        "newest, by key). ≈: computed, not measured (the baseline's calls and units are "
        "deterministic: ⌈jobs/10⌉ pages and one PutItem per job; its time is the measured "
        "seconds per job of the measured ticks times its jobs). Pacing is off here (no quota); "
        "wall times include moto and the simulator sharing this process."
    )
    backfills = [r for r in results if r.backfill is not None]
    if backfills:
        yield ""
        yield "### First poll (backfill), measured where it is at most 1,000 jobs"
        yield ""
        yield "| data sources | jobs each | API calls | read units | write units | wall s |"
        yield "|---:|---:|---:|---:|---:|---:|"
        for r in backfills:
            t = r.backfill
            assert t is not None
            yield (
                f"| {r.sources:,} | {r.history:,} | {t.list_calls:,}+{t.discovery_calls} "
                f"| {_num(t.read_units)} | {_num(t.write_units)} | {_secs(t.seconds)} |"
            )
    yield ""
    yield (
        f"### A quiet tick of {quota['sources']:,} data sources under a "
        f"{quota['rate']} requests/s quota, {quota['latency_s'] * 1000:.0f} ms per call"
    )
    yield ""
    yield (
        "| poller | API calls | throttled | wall s | bound (calls / rate) s | wall / bound "
        "| polled | errors | deferred |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for mode, title in (
        ("paced", f"paced (maxRequestsPerSecond {quota['rate']}, the default)"),
        ("unpaced", "unpaced (before this change)"),
    ):
        t = quota.get(mode)
        if t is None:
            continue
        bound = t.api_calls / quota["rate"]
        yield (
            f"| {title} | {t.api_calls:,} | {t.throttled:,} | {t.seconds:.1f} | {bound:.1f} "
            f"| {t.seconds / bound:.2f} | {t.polled:,} / {quota['sources']:,} | {t.errors} "
            f"| {t.deferred} |"
        )
    largest = max(results, key=lambda r: (r.sources * r.history, r.sources))
    naive = largest.baseline["quiet"].api_calls
    yield ""
    yield (
        f"The naive baseline's quiet tick of {largest.sources:,} data sources x "
        f"{largest.history:,} jobs makes {naive:,} calls: under the same quota at least "
        f"{naive / quota['rate']:,.0f} s ({naive / quota['rate'] / 3600:.1f} h), where the "
        f"auditor's makes {largest.auditor['quiet'].api_calls:,}."
    )
    capacity = int(quota["budget_s"] * quota["rate"])
    yield ""
    yield (
        f"One invocation has {quota['budget_s']:.0f} s (the 5-minute timeout less the 20 s "
        f"margin): at {quota['rate']} requests/s that is {capacity:,} calls, so about "
        f"{capacity - math.ceil(capacity / 100):,} quiet Kendra data sources per invocation. "
        "Beyond that, with fanOut configured, the tick is split over invocations (the "
        "fan-out table below); without it, the rest are deferred and go first on the next "
        "tick. Either way the invocations share the per-service pace, so a fleet larger than "
        "the quota serves in one schedule period needs a quota increase (and a higher "
        "maxRequestsPerSecond) or a longer schedule."
    )
    yield ""
    yield "### The poller's footprint"
    yield ""
    yield "| measure | value |"
    yield "|---|---:|"
    yield (
        f"| cold start: import sync_auditor.handlers.poller (median of {cold['runs']}) "
        f"| {cold['import_s'] * 1000:.0f} ms |"
    )
    yield f"| then make its DynamoDB, Kendra and Q Business clients | {cold['clients_s'] * 1000:.0f} ms |"
    yield f"| peak memory after import | {cold['maxrss_mb']:.0f} MB |"
    yield (
        f"| peak memory of a quiet tick, {memory['sources']:,} data sources x "
        f"{memory['history']:,} jobs | {memory['maxrss_kb'] / 1024:.0f} MB (of 512 MB) |"
    )
    if asset is None:
        yield "| deployed asset | not measured (synth unavailable) |"
    else:
        yield (
            f"| deployed asset (cdk synth; Powertools comes from its public layer) "
            f"| {asset['files']} files, {asset['bytes'] / 1024:.0f} KiB, "
            f"{asset['zip_bytes'] / 1024:.0f} KiB zipped |"
        )
        yield (
            f"| the same with bytecode (bytecode: auto, with a Python 3.14 at synth) "
            f"| {asset['compiled_files']} files, {asset['compiled_bytes'] / 1024:.0f} KiB, "
            f"{asset['compiled_zip_bytes'] / 1024:.0f} KiB zipped |"
        )
