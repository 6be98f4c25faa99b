"""The health alarms: the auditor failing, late or stopped. Each notifies the alarm topic on
ALARM and on OK (AlarmFactory.add's default)."""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from infra.alarms import ALARM_PERIOD, GT, AlarmFactory, tick_period
from infra.alerts import Alerts
from infra.config import SyncAuditorConfig
from infra.metrics import (
    DATA_SOURCES_DEFERRED,
    POLL_ERRORS,
    across_services,
    iterator_age,
    queue_depth,
    service_metric,
)
from infra.notifier import SWEEP_INTERVAL, Notifier
from infra.poller import TIMEOUT as POLLER_TIMEOUT
from infra.poller import Poller
from sync_auditor.job_metrics import OLDEST_PENDING_ALERT, TICKS_COMPLETED

# The notifier should keep up within seconds; ten minutes behind means it is stuck retrying.
ITERATOR_AGE_THRESHOLD_MS: Final = 10 * 60 * 1000
# Near the timeout: the poll stops 20 s before it and leaves the rest for the next tick.
POLLER_DURATION_SHARE: Final = 0.8
# The sweep runs every 5 minutes and reports every time: a 10-minute period holds two runs,
# so scheduler jitter cannot leave it empty, and an empty one means the sweep stopped.
PENDING_ALERT_PERIOD: Final = Duration.minutes(2 * int(SWEEP_INTERVAL.to_minutes()))
PENDING_ALERT_MAX_AGE_SECONDS: Final = 600


def add_poller_alarms(alarms: AlarmFactory, config: SyncAuditorConfig, poller: Poller) -> None:
    """The poller: reading errors, a stopped heartbeat, and ticks that do not cover the work."""
    namespace, services = config.metrics_namespace, config.services
    for service in services:
        alarms.add(
            f"{service}-{POLL_ERRORS}",
            service_metric(namespace, POLL_ERRORS, service, ALARM_PERIOD),
            threshold=1,
            meaning=(
                f"the poller could not read some {service} data sources (deleted, access denied "
                "or throttled past retries)"
            ),
            runbook=(
                "the dashboard's 'Poll errors per data source' panel names them; fix the id in "
                "cdk.json or the access, or lower maxRequestsPerSecond if throttled"
            ),
        )
    window = config.heartbeat_window_minutes
    alarms.add(
        "poller-Heartbeat",
        across_services("SUM", namespace, TICKS_COMPLETED, services, Duration.minutes(window)),
        threshold=1,
        comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        # No data is the symptom: a disabled schedule, a broken role or an import error all
        # stop the metric rather than report a failure.
        missing=cloudwatch.TreatMissingData.BREACHING,
        meaning=(
            f"no poll completed in the last {window} minutes: the auditor is not auditing, and "
            "no job alert can come"
        ),
        runbook=(
            "check that the poll schedule is enabled, then the poller's Errors alarm, its log "
            "and the schedule-dlq queue; it clears at the next completed poll"
        ),
    )
    period = tick_period(config)
    alarms.add(
        DATA_SOURCES_DEFERRED,
        across_services("SUM", namespace, DATA_SOURCES_DEFERRED, services, period),
        threshold=1,
        evaluation_periods=3,
        datapoints_to_alarm=3,
        meaning=(
            "data sources were left for the next tick in 3 poll intervals in a row: one tick "
            "cannot cover them all, so their jobs are seen late"
        ),
        runbook=(
            "raise maxRequestsPerSecond (within the List APIs' quota) or maxParallelCalls, or "
            "split the targets across two deployments"
        ),
    )
    timeout_ms = POLLER_TIMEOUT.to_milliseconds()
    alarms.add(
        "poller-Duration",
        poller.function.metric_duration(statistic="Maximum", period=period),
        threshold=POLLER_DURATION_SHARE * timeout_ms,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        meaning=(
            f"the poller ran for {POLLER_DURATION_SHARE:.0%} or more of its "
            f"{timeout_ms // 60000}-minute timeout in 2 of the last 3 poll intervals: ticks are "
            "about to be cut short and data sources deferred"
        ),
        runbook=(
            "as for DataSourcesDeferred: raise maxRequestsPerSecond or maxParallelCalls, or "
            "audit fewer data sources per deployment"
        ),
    )
    if poller.fan_out is not None:
        alarms.add(
            "fanout-dlq-Depth",
            queue_depth(poller.fan_out.dead_letter_queue, ALARM_PERIOD),
            threshold=0,
            comparison=GT,
            meaning=(
                "fan-out batches failed every delivery and wait in the fan-out DLQ: their data "
                "sources were not polled by them"
            ),
            runbook=(
                "read the error in the poller's log (fan-out batch failed), fix it, then redrive "
                "the DLQ to the fan-out queue (or purge it: the next ticks poll them anyway)"
            ),
        )
    alarms.add(
        "schedule-dlq-Depth",
        queue_depth(poller.dead_letter_queue, ALARM_PERIOD),
        threshold=0,
        comparison=GT,
        meaning="scheduled polls that could not start are waiting in the poll schedule's DLQ",
        runbook=(
            "read a message's error attributes (usually the schedule's role or a missing "
            "function), fix it, then purge the queue; the next tick polls anyway"
        ),
    )


