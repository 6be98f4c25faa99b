"""The Bedrock benchmark's fleet: one knowledge base's data sources and their ingestion jobs,
loaded into the simulator, and the job table as the first tick leaves it (bench/bedrock.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bench.fleet import SEEDED_PER_SOURCE, SPACING
from devkit.loopback import JOB_TABLE, REGION, STATE_TABLE, Loopback
from devkit.simulator.bedrock_jobs import zero_statistics
from sync_auditor.adapters.job_table import to_item
from sync_auditor.model import DataSourceRef, iso_utc
from sync_auditor.records import new_record
from sync_auditor.services.bedrock.jobs import job_from_bedrock

# put_ingestion_job's names for BedrockFleet.job's fields (the summary's, in order)
PUT_NAMES = ("job_id", "status", "started_at", "updated_at", "statistics")


@dataclass
class BedrockFleet:
    """One knowledge base with explicit dataSourceIds; ids are Bedrock's [0-9a-zA-Z]{10} (the
    simulator refuses others: the API could never send them)."""

    kb: str
    data_sources: list[str]
    history: int

    @classmethod
    def make(cls, label: int, sources: int, history: int) -> BedrockFleet:
        return cls(f"BK{label:08d}", [f"DS{label:02d}{n:06d}" for n in range(sources)], history)

    @property
    def keys(self) -> list[str]:
        return [f"bedrock#{self.kb}#{ds}" for ds in self.data_sources]

    @property
    def targets(self) -> dict[str, Any]:
        entry = {"knowledgeBaseId": self.kb, "dataSourceIds": self.data_sources}
        return {"kendra": [], "qbusiness": [], "bedrock": [entry]}

    def job(self, n: int, j: int, newest: datetime) -> dict[str, Any]:
        """Job j of data source n in the summary's names: 30 minutes before job j-1 (1,000 jobs
        span ~21 days, inside the lookback), COMPLETE but for a FAILED and a COMPLETE with failed
        documents (INCOMPLETE) every 20 jobs, every statistic sent."""
        start = newest - SPACING * j
        statistics = zero_statistics() | {
            "numberOfDocumentsScanned": 1000 + j,
            "numberOfNewDocumentsIndexed": j % 7,
            "numberOfDocumentsFailed": 2 if j % 20 == 13 else 0,
        }
        return {
            "ingestionJobId": f"J{n:04d}{j:05d}",
            "status": "FAILED" if j % 20 == 7 else "COMPLETE",
            "startedAt": start,
            "updatedAt": start + timedelta(minutes=20),
            "statistics": statistics,
        }

    def load(self, lb: Loopback, newest: datetime) -> None:
        # In-process put_ingestion_job is the simulator's fastest path (the control API's bulk
        # put_ingestion_jobs is the same loop behind HTTP): 100,000 jobs take a few seconds.
        lb.simulator.add_bedrock_knowledge_base(self.kb, f"bench {self.kb}")
        for n, key in enumerate(self.keys):
            lb.simulator.add_data_source(key, f"bench source {n}")
            for j in range(self.history):
                job = self.job(n, j, newest)
                failed = job["status"] == "FAILED"
                reasons = ["Connector timed out fetching documents"] if failed else None
                named = dict(zip(PUT_NAMES, job.values(), strict=True))
                lb.simulator.put_ingestion_job(key, **named, failure_reasons=reasons)

    def seed_table(self, newest: datetime, now: datetime) -> None:
        """What the backfill leaves, straight into moto's backend: each data source's newest
        records (a quiet tick reads only the newest, by key), made by the runtime's own
        translation of the summary, and its cursor at the newest start."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend, stamp = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION], iso_utc(now)
        for n, ds in enumerate(self.data_sources):
            source = DataSourceRef.from_ids("bedrock", {"knowledge_base_id": self.kb}, ds)
            for j in range(min(self.history, SEEDED_PER_SOURCE)):
                job = job_from_bedrock(self.job(n, j, newest), source)
                assert job is not None
                backend.put_item(JOB_TABLE, to_item(new_record(job, now=stamp, history=True)))
            cursor = {"since": iso_utc(newest), "auditedSince": stamp, "updatedAt": stamp}
            item = {"id": f"cursor#{source.key}", **cursor}
            backend.put_item(STATE_TABLE, {name: {"S": value} for name, value in item.items()})
