"""A recorded audit history in the job table (moto), and a way to run the CLI and keep what it
printed. The records are made the way the poller makes them (records.new_record /
updated_record, written with JobTable.put_if_revision), so the CLI reads real shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from devkit.tables import create_job_table
from sync_auditor.adapters.job_table import JobTable
from sync_auditor.model import DataSourceRef, SyncJob, parse_iso_utc
from sync_auditor.records import new_record, updated_record
from sync_auditor_cli.main import main

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
TABLE = "sync-auditor-jobs"
REGION = "us-east-1"

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
QB_INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
QB_DS = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"

WEB = DataSourceRef(
    "kendra", INDEX, "web-crawler", data_source_name="Public website", index_name="product-docs"
)
WIKI = DataSourceRef("kendra", INDEX, "confluence", data_source_name="Confluence wiki")
SHAREPOINT = DataSourceRef(
    "qbusiness",
    QB_INDEX,
    QB_DS,
    application_id=APP,
    data_source_name="SharePoint",
    application_name="helpdesk-assistant",
)
# The job the three questions are about: it failed last night (execution ids are UUIDs).
FAILED_RUN = "9e1c4b7a-52d3-4f68-8a0b-6c2e1d9f3b75"
# Untrusted text from a data source, with a newline and a terminal escape sequence in it.
HOSTILE_MESSAGE = "Crawl aborted: robots.txt denied <b>all</b>\nsee logs\x1b[31m"


@dataclass(frozen=True)
class Observation:
    """What one poll saw of a job, and when."""

    job: SyncJob
    at: str


def job(
    source: DataSourceRef,
    execution_id: str,
    status: str,
    start: str,
    end: str | None = None,
    **fields: Any,
) -> SyncJob:
    documents = {k: v for k, v in fields.items() if k.startswith("documents")}
    other = {k: v for k, v in fields.items() if not k.startswith("documents")}
    return SyncJob(source, execution_id, status, start, end, documents=documents, **other)


# Given: a month of syncs on two Kendra data sources and one Q Business data source.
HISTORY: list[list[Observation]] = [
    [
        Observation(
            job(
                WEB,
                "w-1",
                "SUCCEEDED",
                "2026-11-01T02:00:00Z",
                "2026-11-01T02:40:00Z",
                documentsScanned=1200,
                documentsAdded=3,
                documentsFailed=0,
            ),
            "2026-11-01T02:41:00Z",
        )
    ],
    [
        Observation(
            job(
                WEB,
                "w-2",
                "SUCCEEDED",
                "2026-11-21T02:00:00Z",
                "2026-11-21T02:30:00Z",
                documentsScanned=1210,
                documentsAdded=4,
            ),
            "2026-11-21T02:31:00Z",
        )
    ],
    [
        Observation(
            job(WEB, FAILED_RUN, "SYNCING", "2026-11-22T02:00:00Z"), "2026-11-22T02:01:00Z"
        ),
        Observation(
            job(
                WEB,
                FAILED_RUN,
                "FAILED",
                "2026-11-22T02:00:00Z",
                "2026-11-22T02:05:00Z",
                error_code="InternalError",
                error_message=HOSTILE_MESSAGE,
                data_source_error_code="WEB_CRAWLER_ROBOTS_DENIED",
                documentsScanned=37,
                documentsFailed=37,
            ),
            "2026-11-22T02:06:00Z",
        ),
    ],
    [
        Observation(
            job(
                WIKI,
                "c-1",
                "FAILED",
                "2026-11-10T03:00:00Z",
                "2026-11-10T03:10:00Z",
                error_code="AccessDeniedException",
                error_message="The role cannot read the space",
            ),
            "2026-11-10T03:11:00Z",
        )
    ],
    [
        Observation(
            job(SHAREPOINT, "sp-0", "SUCCEEDED", "2026-10-15T01:00:00Z", "2026-10-15T01:20:00Z"),
            "2026-10-15T01:21:00Z",
        )
    ],
    [
        Observation(
            job(
                SHAREPOINT,
                "sp-1",
                "INCOMPLETE",
                "2026-11-21T23:30:00Z",
                "2026-11-21T23:50:00Z",
                documentsAdded=120,
                documentsFailed=9,
                documentsScanned=129,
            ),
            "2026-11-21T23:51:00Z",
        )
    ],
    [
        Observation(
            job(SHAREPOINT, "sp-2", "SYNCING", "2026-11-22T11:50:00Z"), "2026-11-22T11:51:00Z"
        )
    ],
]


def record_history(
    table_name: str = TABLE, history: list[list[Observation]] = HISTORY
) -> dict[str, dict[str, Any]]:
    """Create the job table as the stack does and write `history` (default HISTORY); returns
    the records by id."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_job_table(dynamodb, table_name)
    table = JobTable(table_name, client=lambda service: dynamodb)
    written: dict[str, dict[str, Any]] = {}
    for observations in history:
        record: dict[str, Any] | None = None
        for seen in observations:
            if record is None:
                record = new_record(seen.job, now=seen.at, history=False)
                assert table.put_if_revision(record, None)
            else:
                changed = updated_record(record, seen.job, now=seen.at)
                assert changed is not None
                assert table.put_if_revision(changed, record["revision"])
                record = changed
        assert record is not None
        written[record["executionId"]] = record
    assert all(parse_iso_utc(r["startTime"]) <= NOW for r in written.values())
    return written


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """Run `sync-auditor argv...` in this process at NOW; returns its exit code and output."""
    capsys.readouterr()  # only this command's output
    code = main(list(argv), clock=lambda: NOW)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)
