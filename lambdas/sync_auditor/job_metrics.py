"""Which EMF metrics a job's change into a terminal status emits, and emitting them.

Dimension sets are exactly `{Service}` and, when per-data-source metrics are switched on,
`{Service, DataSourceKey}` for the failure counts only: alarms and the dashboard match a metric
by its full dimension set. Every `DataSourceKey` value is one more billed custom metric per
metric name, which is why that set is opt-in. Keys hold ids only, never names or job text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from sync_auditor.model import DOCUMENT_COUNTS
from sync_auditor.observability import metrics as shared_metrics

JOB_COUNT_METRICS = {
    "SUCCEEDED": "SyncJobsSucceeded",
    "FAILED": "SyncJobsFailed",
    "INCOMPLETE": "SyncJobsIncomplete",
    "ABORTED": "SyncJobsAborted",
}
# The statuses whose count is also emitted per data source (perDataSourceMetrics).
PER_DATA_SOURCE_STATUSES = ("FAILED", "INCOMPLETE")
DOCUMENT_METRICS = {name: name[0].upper() + name[1:] for name in DOCUMENT_COUNTS}
DURATION_METRIC = "SyncDurationSeconds"
ALERTS_PUBLISHED = "AlertsPublished"
RECORDS_FAILED = "RecordsFailed"
# The poller's heartbeat: 1 per completed tick, per audited service (alarmed on missing data).
TICKS_COMPLETED = "TicksCompleted"
# The notifier's outbox sweep, per audited service, every sweep (0 when nothing is pending).
ALERTS_PENDING = "AlertsPending"
OLDEST_PENDING_ALERT = "OldestPendingAlertSeconds"
# One count per alert of the other types (alert_message.ALERT_TYPES), dimension {Service}.
NOTICE_METRICS = {
    "SYNC_STUCK": "SyncJobsStuck",
    "SYNC_RECOVERED": "SyncJobsRecovered",
    "DATA_SOURCE_SILENT": "DataSourcesSilent",
    "SYNC_RETRY_STARTED": "SyncRetriesStarted",
    "SYNC_RETRY_SKIPPED": "SyncRetriesSkipped",
}


@dataclass(frozen=True)
class Metric:
    name: str
    unit: MetricUnit
    value: float


@dataclass(frozen=True)
class MetricSet:
    """Metrics that share dimensions: one EMF document, each metric under every dimension set."""

    dimension_sets: tuple[dict[str, str], ...]
    metrics: tuple[Metric, ...]


def for_terminal_change(job: Mapping[str, Any], *, per_data_source: bool) -> tuple[MetricSet, ...]:
    """The metrics of a job that just turned terminal: its count, document counts, duration
    under {Service}; with `per_data_source`, its failure count under {Service, DataSourceKey}
    too.

    Per data source only a failed or incomplete job's count, the one figure the dashboard
    graphs per data source: each name and key is a custom metric billed for every hour it
    receives data, so a copy of all ten for every sync (about $2,100 a month for 1,000 hourly
    data sources) paid for graphs nobody drew, where a data source now costs nothing in the
    hours it does not fail (the job table and `sync-auditor report` have the rest, free).
    """
    status = str(job["status"])
    count = Metric(JOB_COUNT_METRICS[status], MetricUnit.Count, 1)
    values = [count]
    for attribute, name in DOCUMENT_METRICS.items():
        if (documents := _number(job.get(attribute))) is not None:
            values.append(Metric(name, MetricUnit.Count, documents))
    if (duration := _number(job.get("durationSeconds"))) is not None:
        values.append(Metric(DURATION_METRIC, MetricUnit.Seconds, duration))
    service = {"Service": str(job["service"])}
    sets = [MetricSet((service,), tuple(values))]
    if per_data_source and status in PER_DATA_SOURCE_STATUSES:
        per_source = {**service, "DataSourceKey": str(job["dataSourceKey"])}
        sets.append(MetricSet((per_source,), (count,)))
    return tuple(sets)


def alert_published(service: str) -> MetricSet:
    return MetricSet(({"Service": service},), (Metric(ALERTS_PUBLISHED, MetricUnit.Count, 1),))


def notice_count(alert_type: str, service: str) -> MetricSet:
    """A stuck / recovered / ... alert: its own count (AlertsPublished follows its publish)."""
    return MetricSet(
        ({"Service": service},), (Metric(NOTICE_METRICS[alert_type], MetricUnit.Count, 1),)
    )


def pending_alerts(service: str, count: int, oldest_seconds: float) -> MetricSet:
    """The outbox after a sweep: alerts still pending, and how long the oldest has waited."""
    return MetricSet(
        ({"Service": service},),
        (
            Metric(ALERTS_PENDING, MetricUnit.Count, count),
            Metric(OLDEST_PENDING_ALERT, MetricUnit.Seconds, oldest_seconds),
        ),
    )


def records_failed(service: str, count: int) -> MetricSet:
    """Stream records the notifier could not handle this time (they are retried, then DLQ'd)."""
    return MetricSet(({"Service": service},), (Metric(RECORDS_FAILED, MetricUnit.Count, count),))


def emit(metric_sets: Sequence[MetricSet]) -> None:
    """Print one EMF document per set, right away, with no state shared with other emitters."""
    for metric_set in metric_sets:
        # Not Metrics(): its buffer is shared by every instance, and a batch can hold both
        # services. service="" keeps Powertools from adding its own `service` dimension.
        emf = EphemeralMetrics(namespace=shared_metrics.namespace, service="")
        primary, *extra = metric_set.dimension_sets
        for name, value in primary.items():
            emf.add_dimension(name=name, value=value)
        for dimensions in extra:
            emf.add_dimensions(**dimensions)
        for metric in metric_set.metrics:
            emf.add_metric(name=metric.name, unit=metric.unit, value=metric.value)
        emf.flush_metrics()


def _number(value: Any) -> float | None:
    """A stored number (Decimal from the stream); anything else is treated as absent."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value)
