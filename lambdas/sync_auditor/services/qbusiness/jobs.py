"""Where a Q Business sync job (camelCase, nested error{errorCode, errorMessage}) becomes a SyncJob."""

from __future__ import annotations

from typing import Any

from sync_auditor import normalize
from sync_auditor.model import DOCUMENT_COUNTS, DataSourceRef, SyncJob
from sync_auditor.normalize import mapping as _mapping


def job_from_qbusiness(raw: dict[str, Any], source: DataSourceRef) -> SyncJob | None:
    """Translate one history item; None when it has no executionId (nothing to key a record on)."""
    execution_id = normalize.text(raw.get("executionId"))
    if not execution_id:
        return None
    error = _mapping(raw.get("error"))
    metrics = _mapping(raw.get("metrics"))
    documents = {name: normalize.count(metrics.get(name)) for name in DOCUMENT_COUNTS}
    return SyncJob(
        source=source,
        execution_id=execution_id,
        status=normalize.status(raw.get("status")),
        start_time=normalize.timestamp(raw.get("startTime")),
        end_time=normalize.timestamp(raw.get("endTime")),
        error_code=normalize.text(error.get("errorCode"), 256),
        error_message=normalize.text(error.get("errorMessage")),
        data_source_error_code=normalize.text(raw.get("dataSourceErrorCode")),
        documents={name: value for name, value in documents.items() if value is not None},
    )
