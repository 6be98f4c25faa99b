"""The one normalized sync job record both services translate into, and the key that names a data source.

The attribute names here are the table contract of DESIGN.md: users query them directly, so
renaming one is a breaking change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Service = Literal["kendra", "qbusiness"]
SERVICES: tuple[Service, ...] = ("kendra", "qbusiness")

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "INCOMPLETE", "ABORTED"})
OPEN_STATUSES = frozenset({"SYNCING", "SYNCING_INDEXING", "STOPPING"})
ALL_STATUSES = TERMINAL_STATUSES | OPEN_STATUSES
DEFAULT_ALERT_STATUSES = frozenset({"FAILED", "INCOMPLETE"})
# A status the API may add later is recorded as it comes, and treated as open (re-read) until
# it turns into a known terminal one: missing an end is worse than one extra read.
UNKNOWN_STATUS = "UNKNOWN"

DOCUMENT_COUNTS = (
    "documentsAdded",
    "documentsModified",
    "documentsDeleted",
    "documentsFailed",
    "documentsScanned",
)

# Fields that come from the API; a change in any of them is a change worth writing.
OBSERVED_FIELDS = (
    "status",
    "startTime",
    "endTime",
    "durationSeconds",
    "errorCode",
    "errorMessage",
    "dataSourceErrorCode",
    *DOCUMENT_COUNTS,
)


def is_terminal(status: str) -> bool:
    return status in TERMINAL_STATUSES


def iso_utc(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, to the second: the contract's time format, sortable as a string."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@dataclass(frozen=True, order=True)
class DataSourceRef:
    """One audited data source; `key` is the job table's partition key."""

    service: Service
    index_id: str
    data_source_id: str
    application_id: str | None = None
    # Names are known only when discovery listed them; they make alerts readable.
    data_source_name: str | None = field(default=None, compare=False)
    index_name: str | None = field(default=None, compare=False)
    application_name: str | None = field(default=None, compare=False)
    # The configured target this data source was discovered under ("kendra", "kendra#<index>",
    # "qbusiness#<application>", ...); None when the configuration lists it by id. A data source
    # that appears under a target already audited is audited since that target was.
    scope: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        if self.service == "kendra":
            return f"kendra#{self.index_id}#{self.data_source_id}"
        return f"qbusiness#{self.application_id}#{self.index_id}#{self.data_source_id}"

    @classmethod
    def from_key(cls, key: str) -> DataSourceRef:
        parts = key.split("#")
        if parts[0] == "kendra" and len(parts) == 3 and all(parts[1:]):
            return cls("kendra", index_id=parts[1], data_source_id=parts[2])
        if parts[0] == "qbusiness" and len(parts) == 4 and all(parts[1:]):
            return cls(
                "qbusiness", index_id=parts[2], data_source_id=parts[3], application_id=parts[1]
            )
        raise ValueError(
            f"dataSourceKey {key!r} is not 'kendra#<indexId>#<dataSourceId>' "
            "or 'qbusiness#<applicationId>#<indexId>#<dataSourceId>'"
        )


@dataclass(frozen=True)
class SyncJob:
    """One sync job as observed from the API, already in the contract's vocabulary."""

    source: DataSourceRef
    execution_id: str
    status: str
    start_time: str | None = None
    end_time: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    data_source_error_code: str | None = None
    documents: dict[str, int] = field(default_factory=dict)

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)

    @property
    def duration_seconds(self) -> int | None:
        if not self.start_time or not self.end_time:
            return None
        seconds = (parse_iso_utc(self.end_time) - parse_iso_utc(self.start_time)).total_seconds()
        return max(0, int(seconds))

    def observed(self) -> dict[str, Any]:
        """The API-derived attributes, without the ones that are absent (DynamoDB stores no None)."""
        values: dict[str, Any] = {
            "status": self.status,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "durationSeconds": self.duration_seconds,
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "dataSourceErrorCode": self.data_source_error_code,
            **{name: self.documents.get(name) for name in DOCUMENT_COUNTS},
        }
        return {name: value for name, value in values.items() if value is not None}


def identity_attributes(source: DataSourceRef) -> dict[str, Any]:
    """The attributes that say which data source a record belongs to."""
    attributes: dict[str, Any] = {
        "dataSourceKey": source.key,
        "service": source.service,
        "indexId": source.index_id,
        "dataSourceId": source.data_source_id,
    }
    optional = {
        "applicationId": source.application_id,
        "dataSourceName": source.data_source_name,
        "indexName": source.index_name,
        "applicationName": source.application_name,
    }
    attributes.update({name: value for name, value in optional.items() if value})
    return attributes
