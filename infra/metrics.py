"""The metrics the alarms and the dashboard watch: names, dimensions, and how to read them.

Custom metric names and the `{Service}` dimension set are the EMF contract of DESIGN.md
(sync_auditor/job_metrics.py, handlers/poller.py). CloudWatch matches a metric by its full
dimension set, so these must name exactly the dimensions the functions emit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from sync_auditor.job_metrics import ALERTS_PENDING, TICKS_COMPLETED

JOB_OUTCOMES: Final = (
    "SyncJobsSucceeded",
    "SyncJobsFailed",
    "SyncJobsIncomplete",
    "SyncJobsAborted",
)
JOB_FAILURE_METRICS: Final = ("SyncJobsFailed", "SyncJobsIncomplete")
# One count per alert type other than SYNC_JOB_STATUS (job_metrics.NOTICE_METRICS).
NOTICE_METRICS: Final = (
    "SyncJobsStuck",
    "DataSourcesSilent",
    "SyncJobsRecovered",
    "SyncRetriesStarted",
    "SyncRetriesSkipped",
)
RETRY_SKIPPED: Final = "SyncRetriesSkipped"
POLL_ERRORS: Final = "PollErrors"
DATA_SOURCES_DEFERRED: Final = "DataSourcesDeferred"
# The poller's counts per tick (its heartbeat included) and the sweep's pending alerts.
HEALTH_METRICS: Final = (
    "DataSourcesPolled",
    POLL_ERRORS,
    "ApiCalls",
    "JobsWritten",
    DATA_SOURCES_DEFERRED,
    TICKS_COMPLETED,
    ALERTS_PENDING,
)
DURATION_METRIC: Final = "SyncDurationSeconds"
DOCUMENTS_FAILED: Final = "DocumentsFailed"
SERVICE_DIMENSION: Final = "Service"
DATA_SOURCE_DIMENSION: Final = "DataSourceKey"


def service_metric(
    namespace: str, metric_name: str, service: str, period: Duration, statistic: str = "Sum"
) -> cloudwatch.Metric:
    """One of the auditor's EMF metrics for one service (dimension set {Service})."""
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map={SERVICE_DIMENSION: service},
        period=period,
        statistic=statistic,
    )


def across_services(
    function: str,
    namespace: str,
    metric_name: str,
    services: Sequence[str],
    period: Duration,
    statistic: str = "Sum",
    label: str | None = None,
) -> cloudwatch.MathExpression:
    """One time series for the deployment: SUM or MAX of a metric over the audited services.

    When every service's data is missing, so is the expression's: an alarm on it sees missing
    data, which is what a heartbeat needs.
    """
    metrics = {
        f"{metric_name[0].lower()}{metric_name[1:]}_{service}": service_metric(
            namespace, metric_name, service, period, statistic
        )
        for service in services
    }
    # CloudWatch's SUM / MAX of a single time series is a scalar, which no alarm can watch:
    # with one service the expression is that service's series itself.
    ids = list(metrics)
    return cloudwatch.MathExpression(
        expression=ids[0] if len(ids) == 1 else f"{function}([{', '.join(ids)}])",
        using_metrics=metrics,
        period=period,
        label=label or f"{metric_name} ({function.lower()} over services)",
    )


def queue_depth(queue: sqs.IQueue, period: Duration, label: str | None = None) -> cloudwatch.Metric:
    return queue.metric_approximate_number_of_messages_visible(
        period=period, statistic="Maximum", label=label
    )


def iterator_age(
    function: lambda_.IFunction, period: Duration, label: str | None = None
) -> cloudwatch.Metric:
    # A label would turn the alarm into a metric-math alarm: only the dashboard gets one.
    return function.metric("IteratorAge", period=period, statistic="Maximum", label=label)
