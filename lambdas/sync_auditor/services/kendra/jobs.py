"""Where a Kendra DataSourceSyncJob (PascalCase, flat ErrorCode/ErrorMessage) becomes a SyncJob."""

from __future__ import annotations

from typing import Any

from sync_auditor import normalize
from sync_auditor.model import DataSourceRef, SyncJob
from sync_auditor.normalize import mapping as _mapping

_COUNTS = {
    "documentsAdded": "DocumentsAdded",
    "documentsModified": "DocumentsModified",
    "documentsDeleted": "DocumentsDeleted",
    "documentsFailed": "DocumentsFailed",
    "documentsScanned": "DocumentsScanned",
}


def job_from_kendra(raw: dict[str, Any], source: DataSourceRef) -> SyncJob | None:
    """Translate one History item; None when it has no ExecutionId (nothing to key a record on)."""
    execution_id = normalize.text(raw.get("ExecutionId"))
    if not execution_id:
        return None
    metrics = _mapping(raw.get("Metrics"))
    documents = {name: normalize.count(metrics.get(wire)) for name, wire in _COUNTS.items()}
    return SyncJob(
        source=source,
        execution_id=execution_id,
        status=normalize.status(raw.get("Status")),
        start_time=normalize.timestamp(raw.get("StartTime")),
        end_time=normalize.timestamp(raw.get("EndTime")),
        error_code=normalize.text(raw.get("ErrorCode"), 256),
        error_message=normalize.text(raw.get("ErrorMessage")),
        data_source_error_code=normalize.text(raw.get("DataSourceErrorCode")),
        documents={name: value for name, value in documents.items() if value is not None},
    )
