"""The alarms, and who each one notifies; the job-event alarms (health_alarms.py has the rest).

One failure reaches each subscriber once. Job-event alarms (failed, incomplete, stuck, silent,
retry skipped) notify nobody: every such event already got its own formatted alert, and the
alarm is the aggregate state for the dashboard and the console (attach your own action if you
want one). Health alarms say what alerts cannot (the auditor is failing, late, or stopped) and
notify the alarm topic, on ALARM and on OK. Every description states what the alarm means and
what the operator does.
"""

from __future__ import annotations

import math
from typing import Final

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from constructs import Construct

from infra.config import SyncAuditorConfig
from infra.config_schedule import HEARTBEAT_INTERVALS
from infra.metrics import JOB_FAILURE_METRICS, RETRY_SKIPPED, service_metric

GTE: Final = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
GT: Final = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
ALARM_PERIOD: Final = Duration.minutes(5)

_JOB_EVENTS: Final = {
    "SyncJobsFailed": ("sync jobs ended FAILED", "sync-auditor failures --service {service}"),
    "SyncJobsIncomplete": (
        "sync jobs ended INCOMPLETE",
        "sync-auditor failures --status INCOMPLETE --service {service}",
    ),
    "SyncJobsStuck": (
        "sync jobs open longer than stuckAfterMinutes (STUCK)",
        "stop the job in the console, or raise stuckAfterMinutes if such long syncs are normal",
    ),
    "DataSourcesSilent": (
        "data sources with no sync started within expectSyncEveryHours",
        "check the data source's sync schedule and connector in the console",
    ),
    RETRY_SKIPPED: (
        "failed sync jobs that self-healing could not retry (retry quota reached or start refused)",
        "fix the cause the alert names, then start a sync by hand",
    ),
}


class AlarmFactory:
    """Creates the alarms in `scope` (their construct ids are their names, as before)."""

    def __init__(self, scope: Construct, topic_action: actions.SnsAction) -> None:
        self._scope = scope
        self._prefix = Stack.of(scope).stack_name
        self._action = topic_action
        self.alarms: list[cloudwatch.Alarm] = []

    def add(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        meaning: str,
        runbook: str,
        comparison: cloudwatch.ComparisonOperator = GTE,
        evaluation_periods: int = 1,
        datapoints_to_alarm: int | None = None,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
        notify: bool = True,
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self._scope,
            name,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=f"sync-auditor: {meaning}. Runbook: {runbook}.",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            treat_missing_data=missing,
        )
        if notify:
            alarm.add_alarm_action(self._action)
            alarm.add_ok_action(self._action)
        self.alarms.append(alarm)
        return alarm


def tick_period(config: SyncAuditorConfig) -> Duration:
    """About one poll interval: the heartbeat window divided by the intervals it spans."""
    return Duration.minutes(math.ceil(config.heartbeat_window_minutes / HEARTBEAT_INTERVALS))


def add_job_event_alarms(alarms: AlarmFactory, config: SyncAuditorConfig) -> None:
    """Per service, state only: each event already reached its subscribers as an alert."""
    names = [*JOB_FAILURE_METRICS, "SyncJobsStuck", "DataSourcesSilent"]
    # Only when some target enables self-healing: without it the metric is never emitted.
    if config.self_healing_enabled:
        names.append(RETRY_SKIPPED)
    for service in config.services:
        for metric_name in names:
            what, runbook = _JOB_EVENTS[metric_name]
            alarms.add(
                f"{service}-{metric_name}",
                service_metric(config.metrics_namespace, metric_name, service, ALARM_PERIOD),
                threshold=1,
                meaning=(
                    f"{service} {what}. State only, notifies nobody: each one already got its "
                    "own alert"
                ),
                runbook=f"act on those alerts ({runbook.format(service=service)})",
                notify=False,
            )
