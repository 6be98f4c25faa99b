"""From one job-table stream record to its actions: at most one alert, and the job's metrics.

A record acts only when it carries a change INTO a status (no old image, or an old image with
another status). Backfilled history, removals and writes that kept the status do nothing, so
the first deploy floods no one and progress updates of a running job cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from sync_auditor import alert_message, job_metrics
from sync_auditor.adapters import alerts_topic
from sync_auditor.model import SERVICES, DataSourceRef, is_terminal
from sync_auditor.observability import logger
from sync_auditor.settings import NotifierSettings

# (topic ARN, message) -> SNS message id; raises when the alert was not accepted.
Publisher = Callable[[str, alert_message.AlertMessage], str]
MetricEmitter = Callable[[Sequence[job_metrics.MetricSet]], None]
# Runs `action` at most once per stream record (keyed on its eventID) and returns its result.
Once = Callable[[Mapping[str, Any], Callable[[], dict[str, Any]]], dict[str, Any]]


def run_now(record: Mapping[str, Any], action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A `Once` without memory, for callers that deduplicate elsewhere (or not at all)."""
    return action()


@dataclass(frozen=True)
class StatusChange:
    """A job record that has just moved into `status`, as the stream delivered it."""

    job: Mapping[str, Any]
    previous_status: str | None
    region: str

    @property
    def status(self) -> str:
        return str(self.job["status"])

    @property
    def service(self) -> str:
        return str(self.job["service"])


def status_change(record: DynamoDBRecord) -> StatusChange | None:
    """The change into a new status this record carries, or None when it carries none."""
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        return None
    stream = record.dynamodb
    new = stream.new_image if stream else {}
    if not new.get("status"):
        raise ValueError("stream record has no NewImage status (is the view NEW_AND_OLD_IMAGES?)")
    old = stream.old_image if stream else {}
    previous = old.get("status") or None
    if previous == new["status"] or new.get("backfilled") is True:
        return None
    _check_identity(new)
    return StatusChange(job=new, previous_status=previous, region=record.aws_region or "")


def process_record(
    record: DynamoDBRecord,
    settings: NotifierSettings,
    *,
    publish: Publisher = alerts_topic.publish,
    emit_metrics: MetricEmitter = job_metrics.emit,
    once: Once = run_now,
) -> dict[str, Any] | None:
    """Act on one stream record, once; None when it asked for nothing."""
    change = status_change(record)
    if change is None:
        return None
    alerts = change.status in settings.alert_statuses
    if not alerts and not is_terminal(change.status):
        return None
    action = partial(
        act, change, settings, alert=alerts, publish=publish, emit_metrics=emit_metrics
    )
    return once(record.raw_event, action)


def act(
    change: StatusChange,
    settings: NotifierSettings,
    *,
    alert: bool,
    publish: Publisher,
    emit_metrics: MetricEmitter,
) -> dict[str, Any]:
    """Publish the alert, then emit the metrics; returns what was done (JSON-serializable).

    Everything that could fail on bad data is built before the publish, and nothing but
    printing comes after it: a record that fails is retried whole, so a failure after a
    successful publish would announce the same change twice.
    """
    metric_sets: list[job_metrics.MetricSet] = []
    if is_terminal(change.status):
        metric_sets.append(
            job_metrics.for_terminal_change(
                change.job, per_data_source=settings.per_data_source_metrics
            )
        )
    message_id = None
    if alert:
        facts = alert_message.Alert.from_job(
            change.job, previous_status=change.previous_status, region=change.region
        )
        message = alert_message.build(facts)
        metric_sets.append(job_metrics.alert_published(change.service))
        message_id = publish(settings.topic_arn, message)
        # Ids and fixed vocabulary only: names and error text stay out of the logs.
        logger.info(
            "alert published",
            extra={
                "dataSourceKey": change.job["dataSourceKey"],
                "executionId": change.job["executionId"],
                "status": change.status,
                "previousStatus": change.previous_status,
                "messageId": message_id,
            },
        )
    emit_metrics(metric_sets)
    return {"alerted": alert, "messageId": message_id, "metricSets": len(metric_sets)}


def _check_identity(job: Mapping[str, Any]) -> None:
    """Service and key become metric dimensions and alert ids: refuse anything off-contract."""
    service = job.get("service")
    if service not in SERVICES:
        raise ValueError(f"record's service is not one of {SERVICES}")
    if DataSourceRef.from_key(str(job.get("dataSourceKey", ""))).service != service:
        raise ValueError("record's dataSourceKey does not start with its service")
    if not job.get("executionId"):
        raise ValueError("record has no executionId")
