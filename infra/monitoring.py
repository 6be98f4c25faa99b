"""Alarms on job failures and on the auditor's own health, and one dashboard.

Metric names and the `{Service}` dimension set are the EMF contract of DESIGN.md (emitted by
sync_auditor/job_metrics.py and handlers/poller.py). CloudWatch matches a metric by its full
dimension set, so these must name exactly the dimensions the functions emit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.alerts import Alerts
from infra.config import SyncAuditorConfig
from infra.notifier import Notifier
from infra.poller import Poller

JOB_OUTCOMES: Final = (
    "SyncJobsSucceeded",
    "SyncJobsFailed",
    "SyncJobsIncomplete",
    "SyncJobsAborted",
)
JOB_FAILURE_ALARMS: Final = ("SyncJobsFailed", "SyncJobsIncomplete")
# Job alarms per service: failures, and jobs that hang (each also alerted on its own).
JOB_ALARMS: Final = (*JOB_FAILURE_ALARMS, "SyncJobsStuck", "DataSourcesSilent")
# One count per alert type other than SYNC_JOB_STATUS (job_metrics.NOTICE_METRICS).
NOTICE_METRICS: Final = (
    "SyncJobsStuck",
    "DataSourcesSilent",
    "SyncJobsRecovered",
    "SyncRetriesStarted",
    "SyncRetriesSkipped",
)
# Self-healing's alarm: a failure it could not retry stays a failure someone must look at.
RETRY_SKIPPED: Final = "SyncRetriesSkipped"
HEALTH_METRICS: Final = (
    "DataSourcesPolled",
    "PollErrors",
    "ApiCalls",
    "JobsWritten",
    "DataSourcesDeferred",
)
DURATION_METRIC: Final = "SyncDurationSeconds"
DOCUMENTS_FAILED: Final = "DocumentsFailed"
SERVICE_DIMENSION: Final = "Service"
DATA_SOURCE_DIMENSION: Final = "DataSourceKey"

_FAILURE_WORDS: Final = {
    "SyncJobsFailed": "sync jobs ended FAILED",
    "SyncJobsIncomplete": "sync jobs ended INCOMPLETE",
    "SyncJobsStuck": "sync jobs open longer than stuckAfterMinutes (STUCK)",
    "DataSourcesSilent": "data sources with no sync started within expectSyncEveryHours",
    RETRY_SKIPPED: (
        "failed sync jobs that self-healing could not retry (retry quota reached or start refused)"
    ),
}

ALARM_PERIOD: Final = Duration.minutes(5)
# The notifier should keep up within seconds; ten minutes behind means it is stuck retrying.
ITERATOR_AGE_THRESHOLD_MS: Final = 10 * 60 * 1000
DASHBOARD_PERIOD: Final = Duration.hours(1)


class Monitoring(Construct):
    """Health alarms notify the alarm topic, job-event alarms nobody; the dashboard shows
    outcomes and auditor health."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SyncAuditorConfig,
        alerts: Alerts,
        poller: Poller,
        notifier: Notifier,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._prefix = Stack.of(self).stack_name
        # Health alarms only: the alert topic never gets an alarm action.
        self._action = actions.SnsAction(alerts.alarm_topic)

        # The retry alarm only when some target enables self-healing; a service none of whose
        # targets does never emits the metric, and missing data does not breach.
        job_alarms = (*JOB_ALARMS, *((RETRY_SKIPPED,) if config.self_healing_enabled else ()))
        for service in config.services:
            # Each of these events already got its own formatted alert from the notifier; the
            # alarm is the aggregate state for the dashboard and console and notifies nobody.
            for metric_name in job_alarms:
                self._alarm(
                    f"{service}-{metric_name}",
                    self._job_metric(metric_name, service, ALARM_PERIOD),
                    threshold=1,
                    description=f"{service} {_FAILURE_WORDS[metric_name]}",
                    notify=False,
                )
            self._alarm(
                f"{service}-PollErrors",
                self._job_metric("PollErrors", service, ALARM_PERIOD),
                threshold=1,
                description=(
                    f"the poller could not read some {service} data sources (deleted, access "
                    "denied or throttled past retries); the poller log names them"
                ),
            )
        for name, function in (("poller", poller.function), ("notifier", notifier.function)):
            self._alarm(
                f"{name}-Errors",
                function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"the {name} function failed",
            )
            self._alarm(
                f"{name}-Throttles",
                function.metric_throttles(period=ALARM_PERIOD, statistic="Sum"),
                threshold=1,
                description=f"the {name} function was throttled",
            )
        for name, queue, what in (
            ("schedule-dlq", poller.dead_letter_queue, "scheduled polls that could not start"),
            ("sweep-dlq", notifier.sweep.dead_letter_queue, "outbox sweeps that could not start"),
            ("notifier-failures", notifier.failure_queue, "stream batches the notifier gave up on"),
        ):
            self._alarm(
                f"{name}-Depth",
                _queue_depth(queue, ALARM_PERIOD),
                threshold=0,
                comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                description=f"{what} are waiting in {name}; alerts may be missing",
            )
        self._alarm(
            "notifier-IteratorAge",
            _iterator_age(notifier.function, ALARM_PERIOD),
            threshold=ITERATOR_AGE_THRESHOLD_MS,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=2,
            description="the notifier is more than 10 minutes behind the job table stream",
        )
        self.dashboard = self._dashboard(poller, notifier)

    def _job_metric(
        self, metric_name: str, service: str, period: Duration, statistic: str = "Sum"
    ) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=self._config.metrics_namespace,
            metric_name=metric_name,
            dimensions_map={SERVICE_DIMENSION: service},
            period=period,
            statistic=statistic,
        )

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
        ),
        evaluation_periods: int = 1,
        notify: bool = True,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=f"sync-auditor: {description}",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            # Every metric here is a count or age that is simply absent when nothing happens.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if notify:
            alarm.add_alarm_action(self._action)
            alarm.add_ok_action(self._action)

    def _dashboard(self, poller: Poller, notifier: Notifier) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=self._prefix,
            default_interval=Duration.days(7),
        )
        services = self._config.services
        dashboard.add_widgets(
            cloudwatch.TextWidget(
                markdown=(
                    "# sync-auditor\nSync job outcomes per service (from the notifier's EMF "
                    "metrics), then the auditor's own health."
                ),
                width=24,
                height=2,
            )
        )
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=f"{service}: sync outcomes",
                    left=[self._job_metric(m, service, DASHBOARD_PERIOD) for m in JOB_OUTCOMES],
                    stacked=True,
                    width=24 // len(services),
                )
                for service in services
            )
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Documents failed",
                left=[self._job_metric(DOCUMENTS_FAILED, s, DASHBOARD_PERIOD) for s in services],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Sync duration (seconds): average, p90, max",
                left=[
                    self._job_metric(DURATION_METRIC, s, DASHBOARD_PERIOD, statistic)
                    for s in services
                    for statistic in ("Average", "p90", "Maximum")
                ],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title=(
                    "Stuck jobs, silent data sources, recoveries, retries started and skipped "
                    "(one alert each)"
                ),
                left=[
                    self._job_metric(m, s, DASHBOARD_PERIOD)
                    for s in services
                    for m in NOTICE_METRICS
                ],
                width=24,
            )
        )
        dashboard.add_widgets(
            *(
                cloudwatch.GraphWidget(
                    title=f"{service}: auditor health",
                    left=[self._job_metric(m, service, ALARM_PERIOD) for m in HEALTH_METRICS],
                    width=24 // len(services),
                )
                for service in services
            )
        )
        functions = (("poller", poller.function), ("notifier", notifier.function))
        dashboard.add_widgets(
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
                title="Dead-letter queues and stream lag",
                left=[
                    _queue_depth(poller.dead_letter_queue, ALARM_PERIOD, "schedule DLQ"),
                    _queue_depth(notifier.failure_queue, ALARM_PERIOD, "notifier failures"),
                ],
                right=[
                    _iterator_age(notifier.function, ALARM_PERIOD, "notifier iterator age (ms)")
                ],
                width=8,
            ),
        )
        dashboard.add_widgets(*self._per_data_source_widgets(poller, notifier))
        return dashboard

    def _per_data_source_widgets(
        self, poller: Poller, notifier: Notifier
    ) -> Sequence[cloudwatch.IWidget]:
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
        if self._config.per_data_source_metrics:
            # Opt-in metrics with the extra DataSourceKey dimension; SEARCH picks up every key.
            schema = f'{{"{self._config.metrics_namespace}",{DATA_SOURCE_DIMENSION},{SERVICE_DIMENSION}}}'
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
                        for name in JOB_FAILURE_ALARMS
                    ],
                    width=24,
                )
            )
        return widgets


def _queue_depth(
    queue: sqs.IQueue, period: Duration, label: str | None = None
) -> cloudwatch.Metric:
    return queue.metric_approximate_number_of_messages_visible(
        period=period, statistic="Maximum", label=label
    )


def _iterator_age(
    function: lambda_.IFunction, period: Duration, label: str | None = None
) -> cloudwatch.Metric:
    # A label would turn the alarm into a metric-math alarm: only the dashboard gets one.
    return function.metric("IteratorAge", period=period, statistic="Maximum", label=label)
