"""The dashboard: every alarm's state, sync outcomes per service, then the auditor's health."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Final

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from infra.alerts import Alerts
from infra.config import SyncAuditorConfig
from infra.metrics import (
    DATA_SOURCE_DIMENSION,
    DOCUMENTS_FAILED,
    DURATION_METRIC,
    HEALTH_METRICS,
    JOB_FAILURE_METRICS,
    JOB_OUTCOMES,
    NOTICE_METRICS,
    SERVICE_DIMENSION,
    iterator_age,
    queue_depth,
    service_metric,
)
from infra.notifier import Notifier
from infra.poller import Poller
from sync_auditor.job_metrics import OLDEST_PENDING_ALERT

DASHBOARD_PERIOD: Final = Duration.hours(1)
HEALTH_PERIOD: Final = Duration.minutes(5)


def build_dashboard(
    scope: Construct,
    *,
    config: SyncAuditorConfig,
    alerts: Alerts,
    poller: Poller,
    notifier: Notifier,
    alarms: Sequence[cloudwatch.IAlarm],
) -> cloudwatch.Dashboard:
    dashboard = cloudwatch.Dashboard(
        scope,
        "Dashboard",
        # Dashboards belong to the account, not the region: the name carries the region so a
        # second regional deployment gets its own.
        dashboard_name=f"{Stack.of(scope).stack_name}-{Aws.REGION}",
        default_interval=Duration.days(7),
    )
    dashboard.add_widgets(
        cloudwatch.TextWidget(
            markdown=(
                "# sync-auditor\nEvery alarm (health alarms notify the alarm topic; job-event "
                "alarms are state only, each event got its own alert), sync job outcomes per "
                "service (from the notifier's EMF metrics), then the auditor's own health."
            ),
            width=24,
            height=2,
        )
    )
    dashboard.add_widgets(
        cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(alarms), width=24, height=6)
    )
    for row in (
        _outcome_widgets(config),
        _notice_widgets(config),
        _health_widgets(config),
        _function_widgets(alerts, poller, notifier),
        _per_data_source_widgets(config, poller, notifier),
    ):
        dashboard.add_widgets(*row)
    return dashboard


def _outcome_widgets(config: SyncAuditorConfig) -> list[cloudwatch.IWidget]:
    metric = partial(service_metric, config.metrics_namespace, period=DASHBOARD_PERIOD)
    services = config.services
    widgets: list[cloudwatch.IWidget] = [
        cloudwatch.GraphWidget(
            title=f"{service}: sync outcomes",
            left=[metric(m, service) for m in JOB_OUTCOMES],
            stacked=True,
            width=24 // len(services),
        )
        for service in services
    ]
    widgets += [
        cloudwatch.GraphWidget(
            title="Documents failed",
            left=[metric(DOCUMENTS_FAILED, s) for s in services],
            width=12,
        ),
        cloudwatch.GraphWidget(
            title="Sync duration (seconds): average, p90, max",
            left=[
                metric(DURATION_METRIC, s, statistic=statistic)
                for s in services
                for statistic in ("Average", "p90", "Maximum")
            ],
            width=12,
        ),
    ]
    return widgets


def _notice_widgets(config: SyncAuditorConfig) -> list[cloudwatch.IWidget]:
    metric = partial(service_metric, config.metrics_namespace, period=DASHBOARD_PERIOD)
    return [
        cloudwatch.GraphWidget(
            title=(
                "Stuck jobs, silent data sources, recoveries, retries started and skipped "
                "(one alert each)"
            ),
            left=[metric(m, s) for s in config.services for m in NOTICE_METRICS],
            width=24,
        )
    ]


def _health_widgets(config: SyncAuditorConfig) -> list[cloudwatch.IWidget]:
    """Per service: what each tick did (TicksCompleted is the heartbeat, DataSourcesDeferred
    the work left over) and what the outbox sweep found pending."""
    metric = partial(service_metric, config.metrics_namespace, period=HEALTH_PERIOD)
    services = config.services
    return [
        cloudwatch.GraphWidget(
            title=f"{service}: auditor health (ticks, deferrals, pending alerts)",
            left=[metric(m, service) for m in HEALTH_METRICS],
            right=[metric(OLDEST_PENDING_ALERT, service, statistic="Maximum")],
            width=24 // len(services),
        )
        for service in services
    ]


def _function_widgets(
    alerts: Alerts, poller: Poller, notifier: Notifier
) -> list[cloudwatch.IWidget]:
    functions = (("poller", poller.function), ("notifier", notifier.function))
    return [
        cloudwatch.GraphWidget(
            title="Lambda invocations, errors, throttles",
            left=[
                metric
                for name, fn in functions
                for metric in (
                    fn.metric_invocations(label=f"{name} invocations"),
                    fn.metric_errors(label=f"{name} errors"),
                    fn.metric_throttles(label=f"{name} throttles"),
                )
            ],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Lambda duration (p90, max)",
            left=[
                fn.metric_duration(statistic=statistic, label=f"{name} {statistic}")
                for name, fn in functions
                for statistic in ("p90", "Maximum")
            ],
            width=8,
        ),
        cloudwatch.GraphWidget(
            title="Dead-letter queues, failed alert deliveries, stream lag",
            left=[
                queue_depth(poller.dead_letter_queue, HEALTH_PERIOD, "schedule DLQ"),
                queue_depth(notifier.sweep.dead_letter_queue, HEALTH_PERIOD, "sweep DLQ"),
                queue_depth(notifier.failure_queue, HEALTH_PERIOD, "notifier failures"),
                alerts.topic.metric_number_of_notifications_failed(
                    period=HEALTH_PERIOD, statistic="Sum", label="alert deliveries failed"
                ),
            ],
            right=[iterator_age(notifier.function, HEALTH_PERIOD, "notifier iterator age (ms)")],
            width=8,
        ),
    ]


def _per_data_source_widgets(
    config: SyncAuditorConfig, poller: Poller, notifier: Notifier
) -> list[cloudwatch.IWidget]:
    # From the logs: free, and always there. Only ids are logged, never job text.
    widgets: list[cloudwatch.IWidget] = [
        cloudwatch.LogQueryWidget(
            title="Alerts per data source (notifier log)",
            log_group_names=[notifier.auditor.log_group.log_group_name],
            query_lines=[
                "filter message = 'alert published'",
                "stats count(*) as alerts, latest(status) as lastStatus by dataSourceKey",
                "sort alerts desc",
                "limit 100",
            ],
            width=12,
            height=8,
        ),
        cloudwatch.LogQueryWidget(
            title="Poll errors per data source (poller log)",
            log_group_names=[poller.auditor.log_group.log_group_name],
            query_lines=[
                "filter message = 'data source poll failed'",
                "stats count(*) as errors, latest(errorCode) as lastError by dataSourceKey",
                "sort errors desc",
                "limit 100",
            ],
            width=12,
            height=8,
        ),
    ]
    if config.per_data_source_metrics:
        # Opt-in metrics with the extra DataSourceKey dimension; SEARCH picks up every key.
        schema = f'{{"{config.metrics_namespace}",{DATA_SOURCE_DIMENSION},{SERVICE_DIMENSION}}}'
        widgets.append(
            cloudwatch.GraphWidget(
                title="Failed and incomplete jobs per data source",
                left=[
                    cloudwatch.MathExpression(
                        expression=(
                            f"SEARCH('{schema} MetricName=\"{name}\"', 'Sum', "
                            f"{int(DASHBOARD_PERIOD.to_seconds())})"
                        ),
                        label=name,
                        period=DASHBOARD_PERIOD,
                    )
                    for name in JOB_FAILURE_METRICS
                ],
                width=24,
            )
        )
    return widgets
