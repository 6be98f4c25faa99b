"""What one stream record calls for: a job's change into a status, a stuck mark, a self-healing
decision, a recovery, a silent data source; each becomes an outbox effect (outbox.py).

A record acts only when it carries a change INTO a status (no old image, or an old image with
another status) that the job has not been in before, a job newly marked stuck, or a
self-healing decision newly recorded. Backfilled history, removals and writes that changed
nothing of that kind do nothing, so the first deploy floods no one and progress updates of a
running job cost nothing. A job whose terminal status flips back (FAILED, SUCCEEDED, FAILED
again, as an eventually consistent API may report) announces each status once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)

from sync_auditor import alert_message, self_healing
from sync_auditor.adapters.notices import NOTICE_PREFIX
from sync_auditor.alert_message import SYNC_RECOVERED, SYNC_STUCK
from sync_auditor.model import DataSourceRef, parse_iso_utc
from sync_auditor.services import SERVICES
from sync_auditor.settings import NotifierSettings

# A job record -> the newest other terminal job of its data source before it (JobTable.previous_terminal), or None.
PreviousLookup = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]
RECOVERED_FROM = frozenset({"FAILED", "INCOMPLETE"})


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
    if been_in(new, str(new["status"])):
        return None
    _check_identity(new)
    return StatusChange(job=new, previous_status=previous, region=record.aws_region or "")


@dataclass(frozen=True)
class Notice:
    """An alert of another type than SYNC_JOB_STATUS that one record calls for."""

    alert: alert_message.Alert
    job: Mapping[str, Any]


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


def notices(
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


def been_in(job: Mapping[str, Any], status: str) -> bool:
    """Whether the job was observed in `status` before its latest observation."""
    history = job.get("statusHistory") or []
    return any(entry.get("status") == status for entry in history[:-1])


def _check_identity(job: Mapping[str, Any]) -> None:
    """Service and key become metric dimensions and alert ids: refuse anything off-contract."""
    service = job.get("service")
    if service not in SERVICES:
        raise ValueError(f"record's service is not one of {SERVICES}")
    if DataSourceRef.from_key(str(job.get("dataSourceKey", ""))).service != service:
        raise ValueError("record's dataSourceKey does not start with its service")
    if not job.get("executionId"):
        raise ValueError("record has no executionId")
