"""Realistic CloudWatch Logs for sync jobs, written into moto's Logs (the loopback's server).

The shapes follow the services' documentation: the document-level sync run report of Kendra
and Amazon Q Business (stream `SYNC_RUN_HISTORY_REPORT/<dataSourceId>/<executionId>`, one JSON
event per document with `DocumentId`, `DocumentTitle`, `SourceUri`, `ConnectorDocumentStatus`,
`CrawlStatus`, `SyncStatus`, `IndexStatus`, `ErrorMsg`, `Acl`, `Metadata`, `HashedDocumentId`),
and Kendra's per-job data source stream (`<dataSourceId>/<YYYY-MM-DD-HH>/<executionId>`, events
with `DocumentId`, `S3Path`, `Message`, `ErrorCode`, `ErrorMessage`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sync_auditor.model import DataSourceRef

BATCH = 1000  # PutLogEvents takes at most 10,000 events / 1 MB per call


@dataclass(frozen=True)
class DocumentOutcome:
    document_id: str
    status: str = "SUCCESS"  # SUCCESS | FAILED | SKIPPED
    error: str | None = None  # ErrorMsg of the report
    error_code: str | None = None  # ErrorCode of Kendra's data source stream
    failed_stage: str = "IndexStatus"
    title: str | None = None


def report_event(doc: DocumentOutcome) -> dict[str, Any]:
    """One document of the sync run history report."""
    stages = {
        stage: {"Status": "SUCCESS"} for stage in ("CrawlStatus", "SyncStatus", "IndexStatus")
    }
    if doc.status != "SUCCESS":
        stages[doc.failed_stage] = {"Status": doc.status}
    event: dict[str, Any] = {
        "DocumentId": doc.document_id,
        "DocumentTitle": doc.title or doc.document_id.rsplit("/", 1)[-1],
        "SourceUri": f"https://example.com/{doc.document_id}",
        "ConnectorDocumentStatus": {"Status": doc.status},
        **stages,
        "Acl": [{"globalName": "user@example.com", "type": "USER", "access": "ALLOW"}],
        "Metadata": [{"key": "_category", "value": {"stringValue": "docs"}}],
        "HashedDocumentId": hashlib.sha256(doc.document_id.encode()).hexdigest(),
    }
    if doc.error:
        event["ErrorMsg"] = doc.error
    return event


def data_source_event(doc: DocumentOutcome) -> dict[str, Any]:
    """A Kendra data source stream event for a document that failed to be sent for indexing."""
    return {
        "DocumentId": doc.document_id,
        "S3Path": f"s3://bucket/prefix/{doc.document_id}",
        "Message": "Failed to ingest document via BatchPutDocument.",
        "ErrorCode": doc.error_code or "InvalidRequest",
        "ErrorMessage": doc.error or "Document failed validation.",
    }


def log_group(source: DataSourceRef) -> str:
    if source.service == "kendra":
        return f"/aws/kendra/{source.index_id}"
    return f"/aws/qbusiness/{source.application_id}"


def write_job_logs(
    logs: Any,
    source: DataSourceRef,
    execution_id: str,
    start: datetime,
    documents: Sequence[DocumentOutcome],
    *,
    data_source_stream: bool = True,
) -> str:
    """Write a job's report (and, for Kendra, its data source stream); returns the log group."""
    group = log_group(source)
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    at = int(start.timestamp() * 1000)
    report = f"SYNC_RUN_HISTORY_REPORT/{source.data_source_id}/{execution_id}"
    _put(logs, group, report, at, (report_event(d) for d in documents))
    if source.service == "kendra" and data_source_stream:
        stream = f"{source.data_source_id}/{start:%Y-%m-%d-%H}/{execution_id}"
        failed = (data_source_event(d) for d in documents if d.error_code)
        _put(logs, group, stream, at, failed)
    return group


def _put(logs: Any, group: str, stream: str, at: int, events: Iterable[dict[str, Any]]) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    batch: list[dict[str, Any]] = []
    for n, event in enumerate(events):
        batch.append({"timestamp": at + n, "message": json.dumps(event, ensure_ascii=False)})
        if len(batch) == BATCH:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
            batch = []
    if batch:
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
