"""From one stream record to its effects, each delivered once through the outbox: the alerts it
calls for and the job's metrics (changes.py decides, outbox.py delivers).

Each effect's id names what it announces (the job and the status it moved into; the stuck job;
the silent period ...), so a record retried after one of its alerts went out sends only the
others, and the same change streamed twice announces once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor import alert_message, changes, failure_reasons, job_metrics, outbox
from sync_auditor import table_schema as schema
from sync_auditor.adapters import alerts_topic
from sync_auditor.adapters.job_logs import JobLogs
from sync_auditor.adapters.job_table import JobTable
from sync_auditor.changes import Notice, StatusChange
from sync_auditor.model import DataSourceRef, is_terminal
from sync_auditor.observability import logger
from sync_auditor.settings import NotifierSettings

# A change into FAILED / INCOMPLETE -> what the job's logs say (and stored on its record).
ReasonReader = Callable[[StatusChange], failure_reasons.ReasonSummary | None]
REASON_STATUSES = frozenset({"FAILED", "INCOMPLETE"})
# What a record keeps in hand after its log read: recording, publishing and the next records.
REASONS_RESERVE_SECONDS = 15.0
# Below this a read would find little; the summary says the logs were not read, and why.
MIN_READ_SECONDS = 1.0
NO_TIME_LEFT = "NotifierTimeBudgetExhausted"


def process_record(
    record: DynamoDBRecord,
    settings: NotifierSettings,
    *,
    store: outbox.OutboxStore,
    publish: outbox.Publisher = alerts_topic.publish,
    emit_metrics: outbox.MetricEmitter = job_metrics.emit,
    previous_terminal: changes.PreviousLookup | None = None,
    read_reasons: ReasonReader | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any] | None:
    """Deliver what one stream record calls for; None when it called for nothing.

    `read_reasons` None reads no logs (the handler passes `reasons_from_logs`).
    """
    deliver = partial(
        outbox.deliver,
        topic_arn=settings.topic_arn,
        store=store,
        publish=publish,
        emit_metrics=emit_metrics,
    )
    silent = changes.silent_notice(record)
    if silent is not None:
        done = deliver(_notice_effect(silent), now=clock())
        return {"notices": [silent.alert.alert_type], "deliveries": [done.outcome]}
    if record.dynamodb is not None and schema.STATE_KEY in record.dynamodb.keys:
        return None  # anything else from the state table: not for the notifier
    change = changes.status_change(record)
    result: dict[str, Any] | None = None
    if change is not None:
        alerts = change.status in settings.alert_statuses
        if alerts or is_terminal(change.status):
            effect = _status_effect(change, settings, alert=alerts, read_reasons=read_reasons)
            done = deliver(effect, now=clock())
            result = {
                "alerted": alerts,
                "delivery": done.outcome,
                "messageId": done.message_id,
                "metricSets": len(effect.metric_sets) + (done.outcome == "sent"),
            }
    if previous_terminal is None:
        previous_terminal = partial(_previous_terminal, settings.job_table)
    found = changes.notices(record, change, settings, previous_terminal)
    if found:
        deliveries = [deliver(_notice_effect(notice), now=clock()) for notice in found]
        result = {
            **(result or {}),
            "notices": [notice.alert.alert_type for notice in found],
            "deliveries": [done.outcome for done in deliveries],
        }
    return result


def _status_effect(
    change: StatusChange,
    settings: NotifierSettings,
    *,
    alert: bool,
    read_reasons: ReasonReader | None,
) -> outbox.Effect:
    """A job's change into a status: its metrics when terminal, and its alert when configured.

    Everything that could fail on bad data is built here, before anything is recorded or sent.
    """
    job = change.job
    metric_sets: tuple[job_metrics.MetricSet, ...] = ()
    if is_terminal(change.status):
        metric_sets = job_metrics.for_terminal_change(
            job, per_data_source=settings.per_data_source_metrics
        )
    message = None
    if alert:
        facts = alert_message.Alert.from_job(
            job, previous_status=change.previous_status, region=change.region
        )
        if read_reasons is not None and change.status in REASON_STATUSES:
            facts = replace(facts, failure_reasons=read_reasons(change))
        message = alert_message.build(facts)
    key, execution_id = str(job["dataSourceKey"]), str(job["executionId"])
    return outbox.Effect(
        id=outbox.effect_id(alert_message.ALERT_TYPE, key, execution_id, change.status),
        alert_type=alert_message.ALERT_TYPE,
        service=change.service,
        data_source_key=key,
        status=change.status,
        execution_id=execution_id,
        message=message,
        metric_sets=metric_sets,
    )


def _notice_effect(notice: Notice) -> outbox.Effect:
    """A stuck / recovered / retry / silent alert, with its own count."""
    alert = notice.alert
    subject = (
        str(notice.job["silentSince"])
        if alert.alert_type == alert_message.DATA_SOURCE_SILENT
        else alert.execution_id
    )
    return outbox.Effect(
        id=outbox.effect_id(alert.alert_type, alert.source.key, subject),
        alert_type=alert.alert_type,
        service=alert.source.service,
        data_source_key=alert.source.key,
        status=alert.status,
        execution_id=None if alert.alert_type == alert_message.DATA_SOURCE_SILENT else subject,
        message=alert_message.build(alert),
        metric_sets=(job_metrics.notice_count(alert.alert_type, alert.source.service),),
    )


def _previous_terminal(job_table: str, job: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if not job_table or not job.get("startTime"):
        return None
    return JobTable(job_table).previous_terminal(job)


def reasons_from_logs(
    change: StatusChange,
    *,
    job_table: str,
    logs: JobLogs | None = None,
    store: Callable[[tuple[str, str], dict[str, Any]], bool] | None = None,
    time_left: Callable[[], float] = lambda: float("inf"),
) -> failure_reasons.ReasonSummary | None:
    """Read the job's logs within their budget, summarize, and store the summary on its record.

    The read never takes more than the invocation has left (less a reserve for the publish), so
    a batch of slow reads cannot run the notifier past its timeout. Never raises for the logs:
    an unreadable log is part of the summary, and the alert goes out.
    """
    job = change.job
    window = failure_reasons.read_window(job.get("startTime"), job.get("endTime"))
    if window is None:
        return None
    source = DataSourceRef.from_key(str(job["dataSourceKey"]))
    execution_id = str(job["executionId"])
    group = failure_reasons.log_group(source)
    if group is None:
        return None  # the service's reasons come from its API: the record's errorMessage
    seconds = time_left() - REASONS_RESERVE_SECONDS
    if seconds < MIN_READ_SECONDS:
        # Too little of the invocation is left: the alert goes now, saying why without them.
        read = failure_reasons.LogRead([], error_code=NO_TIME_LEFT)
    else:
        read = (
            (logs or JobLogs())
            .within(seconds)
            .read(
                group,
                failure_reasons.stream_prefixes(source, execution_id, job.get("startTime")),
                window,
            )
        )
    url = None
    if alert_message.console_url(source, change.region):  # a known region
        url = failure_reasons.insights_url(change.region, group, source, execution_id, window)
    summary = failure_reasons.summarize(read, group=group, insights_url=url)
    if read.error_code:
        logger.warning(
            "job logs unreadable",
            extra={
                "dataSourceKey": source.key,
                "executionId": execution_id,
                "errorCode": read.error_code,
            },
        )
    if store is None and job_table:
        store = JobTable(job_table).store_reasons
    if store is not None:
        try:
            store((source.key, execution_id), summary.to_record())
        except (ClientError, BotoCoreError) as error:
            # The record keeps no summary this time; the alert, which has it, still goes out.
            logger.warning(
                "failure reasons not stored",
                extra={
                    "dataSourceKey": source.key,
                    "executionId": execution_id,
                    "errorCode": error.response["Error"]["Code"]
                    if isinstance(error, ClientError)
                    else type(error).__name__,
                },
            )
    return summary


def publish_pending(
    settings: NotifierSettings,
    *,
    store: outbox.OutboxStore,
    publish: outbox.Publisher = alerts_topic.publish,
    emit_metrics: outbox.MetricEmitter = job_metrics.emit,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    time_left: Callable[[], float] = lambda: float("inf"),
) -> dict[str, Any]:
    """The outbox sweep: publish what is pending, then report what still is, per service."""
    report = outbox.sweep(
        store=store, publish=publish, emit_metrics=emit_metrics, clock=clock, time_left=time_left
    )
    emit_metrics(outbox.pending_metrics(report, settings.audited_services))
    return {
        "sent": report.sent,
        "failed": report.failed,
        "pending": dict(report.pending),
    }
