"""Random job histories for several data sources on both services, and random interleavings of
schedule ticks and faults: throttling, server errors, access denied, a deadline mid-run,
DynamoDB write errors, SNS outages (short or past the stream's retries), overlapping polls.
Once the faults stop and a few clean ticks have run:

- the job table equals the simulator's truth, field by field, for every data source;
- every change into FAILED or INCOMPLETE after the backfill was announced exactly once, and
  nothing else was (history that had already ended at the backfill announces nothing).

Records an outage parked in the on-failure destination are redriven, as an operator would.
Runs are reproducible: examples derive from this test (derandomize) and data source ids from
the example's position. SYNC_AUDITOR_PROPERTY_EXAMPLES=200 explores further.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from devkit.lambda_context import LocalContext
from devkit.loopback import JOB_TABLE, Loopback
from sync_auditor.handlers import notifier, poller
from sync_auditor.model import DOCUMENT_COUNTS, OPEN_STATUSES, TERMINAL_STATUSES
from sync_auditor.settings import PollerSettings
from tests.faults.support import (
    Outage,
    connection_refused,
    dynamodb_error,
    kendra_key,
    put_item_of,
    qbusiness_key,
    records,
    settle_clients,
    status_alerts,
)

EXAMPLES = int(os.environ.get("SYNC_AUDITOR_PROPERTY_EXAMPLES", "25"))
OPEN = sorted(OPEN_STATUSES)
STATUSES = OPEN + sorted(TERMINAL_STATUSES)
ALERTING = frozenset({"FAILED", "INCOMPLETE"})
LIST_CALLS = ("kendra:ListDataSourceSyncJobs", "qbusiness:ListDataSourceSyncJobs")
FAULTS = (
    "none",
    "throttle",
    "server_error",
    "deny",
    "deadline",
    "write_errors",
    "sns_outage",
    "overlap",
)
# Clean ticks allowed to catch up after the faults (leftover injected errors, deferred work).
SETTLE_TICKS = 4
RECORD_FIELDS = ("status", "startTime", "endTime", "errorCode", "errorMessage")
_examples = itertools.count()


@dataclass(frozen=True)
class Change:
    """The world moves: the data source's oldest open job takes `status` (the same open status
    means progress: new counts), or, when none is open, a new job starts in `status` (already
    ended when that is terminal, as a quick job seen first when it is over)."""

    source: int
    status: str


@dataclass(frozen=True)
class Tick:
    """A schedule tick (poll, then the stream delivered) under `fault`; `size` is how many
    requests, pages or attempts it takes, or which data source it hits."""

    fault: str
    size: int


scenarios = st.fixed_dictionaries(
    {
        "kendra": st.integers(1, 3),
        "qbusiness": st.integers(1, 2),
        # the history each data source has when sync-auditor is deployed (up to five sources)
        "history": st.lists(
            st.lists(st.sampled_from(STATUSES), max_size=3), min_size=5, max_size=5
        ),
        "steps": st.lists(
            st.one_of(
                st.builds(Change, st.integers(0, 4), st.sampled_from(STATUSES)),
                st.builds(Tick, st.sampled_from(FAULTS), st.integers(0, 4)),
            ),
            min_size=1,
            max_size=8,
        ),
    }
)


@dataclass
class Job:
    execution_id: str
    status: str
    start: datetime
    ended_before_backfill: bool = False


@dataclass
class Audit:
    """The deployment under test and the model of what it must end up with."""

    lb: Loopback
    keys: list[str]
    jobs: dict[str, dict[str, Job]]
    parked: list[dict[str, Any]] = field(default_factory=list)
    puts: int = 0

    # -- the world ---------------------------------------------------------------------------

    def put(self, key: str, job: Job) -> None:
        self.puts += 1
        ended = job.status not in OPEN_STATUSES
        metrics = {"documentsScanned": str(self.puts)}
        if job.status == "INCOMPLETE":
            metrics["documentsFailed"] = str(self.puts % 3 + 1)
        failed = job.status == "FAILED"
        self.lb.simulator.put_job(
            key,
            job.execution_id,
            job.status,
            job.start,
            job.start + timedelta(seconds=30) if ended else None,
            error_code="InternalError" if failed else None,
            error_message=f"change {self.puts}: the connector failed" if failed else None,
            metrics=metrics,
        )

    def apply(self, change: Change) -> None:
        key = self.keys[change.source % len(self.keys)]
        jobs = self.jobs[key]
        running = [job for job in jobs.values() if job.status in OPEN_STATUSES]
        if running:
            job = min(running, key=lambda j: j.start)
            job.status = change.status
        else:
            # Just started, as the API shows it: within the poll's overlap, after the others
            latest = max((j.start for j in jobs.values()), default=datetime.min.replace(tzinfo=UTC))
            start = max(_now() - timedelta(seconds=60), latest + timedelta(seconds=1))
            job = Job(f"run-{len(jobs)}", change.status, start)
            jobs[job.execution_id] = job
        self.put(key, job)

    # -- the auditor ---------------------------------------------------------------------------

    def poll(self, time_left: Callable[[], float] = lambda: float("inf")) -> dict[str, Any]:
        return poller.run(PollerSettings.from_env(), time_left=time_left)

    def notify(self) -> None:
        self.parked += self.lb.notify().failed_to_destination

    def redrive(self) -> None:
        """What an operator does with the on-failure destination once SNS is back."""
        for _ in range(3):
            if not self.parked:
                return
            response = notifier.handler(
                {"Records": self.parked}, LocalContext(function_name="notifier")
            )
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            self.parked = [r for r in self.parked if r["dynamodb"]["SequenceNumber"] in failed]
        assert self.parked == []

    def page_budget(self, pages: int) -> Callable[[], float]:
        def served() -> int:
            calls = self.lb.simulator.stats()["calls"]
            return sum(calls.get(name, 0) for name in LIST_CALLS)

        start = served()
        return lambda: 1.0 if served() - start < pages else 0.0

    def overlapping(self, count: int) -> None:
        errors: list[BaseException] = []

        def poll() -> None:
            try:
                self.poll()
            except BaseException as error:  # a thread's exception is otherwise lost
                errors.append(error)

        self.lb.simulator.latency_seconds = 0.01
        threads = [threading.Thread(target=poll) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.lb.simulator.latency_seconds = 0.0
        assert errors == []

    def tick(self, fault: str, size: int) -> None:
        event(f"fault: {fault}")
        sim = self.lb.simulator
        denied = self.keys[size % len(self.keys)]
        if fault == "throttle":
            sim.throttle_next(size + 1)
        elif fault == "server_error":
            sim.fail_next(size + 1, "InternalServerException")
        elif fault == "deny":
            sim.deny(denied)
        if fault == "deadline":
            self.poll(self.page_budget(size))
        elif fault == "write_errors":
            failing = dynamodb_error("InternalServerError")
            with Outage(
                "dynamodb", "PutItem", failing, matches=put_item_of(JOB_TABLE), times=size + 1
            ):
                self.poll()
        elif fault == "overlap":
            self.overlapping(2 + size % 2)
        else:
            self.poll()
        if fault == "deny":
            sim.allow(denied)
        if fault == "sns_outage":  # 3 or more failed attempts outlast the stream's retries
            with Outage("sns", "Publish", connection_refused, times=size + 1):
                self.notify()
        else:
            self.notify()

    def settle(self) -> None:
        """Clean ticks until one polls everything without an error or a deferral."""
        for _ in range(SETTLE_TICKS):
            summary = self.poll()
            self.notify()
            self.redrive()
            counts = summary["services"].values()
            if not any(c["PollErrors"] or c["DataSourcesDeferred"] for c in counts):
                break
        else:
            raise AssertionError(f"still failing after {SETTLE_TICKS} clean ticks: {summary}")
        assert self.lb.simulator.knobs()["pending_failures"] == []

    # -- what must hold ------------------------------------------------------------------------

    def expected_alerts(self) -> Counter[tuple[str, str, str]]:
        return Counter(
            {
                (key, job.execution_id, job.status): 1
                for key, jobs in self.jobs.items()
                for job in jobs.values()
                if job.status in ALERTING and not job.ended_before_backfill
            }
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def deploy(lb: Loopback, scenario: dict[str, Any]) -> Audit:
    """Fresh data sources with their history, configured and backfilled by a clean tick."""
    n = next(_examples)

    def uid(kind: int, i: int) -> str:
        return f"{n:08x}-{kind:04x}-4000-8000-{i:012x}"

    index, application, qb_index = uid(1, 0), uid(2, 0), uid(3, 0)
    kendra_ids = [f"ds-{i}" for i in range(scenario["kendra"])]
    qbusiness_ids = [uid(4, i) for i in range(scenario["qbusiness"])]
    keys = [kendra_key(index, ds) for ds in kendra_ids] + [
        qbusiness_key(application, qb_index, ds) for ds in qbusiness_ids
    ]
    audit = Audit(lb, keys, {key: {} for key in keys})
    for key, history in zip(keys, scenario["history"], strict=False):
        lb.simulator.add_data_source(key)
        for i, status in enumerate(history):
            start = _now() - timedelta(minutes=170 - 40 * i)
            job = Job(f"old-{i}", status, start, ended_before_backfill=status not in OPEN_STATUSES)
            audit.jobs[key][job.execution_id] = job
            audit.put(key, job)
    # One attempt per call: botocore's retries would hide most injected faults (and sleep
    # through backoff); this way every fault reaches the auditor's own recovery.
    lb.configure(
        {
            "kendra": [{"indexId": index, "dataSourceIds": kendra_ids}],
            "qbusiness": [{"applicationId": application, "indexId": qb_index}],
        },
        MAX_ATTEMPTS=1,
    )
    settle_clients()
    audit.poll()
    audit.notify()
    return audit


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The module's loopback is shared on purpose (each example audits its own data sources);
    # the root conftest's function-scoped fake credentials are the same for every example.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios)
def test_the_table_matches_the_truth_and_each_failure_is_announced_once(
    lb: Loopback, scenario: dict[str, Any]
) -> None:
    audit = deploy(lb, scenario)

    for step in scenario["steps"]:
        if isinstance(step, Change):
            audit.apply(step)
        else:
            audit.tick(step.fault, step.size)
    audit.settle()

    for key in audit.keys:
        truth = {job["executionId"]: job for job in lb.simulator.jobs(key)}
        table = records(lb, key)
        assert set(table) == set(truth), key
        for execution_id, job in truth.items():
            record = table[execution_id]
            for name in RECORD_FIELDS:
                assert record.get(name) == job.get(name), (key, execution_id, name)
            for name in DOCUMENT_COUNTS:
                expected = int(job[name]) if name in job else None
                assert record.get(name) == expected, (key, execution_id, name)
    assert status_alerts(lb, audit.keys) == audit.expected_alerts()
    # and once caught up, a tick writes nothing and announces nothing more
    quiet = audit.poll()
    audit.notify()
    assert sum(c["JobsWritten"] for c in quiet["services"].values()) == 0
    assert status_alerts(lb, audit.keys) == audit.expected_alerts()
