"""The one normalized sync job record every service translates into, and the key that names a data source.

The attribute names here are the table contract of DESIGN.md: users query them directly, so
renaming one is a breaking change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

# A registered service's name (sync_auditor.services.SERVICES lists them).
Service = str

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
    # The ids of the resources the data source belongs to; a service fills those it has
    # (services/spec.py: its `parents`) and leaves the others empty.
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
    knowledge_base_id: str | None = None
    knowledge_base_name: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        ids = [getattr(self, parent.id_field) for parent in _spec(self.service).parents]
        return "#".join([self.service, *ids, self.data_source_id])

    @classmethod
    def from_key(cls, key: str) -> DataSourceRef:
        from sync_auditor.services import REGISTRY

        service, *parts = key.split("#")
        spec = REGISTRY.get(service)
        if spec is None or len(parts) != len(spec.parents) + 1 or not all(parts):
            forms = " or ".join(f"'{s.key_form}'" for s in REGISTRY.values())
            raise ValueError(f"dataSourceKey {key!r} is not {forms}")
        ids = {p.id_field: part for p, part in zip(spec.parents, parts, strict=False)}
        return cls.from_ids(service, ids, parts[-1])

    @classmethod
    def from_ids(
        cls, service: str, parents: dict[str, Any], data_source_id: str, **more: Any
    ) -> DataSourceRef:
        """A data source from its parents' fields ("index_id": ...) and any others by name."""
        return cls(service, **{"index_id": "", **parents}, data_source_id=data_source_id, **more)

    def parents(self) -> list[tuple[str, str | None, str]]:
        """(label, name, id) of each resource the data source belongs to, outermost first."""
        return [
            (p.label, getattr(self, p.name_field), getattr(self, p.id_field))
            for p in _spec(self.service).parents
        ]


@cache
def _spec(service: str) -> Any:
    # Imported when first needed: the service packages build on this module.
    from sync_auditor.services import spec_of

    return spec_of(service)


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
    # The status in the service's own words, where it differs from the contract's (Bedrock).
    service_status: str | None = None

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
            "serviceStatus": self.service_status,
            # The contract's counts, and any a service adds under its own documented names.
            **self.documents,
        }
        return {name: value for name, value in values.items() if value is not None}


def identity_attributes(source: DataSourceRef) -> dict[str, Any]:
    """The attributes that say which data source a record belongs to: its key, service, the
    ids of what it belongs to, and the names where known."""
    attributes: dict[str, Any] = {
        "dataSourceKey": source.key,
        "service": source.service,
        "dataSourceId": source.data_source_id,
    }
    for parent in _spec(source.service).parents:
        attributes[parent.id_attribute] = getattr(source, parent.id_field)
        if name := getattr(source, parent.name_field):
            attributes[parent.name_attribute] = name
    if source.data_source_name:
        attributes["dataSourceName"] = source.data_source_name
    return attributes
