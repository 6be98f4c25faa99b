"""What a service declares about itself: the one place the auditor learns how a service differs.

Everything generic (the poll, the cursor, records, alerts, metrics, the CLI) takes a service's
facts from its ServiceSpec, so adding a service adds a package and a registry line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync_auditor.discovery import Discovery
    from sync_auditor.model import DataSourceRef


# Kendra and Q Business write a job's document-level sync run report to the stream
# SYNC_RUN_HISTORY_REPORT/<dataSourceId>/<executionId> of their log group.
REPORT_STREAM_PREFIX = "SYNC_RUN_HISTORY_REPORT"


def report_stream(source: DataSourceRef, execution_id: str, start_time: str | None) -> list[str]:
    """The job's sync run report stream: where Kendra and Q Business log its documents."""
    return [f"{REPORT_STREAM_PREFIX}/{source.data_source_id}/{execution_id}"]


class SyncAlreadyRunning(Exception):
    """A start-sync call refused because a sync of the data source is already in progress."""


@dataclass(frozen=True)
class Parent:
    """A resource a data source belongs to (an index, an application, a knowledge base)."""

    label: str  # as alerts show it: "Index"
    id_field: str  # the DataSourceRef attribute: "index_id"
    name_field: str  # "index_name"
    id_attribute: str  # the table's attribute: "indexId"
    name_attribute: str  # "indexName"
    cli_flag: str  # the CLI's flag for its id: "--kendra-index"
    cli_help: str  # "Kendra index id"


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # the contract's `service` value and the key's first part
    title: str  # "Amazon Kendra"
    client_name: str  # boto3's service name: pacing and request counts go by it
    # Outermost first, as in the key: <name>#<parent ids...>#<dataSourceId>.
    parents: tuple[Parent, ...]
    # Builds the adapter the poller reads and starts syncs with, from a client factory.
    make_api: Callable[[Callable[[str], Any]], Any]
    # Expands this service's configured targets into data sources (discovery.Discovery).
    discover: Callable[[Discovery, Any, Any], None]
    # The console page of a data source on a console host, for a valid region.
    console_url: Callable[[DataSourceRef, str, str], str]
    # The CloudWatch Logs group a data source's failed documents are logged to, or None for a
    # service whose reasons come from its API instead; and the job's stream prefixes in it.
    log_group: Callable[[DataSourceRef], str] | None = None
    log_streams: Callable[[DataSourceRef, str, str | None], list[str]] = report_stream
    # Whether a FAILED job's record shows a failure of the service rather than of the
    # configuration, which self-healing may retry; None: by its errorCode (InternalError, and
    # no dataSourceErrorCode).
    transient_failure: Callable[[Mapping[str, Any]], bool] | None = None
    # Attributes the machine-readable alert always carries for this service (null if absent),
    # beyond the parents' own.
    document_extras: Mapping[str, None] | None = None

    @property
    def key_form(self) -> str:
        parts = [f"<{p.id_attribute}>" for p in self.parents] + ["<dataSourceId>"]
        return "#".join([self.name, *parts])

    def matches(self, target: Mapping[str, Any], source: DataSourceRef) -> bool:
        """Whether a configured target entry names `source` (a parent it omits matches all)."""
        outermost, *inner = self.parents
        if target.get(outermost.id_attribute) != getattr(source, outermost.id_field):
            return False
        for parent in inner:
            if target.get(parent.id_attribute) not in (None, getattr(source, parent.id_field)):
                return False
        ids = target.get("dataSourceIds")
        return ids is None or source.data_source_id in ids
