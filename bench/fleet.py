"""A fleet of data sources with long histories: loaded into the simulator through its state API,
and into the job table as the auditor's backfill would have left it.

Histories are deterministic: job j of a data source started 30 minutes before job j-1 (so 1,000
jobs span ~21 days, inside the default 30-day lookback), mostly SUCCEEDED with a FAILED and an
INCOMPLETE every 20 jobs, every field the APIs send filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devkit.loopback import JOB_TABLE, REGION, STATE_TABLE
from devkit.simulator import Simulator
from sync_auditor.adapters.job_table import to_item
from sync_auditor.model import DataSourceRef, SyncJob, iso_utc
from sync_auditor.records import new_record

SPACING = timedelta(minutes=30)
# Each data source's newest records are seeded in the table: a tick reads only the records
# in its poll window (the newest job, here), by key, and DynamoDB charges per item touched,
# so older records would change no figure; seeding them all (10^6 in the largest case)
# would take moto ~8 minutes.
SEEDED_PER_SOURCE = 10


@dataclass(frozen=True)
class HistoryJob:
    execution_id: str
    status: str
    start: datetime
    end: datetime
    error_code: str | None
    error_message: str | None
    metrics: dict[str, str]


def history_job(source_number: int, j: int, newest_start: datetime) -> HistoryJob:
    start = newest_start - SPACING * j
    status = {7: "FAILED", 13: "INCOMPLETE"}.get(j % 20, "SUCCEEDED")
    metrics = {"documentsScanned": str(1000 + j), "documentsAdded": str(j % 7)}
    if status == "INCOMPLETE":
        metrics["documentsFailed"] = "2"
    failed = status == "FAILED"
    return HistoryJob(
        execution_id=f"{j:08x}-0000-4000-8000-{source_number:012x}",
        status=status,
        start=start,
        end=start + timedelta(minutes=20),
        error_code="InternalError" if failed else None,
        error_message="Connector timed out fetching documents" if failed else None,
        metrics=metrics,
    )


@dataclass
class Fleet:
    """`sources` data sources (half Kendra, half Q Business unless `kendra_only`), one index
    each side, audited by discovery (a TARGETS of 1,000 explicit ids would not fit Lambda's
    4 KB of environment)."""

    label: int
    sources: list[DataSourceRef]
    history: int
    targets: dict[str, Any]

    @classmethod
    def make(cls, label: int, sources: int, history: int, kendra_only: bool = False) -> Fleet:
        kendra_count = sources if kendra_only else sources // 2
        index = f"{label:08x}-0001-4000-8000-000000000000"
        application = f"{label:08x}-0002-4000-8000-000000000000"
        qb_index = f"{label:08x}-0003-4000-8000-000000000000"
        refs = [
            DataSourceRef("kendra", index, f"ds-{n:04d}", data_source_name=f"kendra source {n}")
            for n in range(kendra_count)
        ] + [
            DataSourceRef(
                "qbusiness",
                qb_index,
                f"{label:08x}-0004-4000-8000-{n:012x}",
                application_id=application,
                data_source_name=f"qbusiness source {n}",
            )
            for n in range(sources - kendra_count)
        ]
        targets: dict[str, Any] = {"kendra": [{"indexId": index}], "qbusiness": []}
        if not kendra_only:
            targets["qbusiness"] = [{"applicationId": application, "indexId": qb_index}]
        return cls(label, refs, history, targets)

    def load(self, simulator: Simulator, newest_start: datetime) -> None:
        """The histories, through the simulator's in-process state API (not the wire)."""
        for n, source in enumerate(self.sources):
            simulator.add_data_source(source.key, name=source.data_source_name)
            for j in range(self.history):
                job = history_job(n, j, newest_start)
                simulator.put_job(
                    source.key,
                    job.execution_id,
                    job.status,
                    job.start,
                    job.end,
                    error_code=job.error_code,
                    error_message=job.error_message,
                    metrics=job.metrics,
                )

    def seed_table(self, newest_start: datetime, now: datetime) -> int:
        """The records and cursors the backfill would have written for the newest jobs, put
        straight into moto's in-process backend (its HTTP path does ~100 puts a second)."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        stamp = iso_utc(now)
        seeded = 0
        for n, source in enumerate(self.sources):
            for j in range(min(self.history, SEEDED_PER_SOURCE)):
                job = history_job(n, j, newest_start)
                record = new_record(
                    SyncJob(
                        source=source,
                        execution_id=job.execution_id,
                        status=job.status,
                        start_time=iso_utc(job.start),
                        end_time=iso_utc(job.end),
                        error_code=job.error_code,
                        error_message=job.error_message,
                        documents={name: int(value) for name, value in job.metrics.items()},
                    ),
                    now=stamp,
                    history=True,
                )
                backend.put_item(JOB_TABLE, to_item(record))
                seeded += 1
            backend.put_item(
                STATE_TABLE,
                {
                    "id": {"S": f"cursor#{source.key}"},
                    "since": {"S": iso_utc(newest_start)},
                    "auditedSince": {"S": stamp},
                    "updatedAt": {"S": stamp},
                },
            )
        # When each whole index was first attempted, as the backfill would have recorded it.
        for scope in self.scopes:
            backend.put_item(
                STATE_TABLE, {"id": {"S": f"scope#{scope}"}, "auditedSince": {"S": stamp}}
            )
        return seeded

    @property
    def scopes(self) -> list[str]:
        """The discovery scopes of the targets (discovery.Discovery names them so)."""
        scopes = [f"kendra#{target['indexId']}" for target in self.targets["kendra"]]
        return scopes + [
            f"qbusiness#{target['applicationId']}#{target['indexId']}"
            for target in self.targets["qbusiness"]
        ]

    def add_busy_jobs(self, simulator: Simulator, now: datetime) -> int:
        """One new failed job on every tenth data source (at least one)."""
        busy = self.sources[::10] or self.sources[:1]
        for n, source in enumerate(busy):
            simulator.put_job(
                source.key,
                f"busy-{n:05d}",
                "FAILED",
                now - timedelta(minutes=3),
                now - timedelta(minutes=1),
                error_code="InternalError",
                error_message="Connector timed out fetching documents",
                metrics={"documentsScanned": "10", "documentsFailed": "10"},
            )
        return len(busy)

    def remove(self, simulator: Simulator) -> None:
        for source in self.sources:
            simulator.delete_data_source(source.key)
