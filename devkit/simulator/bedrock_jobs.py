"""Bedrock ingestion jobs as the simulator keeps them, and how the contract's jobs map onto them.

A Bedrock data source's jobs are stored in Bedrock's own terms (its statuses, numeric statistics,
failure reasons), because that is what goes on the wire. Tests written in the contract's terms
(`Simulator.put_job`) are translated once, here, and `contract()` translates back the way the
auditor is meant to read Bedrock: STARTING and IN_PROGRESS are SYNCING, a COMPLETE job with
failed documents is INCOMPLETE (Bedrock has no partial-failure status), STOPPED is ABORTED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from devkit.simulator.models import ServiceName, enum_of, service_model
from devkit.simulator.patterns import full_match
from sync_auditor.model import iso_utc

SERVICE: ServiceName = "bedrock-agent"
OPEN_STATUSES = frozenset({"STARTING", "IN_PROGRESS", "STOPPING"})
_ENDED = frozenset({"COMPLETE", "FAILED", "STOPPED"})

# The contract's statuses on Bedrock's wire. SYNCING_INDEXING has no Bedrock counterpart
# closer than IN_PROGRESS; INCOMPLETE is COMPLETE with failed documents (see from_contract).
_WIRE_STATUS = {
    "SYNCING": "IN_PROGRESS",
    "SYNCING_INDEXING": "IN_PROGRESS",
    "STOPPING": "STOPPING",
    "SUCCEEDED": "COMPLETE",
    "INCOMPLETE": "COMPLETE",
    "FAILED": "FAILED",
    "ABORTED": "STOPPED",
}
_CONTRACT_STATUS = {
    "STARTING": "SYNCING",
    "IN_PROGRESS": "SYNCING",
    "STOPPING": "STOPPING",
    "COMPLETE": "SUCCEEDED",
    "FAILED": "FAILED",
    "STOPPED": "ABORTED",
}
# The contract's document counts and the statistics they are read from.
STATISTICS = {
    "documentsScanned": "numberOfDocumentsScanned",
    "documentsAdded": "numberOfNewDocumentsIndexed",
    "documentsModified": "numberOfModifiedDocumentsIndexed",
    "documentsDeleted": "numberOfDocumentsDeleted",
    "documentsFailed": "numberOfDocumentsFailed",
}
_FAILED = STATISTICS["documentsFailed"]


@dataclass(frozen=True, slots=True)
class IngestionJob:
    """One ingestion job; `execution_id` and `start` carry the names every stored job has."""

    execution_id: str  # ingestionJobId
    status: str | None  # Bedrock's, as given: fault tests may use statuses the model lacks
    start: float | None  # startedAt, epoch seconds
    updated: float  # updatedAt
    statistics: Mapping[str, Any] | None = None  # goes out verbatim
    failure_reasons: tuple[str, ...] | None = None
    description: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def wire_values(self, knowledge_base_id: str, data_source_id: str) -> dict[str, Any]:
        """Values keyed by lower-cased member name, for `wire.render` (statistics apart)."""
        return {
            "knowledgebaseid": knowledge_base_id,
            "datasourceid": data_source_id,
            "ingestionjobid": self.execution_id,
            "description": self.description,
            "status": self.status,
            "startedat": self.start,
            "updatedat": self.updated,
            "failurereasons": None if self.failure_reasons is None else list(self.failure_reasons),
        }

    def contract(self) -> dict[str, Any]:
        """The job as the auditor should record it; `serviceStatus` is Bedrock's own status."""
        status = _CONTRACT_STATUS.get(self.status or "", self.status)
        if self.status == "COMPLETE" and _count(self.statistics, _FAILED) > 0:
            status = "INCOMPLETE"
        counts = {
            name: str(self.statistics[statistic])
            for name, statistic in STATISTICS.items()
            if self.statistics and statistic in self.statistics
        }
        values = {
            "executionId": self.execution_id,
            "status": status,
            "serviceStatus": self.status,
            "startTime": _iso(self.start),
            "endTime": _iso(self.updated) if self.status in _ENDED else None,
            "errorMessage": "; ".join(self.failure_reasons) if self.failure_reasons else None,
            **counts,
        }
        return {name: value for name, value in values.items() if value is not None}


def started(job_id: str, now: float, description: str | None) -> IngestionJob:
    """What StartIngestionJob creates: STARTING now, nothing counted yet."""
    return IngestionJob(job_id, "STARTING", now, now, zero_statistics(), None, description)


def from_contract(
    *,
    execution_id: str,
    status: str,
    start: float | None,
    end: float | None,
    error_code: str | None,
    error_message: str | None,
    data_source_error_code: str | None,
    metrics: Mapping[str, str] | None,
    now: float,
) -> IngestionJob:
    """A job given in the contract's terms (Simulator.put_job), as Bedrock would show it.

    The end of a job that ended is its updatedAt; an open job was last updated when it
    started (or now, without a start). Bedrock always sends every statistic, so unnamed
    counts are 0. Bedrock has no error codes, so `error_code` and `data_source_error_code`
    have nowhere to go; the message is the one failure reason.
    """
    wire_status = _WIRE_STATUS.get(status)
    if wire_status is None:
        raise ValueError(
            f"Bedrock has no counterpart of status {status!r}: use put_ingestion_job for "
            f"Bedrock's own statuses {list(enum_of(SERVICE, 'IngestionJobStatus'))}"
        )
    statistics = zero_statistics()
    for name, value in (metrics or {}).items():
        if name not in STATISTICS:
            raise ValueError(f"unknown document count {name!r}; known: {list(STATISTICS)}")
        try:
            statistics[STATISTICS[name]] = int(value)
        except ValueError:
            raise ValueError(
                f"Bedrock's statistics are numbers, not {value!r}: use put_ingestion_job "
                "to send odd statistics"
            ) from None
    failed = statistics[_FAILED]
    if status == "INCOMPLETE":
        if "documentsFailed" in (metrics or {}) and failed < 1:
            raise ValueError("INCOMPLETE on Bedrock is COMPLETE with documentsFailed >= 1")
        statistics[_FAILED] = max(failed, 1)
    elif status == "SUCCEEDED" and failed > 0:
        raise ValueError("SUCCEEDED with failed documents reads as INCOMPLETE on Bedrock")
    if wire_status in _ENDED:
        updated = end if end is not None else (start if start is not None else now)
    else:
        updated = start if start is not None else now
    reasons = (error_message,) if error_message else None
    return IngestionJob(execution_id, wire_status, start, updated, statistics, reasons)


@cache
def _statistics_members() -> tuple[str, ...]:
    return tuple(service_model(SERVICE).shape_for("IngestionJobStatistics").members)


def zero_statistics() -> dict[str, Any]:
    return dict.fromkeys(_statistics_members(), 0)


@cache
def _id_pattern() -> str:
    return str(service_model(SERVICE).shape_for("Id").metadata["pattern"])


def check_id(value: str, what: str) -> str:
    """`value` if it is an id Bedrock could have made ([0-9a-zA-Z]{10}); ValueError otherwise:
    a resource the API could never name would only make a test pass for the wrong reason."""
    if not isinstance(value, str) or not full_match(_id_pattern(), value):
        raise ValueError(f"{what} {value!r} does not match Bedrock's id pattern {_id_pattern()}")
    return value


def _count(statistics: Mapping[str, Any] | None, name: str) -> int:
    value = (statistics or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso_utc(datetime.fromtimestamp(seconds, UTC))
