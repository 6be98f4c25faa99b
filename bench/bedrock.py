"""Bedrock Knowledge Bases: ListIngestionJobs per data source, the auditor's and a naive script's.

Both measured in the same run, on 127.0.0.1.

ListIngestionJobs has no time filter: the auditor asks for the newest jobs first and stops at the
first page that reaches past its window; the baseline (a cron script) pages each data source's
whole history with boto3's paginator and PutItems every job, every tick. Fleets of 10 and 100
data sources with 10, 100 and 1,000 jobs each (--quick: 10 and 100): the real poller handler's
first tick and a quiet tick, then the baseline's. Part of `make bench` (and of `--quick`);
alone: `python -m bench.bedrock [--quick]`.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config

from bench.bedrock_fleet import BedrockFleet
from bench.fleet import SEEDED_PER_SOURCE
from bench.fleet_report import _num, _ratio, _secs, machine
from devkit.loopback import Loopback
from devkit.tables import create_job_table
from sync_auditor.adapters import clients
from sync_auditor.services.bedrock.api import JOBS_PAGE_SIZE
from sync_auditor.services.bedrock.jobs import OPEN_SERVICE_STATUSES
from sync_auditor.settings import PollerSettings

SOURCES = (10, 100)
LIST, GET = "bedrock-agent:ListIngestionJobs", "bedrock-agent:GetIngestionJob"
NAIVE_TABLE = "bench-naive-bedrock-jobs"
# As in bench.run: the backfill's and the baseline's PutItems go through moto's HTTP path (~100
# a second), so both are measured up to this many jobs a fleet. Beyond, the auditor's table is
# seeded as its backfill leaves it, and the baseline's listing is measured, its writes computed.
MEASURED_JOBS = 1_000
# MAX_ATTEMPTS is the default, set because a benchmark run before this one may leave another.
SETTINGS = {"MAX_REQUESTS_PER_SECOND": 1000, "LOOKBACK_DAYS": 30, "MAX_ATTEMPTS": 5}
_serializer = TypeSerializer()


@dataclass
class Tick:
    list_calls: int
    listed: int  # job summaries the list calls returned
    write_units: float
    jobs_written: int
    seconds: float
    get_calls: int = 0
    read_units: float = 0.0
    modeled: bool = False  # write units and seconds computed, not measured


@dataclass
class Result:
    sources: int
    history: int
    backfill: Tick | None
    auditor: Tick
    naive: Tick


def auditor_tick(lb: Loopback, fleet: BedrockFleet) -> Tick:
    """One invocation of the real poller handler, its calls counted by the simulator."""
    lb.simulator.reset_stats()
    # The handler's retry policy, set first, so the handler keeps the client counted below.
    settings = PollerSettings.from_env()
    clients.configure(settings.retry_mode, settings.max_attempts)
    listed: list[int] = []  # summaries per ListIngestionJobs, seen on the handler's client
    bedrock, event = clients.client("bedrock-agent"), "after-call.bedrock-agent.ListIngestionJobs"

    def count(parsed: dict[str, Any], **_: Any) -> None:
        listed.append(len(parsed.get("ingestionJobSummaries") or []))

    bedrock.meta.events.register(event, count)
    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):  # the handler's EMF metrics: the report goes there
        summary = lb.poll()
    seconds = time.perf_counter() - started
    bedrock.meta.events.unregister(event, count)
    counts, calls = summary["services"]["bedrock"], lb.simulator.stats()["calls"]
    if counts["PollErrors"] or counts["DataSourcesPolled"] != len(fleet.data_sources):
        raise RuntimeError(f"not every data source was polled: {counts}")
    list_calls, get_calls = calls.get(LIST, 0), calls.get(GET, 0)
    if len(listed) != list_calls:  # the handler made a client of its own
        raise RuntimeError(f"{len(listed)} listings seen, {list_calls} served")
    reads, writes = summary["readUnits"], summary["writeUnits"]
    return Tick(list_calls, sum(listed), writes, counts["JobsWritten"], seconds, get_calls, reads)


def naive_tick(fleet: BedrockFleet, write: bool) -> Tick:
    """The cron script: boto3 only, the paginator with its defaults, a PutItem per job."""
    started = time.perf_counter()
    config = Config(retries={"mode": "standard", "total_max_attempts": 5}, max_pool_connections=32)
    bedrock = boto3.client("bedrock-agent", config=config)
    dynamodb = boto3.client("dynamodb", config=config)
    calls, units, lock = [0], [0.0], threading.Lock()

    def count_call(**_: Any) -> None:
        with lock:
            calls[0] += 1

    bedrock.meta.events.register("before-send", count_call)

    def poll(ds: str) -> int:
        pages = bedrock.get_paginator("list_ingestion_jobs").paginate(
            knowledgeBaseId=fleet.kb, dataSourceId=ds
        )
        jobs = [job for page in pages for job in page.get("ingestionJobSummaries", [])]
        source_key = f"bedrock#{fleet.kb}#{ds}"
        for job in jobs if write else []:
            key = {"dataSourceKey": source_key, "executionId": job["ingestionJobId"]}
            item = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in job.items()}
            response = dynamodb.put_item(
                TableName=NAIVE_TABLE,
                Item={k: _serializer.serialize(v) for k, v in (key | item).items()},
                ReturnConsumedCapacity="TOTAL",
            )
            with lock:
                units[0] += float(response["ConsumedCapacity"]["CapacityUnits"])
        return len(jobs)

    with ThreadPoolExecutor(max_workers=8) as pool:  # as bench.baseline's script
        listed = sum(pool.map(poll, fleet.data_sources))
    seconds = time.perf_counter() - started
    return Tick(calls[0], listed, units[0], listed if write else 0, seconds, modeled=not write)


def measure(lb: Loopback, histories: Iterable[int], label: int = 1) -> list[Result]:
    create_job_table(lb.client("dynamodb"), NAIVE_TABLE)
    # The handler paces the shared clients and these variables would outlive the fleets: both
    # are put back, so what runs after this runs as it would without it.
    saved = {name: os.environ.get(name) for name in ("TARGETS", *SETTINGS)}
    results: list[Result] = []
    try:
        for sources in SOURCES:
            for history in histories:
                print(f"measuring Bedrock: {sources} x {history} jobs", file=sys.stderr)
                results.append(_measure_fleet(lb, BedrockFleet.make(label, sources, history)))
                label += 1
    finally:
        for name, value in saved.items():
            os.environ.pop(name, None)
            os.environ.update({} if value is None else {name: value})
        clients.pace(None)
    # The computed baseline ticks: the measured ones' units and seconds per job, per job listed.
    measured = [r.naive for r in results if not r.naive.modeled]
    jobs = sum(t.listed for t in measured)
    for tick in (r.naive for r in results if r.naive.modeled):
        tick.write_units = tick.listed * sum(t.write_units for t in measured) / jobs
        tick.seconds = tick.listed * sum(t.seconds for t in measured) / jobs
    return results


def _measure_fleet(lb: Loopback, fleet: BedrockFleet) -> Result:
    now = datetime.now(UTC).replace(microsecond=0)
    newest = now - timedelta(minutes=30)
    fleet.load(lb, newest)
    lb.configure(fleet.targets, **SETTINGS)
    sources, jobs = len(fleet.data_sources), len(fleet.data_sources) * fleet.history
    backfill = None
    if jobs <= MEASURED_JOBS:
        backfill = auditor_tick(lb, fleet)
        # Every job is inside the lookback: all its pages, then a listing per open status.
        pages = math.ceil(fleet.history / JOBS_PAGE_SIZE) + len(OPEN_SERVICE_STATUSES)
        expected = sources * pages
        if (backfill.list_calls, backfill.jobs_written) != (expected, jobs):
            raise RuntimeError(f"backfill {backfill} is not {expected} calls, {jobs} jobs")
    else:
        fleet.seed_table(newest, now)
        # The seeded cursors lack what a backfill stores with them (the window's fingerprint,
        # the data source's summary): one tick writes them, as the backfill would have.
        auditor_tick(lb, fleet)
    quiet = auditor_tick(lb, fleet)
    if quiet.jobs_written or quiet.write_units:
        raise RuntimeError(f"the quiet tick was not quiet: {quiet}")
    naive = naive_tick(fleet, write=jobs <= MEASURED_JOBS)
    for key in fleet.keys:
        lb.simulator.delete_data_source(key)
    return Result(sources, fleet.history, backfill, quiet, naive)


def report(results: list[Result]) -> Iterable[str]:
    yield "### Amazon Bedrock Knowledge Bases: the auditor (a), the naive baseline (b), and b / a"
    yield ""
    yield (
        "| data sources | jobs each | tick | ListIngestionJobs a (per data source) "
        "| b (per data source) | b/a | jobs listed per data source a | b | b/a "
        "| GetIngestionJob a | read units a | write units a | b | wall s a | b |"
    )
    yield "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for r in results:
        b, n = r.naive, r.sources
        for name, a in (("first", r.backfill), ("quiet", r.auditor)):
            if a is not None:
                yield (
                    f"| {n:,} | {r.history:,} | {name} | {a.list_calls:,} "
                    f"({a.list_calls / n:.2f}) | {b.list_calls:,} ({b.list_calls / n:.2f}) "
                    f"| {_ratio(b.list_calls, a.list_calls)} | {a.listed / n:,.0f} "
                    f"| {b.listed / n:,.0f} | {_ratio(b.listed, a.listed)} | {a.get_calls} "
                    f"| {_num(a.read_units)} | {_num(a.write_units)} "
                    f"| {_num(b.write_units, b.modeled)} | {_secs(a.seconds)} "
                    f"| {_secs(b.seconds, b.modeled)} |"
                )
    yield ""
    yield (
        "a: the real poller handler (MAX_REQUESTS_PER_SECOND 1000, LOOKBACK_DAYS 30): newest "
        f"first, {JOBS_PAGE_SIZE} a page, to the first page past its window; quiet, that is the "
        "cursor (the newest start) less the 15-minute overlap; first, the lookback: every page, "
        f"then one listing per open status ({', '.join(OPEN_SERVICE_STATUSES)}), as the run "
        "checks. b, the same every tick: "
        "boto3's list_ingestion_jobs paginator with its defaults (no sortBy, no maxResults), so "
        "the service's default page size, which AWS does not document; the simulator's is the "
        "model's maximum, 1,000, b's best case. Calls: the simulator's count (a), b's client's "
        "(b); units: DynamoDB's ReturnConsumedCapacity as moto reports it. Over "
        f"{MEASURED_JOBS:,} jobs a fleet, a's table is seeded as its first tick leaves it (the "
        f"newest {SEEDED_PER_SOURCE} records and the cursor per data source) and b's ≈ writes "
        "and seconds are computed: a PutItem per job listed, at its measured ticks' rates."
    )


def main(argv: list[str] | None = None) -> int:
    from bench.run import prepare
    from devkit.loopback import loopback

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 jobs each only")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log, from its start
    started, t0 = datetime.now(UTC), time.perf_counter()
    with loopback() as lb:
        prepare()
        results = measure(lb, (10, 100) if args.quick else (10, 100, 1000))
    elapsed = time.perf_counter() - t0
    print(f"Measured {started:%Y-%m-%d %H:%M} UTC in {elapsed:.0f} s on {machine()}.\n")
    print("\n".join(report(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
