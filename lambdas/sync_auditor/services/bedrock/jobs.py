"""Where a Bedrock ingestion job (camelCase, statistics as numbers, no error code) becomes a SyncJob.

Bedrock's statuses map into the contract's vocabulary; the raw one is kept as `serviceStatus`.
Bedrock has no partial-failure status: a COMPLETE job with failed documents is INCOMPLETE.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sync_auditor import normalize
from sync_auditor.model import UNKNOWN_STATUS, DataSourceRef, SyncJob, is_terminal
from sync_auditor.normalize import mapping as _mapping

STATUSES = {
    "STARTING": "SYNCING",
    "IN_PROGRESS": "SYNCING",
    "STOPPING": "STOPPING",
    "STOPPED": "ABORTED",
    "FAILED": "FAILED",
    "COMPLETE": "SUCCEEDED",
}
OPEN_SERVICE_STATUSES = ("STARTING", "IN_PROGRESS", "STOPPING")
# The contract's counts, then the statistics it has no name for, under names of their own.
COUNTS = {
    "documentsScanned": "numberOfDocumentsScanned",
    "documentsAdded": "numberOfNewDocumentsIndexed",
    "documentsModified": "numberOfModifiedDocumentsIndexed",
    "documentsDeleted": "numberOfDocumentsDeleted",
    "documentsFailed": "numberOfDocumentsFailed",
    "metadataDocumentsScanned": "numberOfMetadataDocumentsScanned",
    "metadataDocumentsModified": "numberOfMetadataDocumentsModified",
    "documentsSkipped": "numberOfDocumentsSkipped",
}
# failureReasons may hold 2,048 reasons of 2,048 characters: the record keeps the first few,
# each bounded, within the contract's errorMessage limit (normalize.MAX_TEXT).
MAX_REASONS = 10
REASON_LIMIT = 500


def job_from_bedrock(raw: dict[str, Any], source: DataSourceRef) -> SyncJob | None:
    """Translate one ingestion job (a list summary or GetIngestionJob's `ingestionJob`); None
    when it has no ingestionJobId (nothing to key a record on)."""
    job_id = normalize.text(raw.get("ingestionJobId"))
    if not job_id:
        return None
    statistics = _mapping(raw.get("statistics"))
    counts = {name: normalize.count(statistics.get(wire)) for name, wire in COUNTS.items()}
    documents = {name: value for name, value in counts.items() if value is not None}
    service_status = normalize.text(raw.get("status"), 64)
    status = STATUSES.get(service_status or "", UNKNOWN_STATUS)
    if status == "SUCCEEDED" and documents.get("documentsFailed", 0) > 0:
        status = "INCOMPLETE"
    return SyncJob(
        source=source,
        execution_id=job_id,
        status=status,
        start_time=normalize.timestamp(raw.get("startedAt")),
        # updatedAt is the last change; once the job is terminal, that is when it ended.
        end_time=normalize.timestamp(raw.get("updatedAt")) if is_terminal(status) else None,
        error_message=failure_text(raw.get("failureReasons")),
        documents=documents,
        service_status=service_status,
    )


def failure_text(reasons: Any) -> str | None:
    """GetIngestionJob's failureReasons as one bounded text, a reason per line, saying how many
    were left out."""
    if not isinstance(reasons, list):
        return None
    lines = [
        line.replace("\n", " ")
        for reason in reasons[:MAX_REASONS]
        if (line := normalize.text(reason, REASON_LIMIT))
    ]
    if not lines:
        return None
    more = f"\n(and {len(reasons) - MAX_REASONS} more)" if len(reasons) > MAX_REASONS else ""
    return "\n".join(lines)[: normalize.MAX_TEXT - len(more)] + more


# Bedrock has no error code, so self-healing reads the reasons: retry only what says the
# service failed (an internal error, throttling, a timeout), never what says the configuration
# did (access, a missing resource, invalid input): that fails again until a person acts.
_TRANSIENT = re.compile(
    r"internal (server )?(error|failure)|throttl|too many requests|service ?unavailable|"
    r"timed? ?out|try again",
    re.IGNORECASE,
)
_CONFIGURATION = re.compile(
    r"access ?denied|not authori[sz]ed|forbidden|permission|does not exist|not found|"
    r"no ?such|invalid|validation",
    re.IGNORECASE,
)


def transient_failure(record: Mapping[str, Any]) -> bool:
    """Whether a FAILED job's reasons (its errorMessage) say the service, not its setup, failed."""
    reasons = str(record.get("errorMessage") or "")
    return bool(_TRANSIENT.search(reasons)) and not _CONFIGURATION.search(reasons)