def add_notifier_alarms(
    alarms: AlarmFactory, config: SyncAuditorConfig, alerts: Alerts, notifier: Notifier
) -> None:
    """The notifier: late, failing or undelivered alerts."""
    alarms.add(
        "notifier-failures-Depth",
        queue_depth(notifier.failure_queue, ALARM_PERIOD),
        threshold=0,
        comparison=GT,
        meaning=(
            "stream batches the notifier gave up on wait in notifier-failures (batch "
            "coordinates only): their alerts may be missing"
        ),
        runbook=(
            "find the error in the notifier's log and fix it, then compare `sync-auditor "
            "failures` for the period with the alerts received; purge the queue"
        ),
    )
    alarms.add(
        "sweep-dlq-Depth",
        queue_depth(notifier.sweep.dead_letter_queue, ALARM_PERIOD),
        threshold=0,
        comparison=GT,
        meaning="outbox sweeps that could not start wait in the sweep schedule's DLQ",
        runbook=(
            "read a message's error attributes (the schedule's role or the function), fix it, "
            "then purge the queue; pending alerts go out at the next sweep"
        ),
    )
    alarms.add(
        "notifier-IteratorAge",
        iterator_age(notifier.function, ALARM_PERIOD),
        threshold=ITERATOR_AGE_THRESHOLD_MS,
        comparison=GT,
        evaluation_periods=2,
        meaning="the notifier is more than 10 minutes behind the job table stream: alerts are late",
        runbook=(
            "check the notifier's Errors and Throttles alarms and its log; the stream keeps "
            "records 24 hours"
        ),
    )
    alarms.add(
        "PendingAlerts",
        across_services(
            "MAX",
            config.metrics_namespace,
            OLDEST_PENDING_ALERT,
            config.services,
            PENDING_ALERT_PERIOD,
            statistic="Maximum",
        ),
        threshold=PENDING_ALERT_MAX_AGE_SECONDS,
        # The sweep reports every run (0 when nothing is pending): no data means it stopped.
        missing=cloudwatch.TreatMissingData.BREACHING,
        meaning=(
            f"an alert has waited {PENDING_ALERT_MAX_AGE_SECONDS // 60} minutes or more to be "
            "published (SNS or the notifier failing), or the outbox sweep stopped reporting"
        ),
        runbook=(
            "check the notifier's log and the SNS service health; `sync-auditor pending` lists "
            "what waits, and the sweep (or `pending --send`) delivers it once publishing works"
        ),
    )
    alarms.add(
        "alert-topic-DeliveryFailures",
        alerts.topic.metric_number_of_notifications_failed(period=ALARM_PERIOD, statistic="Sum"),
        threshold=1,
        meaning="SNS could not deliver alerts to some subscribers of the alert topic",
        runbook=(
            "check the topic's subscriptions in the SNS console (a bouncing address, a deleted "
            "Chatbot configuration, an endpoint of your own that fails)"
        ),
    )


def add_function_alarms(alarms: AlarmFactory, poller: Poller, notifier: Notifier) -> None:
    for name, function, failing in (
        ("poller", poller.function, "a poll failed; the heartbeat alarm follows if every one does"),
        (
            "notifier",
            notifier.function,
            "a stream batch failed (it is retried) or an outbox sweep did (the next one repeats it)",
        ),
    ):
        alarms.add(
            f"{name}-Errors",
            function.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
            threshold=1,
            meaning=f"the {name} function ended in an error: {failing}",
            runbook=f"read the error in the {name} function's log",
        )
        alarms.add(
            f"{name}-Throttles",
            function.metric_throttles(period=ALARM_PERIOD, statistic="Sum"),
            threshold=1,
            meaning=f"the {name} function was throttled (the account's Lambda concurrency ran out)",
            runbook="check what else uses the account's concurrency, or reserve some for it",
        )
