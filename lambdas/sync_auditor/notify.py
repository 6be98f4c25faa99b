"""From one job-table stream record to its actions: its alerts, and the job's metrics.

A record acts only when it carries a change INTO a status (no old image, or an old image with
another status), a job newly marked stuck, or a self-healing decision newly recorded.
Backfilled history, removals and writes that changed nothing of that kind do nothing, so the
first deploy floods no one and progress updates of a running job cost nothing.

Each alert of a record runs once on its own key (the record's eventID, plus the alert type for
the notices), so a record retried after one of its alerts went out sends only the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor import alert_message, failure_reasons, job_metrics, self_healing
from sync_auditor import table_schema as schema
from sync_auditor.adapters import alerts_topic
from sync_auditor.adapters.job_logs import JobLogs
from sync_auditor.adapters.job_table import JobTable
from sync_auditor.adapters.notices import NOTICE_PREFIX
from sync_auditor.alert_message import SYNC_RECOVERED, SYNC_STUCK
from sync_auditor.model import SERVICES, DataSourceRef, is_terminal, parse_iso_utc
from sync_auditor.observability import logger
from sync_auditor.settings import NotifierSettings

# (topic ARN, message) -> SNS message id; raises when the alert was not accepted.
Publisher = Callable[[str, alert_message.AlertMessage], str]
MetricEmitter = Callable[[Sequence[job_metrics.MetricSet]], None]
# Runs `action` at most once per stream record (keyed on its eventID) and returns its result.
Once = Callable[[Mapping[str, Any], Callable[[], dict[str, Any]]], dict[str, Any]]
# A change into FAILED / INCOMPLETE -> what the job's logs say (and stored on its record).
ReasonReader = Callable[["StatusChange"], failure_reasons.ReasonSummary | None]
REASON_STATUSES = frozenset({"FAILED", "INCOMPLETE"})
# A job record -> the newest terminal job of its data source that started before it, or None.
PreviousLookup = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
RECOVERED_FROM = frozenset({"FAILED", "INCOMPLETE"})


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


@dataclass(frozen=True)
class Notice:
    """An alert of another type than SYNC_JOB_STATUS that one record calls for."""

    alert: alert_message.Alert
    job: Mapping[str, Any]


def process_record(
    record: DynamoDBRecord,
    settings: NotifierSettings,
    *,
    publish: Publisher = alerts_topic.publish,
    emit_metrics: MetricEmitter = job_metrics.emit,
    once: Once = run_now,
    previous_terminal: PreviousLookup | None = None,
    read_reasons: ReasonReader | None = None,
) -> dict[str, Any] | None:
    """Act on one stream record, once; None when it asked for nothing.

    `read_reasons` None reads no logs (the handler passes `reasons_from_logs`).
    """
    notice = silent_notice(record)
    if notice is not None:
        done = once(
            record.raw_event,
            partial(announce, notice, settings, publish=publish, emit_metrics=emit_metrics),
        )
        return {"notices": [done["alertType"]]}
    if record.dynamodb is not None and schema.STATE_KEY in record.dynamodb.keys:
        return None  # anything else from the state table: not for the notifier
    change = status_change(record)
    result: dict[str, Any] | None = None
    if change is not None:
        alerts = change.status in settings.alert_statuses
        if alerts or is_terminal(change.status):
            action = partial(
                act,
                change,
                settings,
                alert=alerts,
                publish=publish,
                emit_metrics=emit_metrics,
                read_reasons=read_reasons,
            )
            result = once(record.raw_event, action)
    if previous_terminal is None:
        previous_terminal = partial(_previous_terminal, settings.job_table)
    notices = _notices(record, change, settings, previous_terminal)
    announced = [
        once(
            {"eventID": f"{record.event_id}#{notice.alert.alert_type}"},
            partial(announce, notice, settings, publish=publish, emit_metrics=emit_metrics),
        )
        for notice in notices
    ]
    if announced:
        result = {**(result or {}), "notices": [done["alertType"] for done in announced]}
    return result


def silent_notice(record: DynamoDBRecord) -> Notice | None:
    """The DATA_SOURCE_SILENT notice an insert into the state table carries, else None."""
    stream = record.dynamodb
    if record.event_name is not DynamoDBRecordEventName.INSERT or stream is None:
        return None
    if not str(stream.keys.get("id", "")).startswith(NOTICE_PREFIX):
        return None
    item = stream.new_image
    if item.get("alertType") != alert_message.DATA_SOURCE_SILENT:
        raise ValueError("notice of an unknown alertType")
    if DataSourceRef.from_key(str(item.get("dataSourceKey", ""))).service != item.get("service"):
        raise ValueError("notice's dataSourceKey does not start with its service")
    alert = alert_message.Alert.from_silent_notice(item, region=record.aws_region or "")
    return Notice(alert, item)


def _notices(
    record: DynamoDBRecord,
    change: StatusChange | None,
    settings: NotifierSettings,
    previous_terminal: PreviousLookup,
) -> list[Notice]:
    stream = record.dynamodb
    if record.event_name is DynamoDBRecordEventName.REMOVE or stream is None:
        return []
    new, old = stream.new_image, stream.old_image or {}
    if new.get("backfilled") is True:
        return []
    region = record.aws_region or ""
    notices = []
    if new.get("stuckAt") and not old.get("stuckAt"):
        _check_identity(new)
        notices.append(Notice(_stuck_alert(new, region), new))
    retry = _retry_alert(new, old, region)
    if retry is not None:
        notices.append(Notice(retry, new))
    if change is not None and change.status == "SUCCEEDED" and settings.recovery_notices:
        previous = previous_terminal(new)
        if (
            previous is not None
            and previous.get("status") in RECOVERED_FROM
            # A failure recorded as backfilled history was never announced: nothing to answer.
            and previous.get("backfilled") is not True
        ):
            notices.append(Notice(_recovered_alert(new, previous, region), new))
    return notices


def _stuck_alert(job: Mapping[str, Any], region: str) -> alert_message.Alert:
    alert = alert_message.Alert.from_job(job, previous_status=None, region=region)
    open_for = ""
    if job.get("startTime"):
        seconds = parse_iso_utc(str(job["stuckAt"])) - parse_iso_utc(str(job["startTime"]))
        open_for = f" for {alert_message.duration_text(int(seconds.total_seconds()))}"
    note = (
        f"This sync job has been {job['status']}{open_for} (noticed {job['stuckAt']}), longer "
        "than the stuck threshold. It may be hung: check the data source's sync history."
    )
    return replace(alert, alert_type=SYNC_STUCK, notes=(note,))


def _retry_alert(
    new: Mapping[str, Any], old: Mapping[str, Any], region: str
) -> alert_message.Alert | None:
    """The announcement of a self-healing decision this write recorded, else None."""
    state = new.get(self_healing.RECORD_ATTRIBUTE) or {}
    alert_type = self_healing.ANNOUNCED_OUTCOMES.get(str(state.get("outcome")))
    if alert_type is None or (old.get(self_healing.RECORD_ATTRIBUTE) or {}).get("outcome"):
        return None
    _check_identity(new)
    alert = alert_message.Alert.from_job(new, previous_status=None, region=region)
    return replace(alert, alert_type=alert_type, notes=(_retry_note(new, state),))


def _retry_note(job: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    outcome, error = state["outcome"], job.get("errorCode")
    # A decision recovered from a poll that died after starting the retry has no number.
    today = ""
    if "attempt" in state:
        today = f" (retry {state['attempt']} of {state.get('maxRetriesPerDay')} today)"
    if outcome == self_healing.STARTED:
        return (
            f"This job FAILED with {error}, a transient cause. Self-healing started a new sync, "
            f"job {state.get('retryExecutionId')}{today}."
        )
    if outcome == self_healing.ALREADY_RUNNING:
        return (
            f"This job FAILED with {error}, a transient cause. Self-healing found a sync of this "
            f"data source already running, so it started none{today}."
        )
    if outcome == self_healing.QUOTA_REACHED:
        return (
            f"This job FAILED with {error}, but self-healing did not retry it: the data source "
            f"had its {state.get('maxRetriesPerDay')} retries for today (maxRetriesPerDay). "
            "The failure stands until the next sync."
        )
    return (
        f"This job FAILED with {error}; self-healing could not start a new sync: "
        f"StartDataSourceSyncJob answered {state.get('errorCode')}. Check the data source and "
        "the poller role's StartDataSourceSyncJob permission."
    )


def _recovered_alert(
    job: Mapping[str, Any], previous: Mapping[str, Any], region: str
) -> alert_message.Alert:
    alert = alert_message.Alert.from_job(job, previous_status=None, region=region)
    note = (
        f"This sync SUCCEEDED after job {previous.get('executionId')} ended "
        f"{previous.get('status')} ({previous.get('endTime') or 'end unknown'})."
    )
    return replace(
        alert, alert_type=SYNC_RECOVERED, previous_status=str(previous["status"]), notes=(note,)
    )


def _previous_terminal(job_table: str, job: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if not job_table or not job.get("startTime"):
        return None
    return JobTable(job_table).latest_terminal_before(
        str(job["dataSourceKey"]), str(job["startTime"])
    )


def announce(
    notice: Notice,
    settings: NotifierSettings,
    *,
    publish: Publisher,
    emit_metrics: MetricEmitter,
) -> dict[str, Any]:
    """Publish a notice (stuck, recovered, ...); like `act`, nothing that can fail comes after."""
    alert = notice.alert
    message = alert_message.build(alert)
    metric_sets = [job_metrics.notice_published(alert.alert_type, alert.source.service)]
    message_id = publish(settings.topic_arn, message)
    logger.info(
        "alert published",
        extra={
            "alertType": alert.alert_type,
            "dataSourceKey": alert.source.key,
            "executionId": notice.job.get("executionId"),
            "status": alert.status,
            "messageId": message_id,
        },
    )
    emit_metrics(metric_sets)
    return {"alertType": alert.alert_type, "messageId": message_id}


def act(
    change: StatusChange,
    settings: NotifierSettings,
    *,
    alert: bool,
    publish: Publisher,
    emit_metrics: MetricEmitter,
    read_reasons: ReasonReader | None = None,
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
        if read_reasons is not None and change.status in REASON_STATUSES:
            facts = replace(facts, failure_reasons=read_reasons(change))
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


def reasons_from_logs(
    change: StatusChange,
    *,
    job_table: str,
    logs: JobLogs | None = None,
    store: Callable[[tuple[str, str], dict[str, Any]], bool] | None = None,
) -> failure_reasons.ReasonSummary | None:
    """Read the job's logs within their budget, summarize, and store the summary on its record.

    Never raises for the logs: an unreadable log is part of the summary, and the alert goes out.
    """
    job = change.job
    window = failure_reasons.read_window(job.get("startTime"), job.get("endTime"))
    if window is None:
        return None
    source = DataSourceRef.from_key(str(job["dataSourceKey"]))
    execution_id = str(job["executionId"])
    group = failure_reasons.log_group(source)
    read = (logs or JobLogs()).read(
        group,
        failure_reasons.stream_prefixes(source, execution_id, job.get("startTime")),
        window,
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


def _check_identity(job: Mapping[str, Any]) -> None:
    """Service and key become metric dimensions and alert ids: refuse anything off-contract."""
    service = job.get("service")
    if service not in SERVICES:
        raise ValueError(f"record's service is not one of {SERVICES}")
    if DataSourceRef.from_key(str(job.get("dataSourceKey", ""))).service != service:
        raise ValueError("record's dataSourceKey does not start with its service")
    if not job.get("executionId"):
        raise ValueError("record has no executionId")
