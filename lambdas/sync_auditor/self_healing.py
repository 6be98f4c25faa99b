"""Self-healing: a sync that FAILED for a transient cause is started again, after a backoff and
within a daily retry quota, and the decision is written on the failed job's record.

The decision is one more revision of that record (`selfHealing`), so it is part of the audit
trail, reaches the notifier through the job table's stream like any change (which announces
it once), and of overlapping polls only the one whose claim commits acts:

1. claim: a revision-checked write of `selfHealing.claimedAt`; a poll that loses the race
   leaves the job to the winner;
2. quota: an atomic, conditional count per data source and UTC day (`RetryQuota.take`);
3. start: StartDataSourceSyncJob; a sync already running counts as done;
4. outcome: `selfHealing.outcome` and what went with it, written on the record.

A poll that dies between 1 and 4 leaves a claim without an outcome; after CLAIM_TIMEOUT the
next poll takes it over. If the dead poll's start went through, its retry job's record
(`retryOf`) says so and becomes the outcome; otherwise 2 to 4 run again, and the quota counts
each attempt: the error stays on the side of fewer retries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from sync_auditor.model import DataSourceRef, SyncJob, iso_utc, parse_iso_utc
from sync_auditor.observability import logger
from sync_auditor.policies import SelfHealing, SourcePolicy
from sync_auditor.poll import WRITE_ATTEMPTS, JobStore, WriteConflict
from sync_auditor.records import new_record, next_revision
from sync_auditor.services import REGISTRY
from sync_auditor.services.spec import SyncAlreadyRunning

# The job's errorCode values that mean "the service failed, not the configuration": both APIs'
# ErrorCode enums have InternalError; InvalidRequest, ResourceInactive and ResourceNotFound
# would only fail again. A failure that also carries a dataSourceErrorCode is the data source's
# (credentials, permissions, the source itself), whatever its errorCode: never retried.
TRANSIENT_ERROR_CODES = frozenset({"InternalError"})
# A failure that ended longer ago than this is history: enabling self-healing, or a poller
# that was down for a day, never restarts yesterday's syncs.
RETRY_WINDOW = timedelta(hours=24)
# Longer than the poller's 5-minute timeout: a claim this old belongs to a poll that died.
CLAIM_TIMEOUT = timedelta(minutes=10)

STARTED = "STARTED"
ALREADY_RUNNING = "ALREADY_RUNNING"
QUOTA_REACHED = "QUOTA_REACHED"
START_FAILED = "START_FAILED"
# A newer sync of the data source started on its own: nothing to retry, nothing to announce.
SUPERSEDED = "SUPERSEDED"
# Outcome -> the alert type that announces it (alert_message.SYNC_RETRY_*).
ANNOUNCED_OUTCOMES = {
    STARTED: "SYNC_RETRY_STARTED",
    ALREADY_RUNNING: "SYNC_RETRY_STARTED",
    QUOTA_REACHED: "SYNC_RETRY_SKIPPED",
    START_FAILED: "SYNC_RETRY_SKIPPED",
}
RECORD_ATTRIBUTE = "selfHealing"


class SyncStarter(Protocol):
    def start_sync(self, source: DataSourceRef, client_token: str | None = None) -> str: ...


def retry_token(data_source_key: str, failed_execution_id: str) -> str:
    """The idempotency token of the retry of one failed job: 64 hex digits."""
    return hashlib.sha256(f"{data_source_key}#{failed_execution_id}".encode()).hexdigest()


class RetryQuota(Protocol):
    def used(self, data_source_key: str, day: str) -> int: ...
    def take(self, data_source_key: str, day: str, limit: int, now: str) -> int | None: ...


def failed_at(record: Mapping[str, Any]) -> datetime | None:
    """When the job failed: its end time, else when the auditor first saw it FAILED."""
    if record.get("endTime"):
        return parse_iso_utc(str(record["endTime"]))
    for entry in record.get("statusHistory") or []:
        if entry.get("status") == "FAILED" and entry.get("observedAt"):
            return parse_iso_utc(str(entry["observedAt"]))
    return None


def transient_by_error_code(record: Mapping[str, Any]) -> bool:
    """The rule for services with an error code (Kendra, Q Business)."""
    return record.get("errorCode") in TRANSIENT_ERROR_CODES and not record.get(
        "dataSourceErrorCode"
    )


def _transient(record: Mapping[str, Any]) -> bool:
    service = str(record.get("service", ""))
    rule = REGISTRY[service].transient_failure if service in REGISTRY else None
    return (rule or transient_by_error_code)(record)


def awaits_retry(record: Mapping[str, Any], now: datetime) -> bool:
    """A failed job self-healing has still to decide about (the policy aside)."""
    if record.get("status") != "FAILED" or not _transient(record):
        return False
    # Backfilled history was never announced, so it is never acted on either.
    if record.get("backfilled") is True or not record.get("startTime"):
        return False
    if (record.get(RECORD_ATTRIBUTE) or {}).get("outcome"):
        return False
    failed = failed_at(record)
    return failed is not None and now - failed <= RETRY_WINDOW


def retry_due_at(failed: datetime, healing: SelfHealing, retries_today: int) -> datetime:
    """The backoff doubles with each retry the data source already had today."""
    return failed + healing.backoff * (2**retries_today)


def _claimed_by_another(record: Mapping[str, Any], now: datetime) -> bool:
    claimed = (record.get(RECORD_ATTRIBUTE) or {}).get("claimedAt")
    return bool(claimed) and now - parse_iso_utc(str(claimed)) < CLAIM_TIMEOUT


def _superseded(record: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> bool:
    start = str(record["startTime"])
    return any(
        other.get("executionId") != record.get("executionId")
        and str(other.get("startTime") or "") > start
        for other in records
    )


def _started_retry(record: Mapping[str, Any], records: Iterable[Mapping[str, Any]]) -> str | None:
    """The job a poll started for this failure before it died without recording so."""
    return next(
        (
            str(other["executionId"])
            for other in records
            if other.get("retryOf") == record.get("executionId")
        ),
        None,
    )


def _decision(outcome: dict[str, Any], healing: SelfHealing, stamp: str) -> dict[str, Any]:
    return {**outcome, "maxRetriesPerDay": healing.max_retries_per_day, "decidedAt": stamp}


class Healer:
    """Decides, per data source and poll, the retries of its transiently failed jobs."""

    def __init__(
        self,
        *,
        starters: Mapping[str, SyncStarter],
        jobs: JobStore,
        quota: RetryQuota,
        error_code_of: Callable[[Exception], str | None],
        retention_days: int | None = None,
    ) -> None:
        self.starters = starters
        self.jobs = jobs
        self.quota = quota
        # Maps a start's exception to an error code; None (a bug) is raised.
        self.error_code_of = error_code_of
        self.retention_days = retention_days

    def heal(
        self,
        source: DataSourceRef,
        policy: SourcePolicy,
        records: list[dict[str, Any]],
        now: datetime,
    ) -> list[str]:
        """Decide what is due among `records` (all this poll saw of the data source); returns
        the start times of failed jobs still waiting, which the cursor keeps in the window."""
        healing = policy.self_healing
        if healing is None:
            return []
        waiting = []
        for record in records:
            if awaits_retry(record, now) and not self._decide(
                source, healing, record, records, now
            ):
                waiting.append(str(record["startTime"]))
        return waiting

    def _decide(
        self,
        source: DataSourceRef,
        healing: SelfHealing,
        record: dict[str, Any],
        records: list[dict[str, Any]],
        now: datetime,
    ) -> bool:
        """True when the job's outcome is recorded; False when it is still waiting."""
        stamp = iso_utc(now)
        # A poll that holds the claim is acting now; even what it started is its to record.
        if _claimed_by_another(record, now):
            return False
        retry = _started_retry(record, records)
        if retry is not None:
            started = {"outcome": STARTED, "retryExecutionId": retry}
            return self._record_outcome(record, _decision(started, healing, stamp))
        if _superseded(record, records):
            return self._record_outcome(record, {"outcome": SUPERSEDED, "decidedAt": stamp})
        day = now.date().isoformat()
        used = self.quota.used(source.key, day)
        failed = failed_at(record)
        reached = used >= healing.max_retries_per_day
        if not reached and failed is not None and now < retry_due_at(failed, healing, used):
            return False
        claim = self._claim(record, stamp)
        if claim is None:
            return False
        count = (
            None
            if reached
            else self.quota.take(source.key, day, healing.max_retries_per_day, stamp)
        )
        if count is None:
            outcome = _decision({"outcome": QUOTA_REACHED}, healing, stamp)
        else:
            outcome = _decision(
                {**self._start(source, record, stamp), "attempt": count}, healing, stamp
            )
        logger.info(
            "self-healing decided",
            extra={
                "dataSourceKey": source.key,
                "executionId": record["executionId"],
                "outcome": outcome["outcome"],
                "retryExecutionId": outcome.get("retryExecutionId"),
                "errorCode": outcome.get("errorCode"),
            },
        )
        return self._record_outcome(claim, outcome)

    def _claim(self, record: dict[str, Any], stamp: str) -> dict[str, Any] | None:
        claimed = {**next_revision(record, now=stamp), RECORD_ATTRIBUTE: {"claimedAt": stamp}}
        if self.jobs.put_if_revision(claimed, int(record.get("revision", 0))):
            return claimed
        return None  # another poll, or the notifier's failure reasons, wrote first

    def _start(
        self, source: DataSourceRef, record: Mapping[str, Any], stamp: str
    ) -> dict[str, Any]:
        try:
            # One token per failed job: a start that a crashed or overlapping poll repeats is
            # the same start where the service takes a token (Bedrock's clientToken).
            token = retry_token(source.key, str(record["executionId"]))
            execution_id = self.starters[source.service].start_sync(source, client_token=token)
        except SyncAlreadyRunning:
            return {"outcome": ALREADY_RUNNING}
        except Exception as error:
            code = self.error_code_of(error)
            if code is None:
                raise
            return {"outcome": START_FAILED, "errorCode": code}
        self._record_retry_job(source, execution_id, str(record["executionId"]), stamp)
        return {"outcome": STARTED, "retryExecutionId": execution_id}

    def _record_retry_job(
        self, source: DataSourceRef, execution_id: str, retry_of: str, stamp: str
    ) -> None:
        """The started job's record, linked to the failure it retries; the next poll fills in
        what the API says of it (keeping `retryOf`)."""
        job = SyncJob(source, execution_id, status="SYNCING", start_time=stamp)
        record = new_record(job, now=stamp, history=False, retention_days=self.retention_days)
        # Absent only if a poll already saw the job: then it stays as that poll wrote it.
        self.jobs.put_if_revision({**record, "retryOf": retry_of}, None)

    def _record_outcome(self, record: dict[str, Any], outcome: dict[str, Any]) -> bool:
        key = (str(record["dataSourceKey"]), str(record["executionId"]))
        current: dict[str, Any] | None = record
        for _ in range(WRITE_ATTEMPTS):
            if current is None or (current.get(RECORD_ATTRIBUTE) or {}).get("outcome"):
                return True  # gone (expired), or decided by a poll that took over the claim
            state = {**(current.get(RECORD_ATTRIBUTE) or {}), **outcome}
            updated = {
                **next_revision(current, now=str(outcome["decidedAt"])),
                RECORD_ATTRIBUTE: state,
            }
            if self.jobs.put_if_revision(updated, int(current.get("revision", 0))):
                return True
            # The notifier stored failure reasons in between: keep them, write again.
            current = self.jobs.get(key)
        raise WriteConflict(key)
