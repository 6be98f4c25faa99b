"""The alert outbox: every effect of a committed change is recorded before it happens, so each
happens once, and an alert SNS did not accept waits in the table until it is delivered.

An effect (a job's change into a status, a stuck mark, a notice...) has an id that names what it
announces, not the stream record that carried it. Its entry is created with a conditional write:
the first delivery of a record creates it and acts (emits the job's metrics, publishes the
alert); a redelivered record, an overlapping invocation or the same change seen again finds it
and does nothing. An alert whose publish fails stays PENDING (on the sparse index the sweep
reads) and the sweep publishes it once SNS is back, however long the outage.

One window remains at-least-once: a publish that SNS accepted, followed by a crash (or a failed
write) before the entry is marked sent. Its lease then runs out and the sweep publishes it
again. Nothing else repeats an alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor import job_metrics
from sync_auditor.alert_message import AlertMessage
from sync_auditor.job_metrics import MetricSet
from sync_auditor.model import iso_utc, parse_iso_utc
from sync_auditor.observability import logger

# Longer than the notifier's one-minute timeout: a lease this old belongs to an invocation
# that is gone, and the sweep may publish the alert in its place.
LEASE = timedelta(minutes=2)
# Sent alerts and metrics-only entries are kept this long: the stream redelivers within 24 h,
# and operators can see what went out recently.
DONE_KEEP = timedelta(days=7)
# A sweep that meets this many failed publishes in a row stops: SNS is still down.
SWEEP_GIVES_UP_AFTER = 3
# What the sweep keeps in hand for metrics and the return: it never starts a publish with less.
SWEEP_MARGIN_SECONDS = 10.0

Publisher = Callable[[str, AlertMessage], str]
MetricEmitter = Callable[[Sequence[MetricSet]], None]
Outcome = Literal["sent", "pending", "recorded", "duplicate"]


@dataclass(frozen=True)
class Effect:
    """What one committed change calls for: metrics, and an alert unless `message` is None."""

    id: str  # e.g. SYNC_JOB_STATUS#<dataSourceKey>#<executionId>#FAILED
    alert_type: str
    service: str
    data_source_key: str
    status: str
    execution_id: str | None = None
    message: AlertMessage | None = None
    metric_sets: tuple[MetricSet, ...] = ()


@dataclass(frozen=True)
class Entry:
    """An outbox entry as stored: the effect's identity and, while pending, its alert."""

    id: str
    alert_type: str
    service: str
    data_source_key: str
    status: str
    created_at: str
    execution_id: str | None = None
    topic_arn: str | None = None
    # The alert's subject, kept beside its body: the index carries it, the body it does not.
    subject: str | None = None
    message: AlertMessage | None = None
    pending: bool = False
    attempts: int = 0
    leased_until: str | None = None
    last_error_code: str | None = None
    sent_at: str | None = None
    message_id: str | None = None


class OutboxStore(Protocol):
    def create(self, entry: Entry, *, lease_until: str | None, keep_until: int | None) -> bool:
        """Write `entry` unless its id exists (then False)."""
        ...

    def claim(self, entry_id: str, *, now: str, lease_until: str) -> Entry | None:
        """Lease a pending entry whose lease is absent or over; the whole entry (its message
        included), or None when it is not pending or leased by another."""
        ...

    def mark_sent(self, entry_id: str, *, message_id: str, now: str, keep_until: int) -> None: ...

    def release(self, entry_id: str, *, error_code: str, now: str) -> None:
        """A publish failed: the entry stays pending, free for the next sweep."""
        ...

    def pending(self) -> Iterable[Entry]:
        """Pending entries, oldest first, as the index carries them (no message body)."""
        ...


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    message_id: str | None = None
    error_code: str | None = None


def publish_error_code(error: Exception) -> str | None:
    """The code of an error that leaves an alert pending; None for anything else (a bug)."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    if isinstance(error, BotoCoreError):  # SNS unreachable, timeouts
        return type(error).__name__
    return None


def _keep_until(now: datetime) -> int:
    return int((now + DONE_KEEP).timestamp())


def deliver(
    effect: Effect,
    *,
    topic_arn: str,
    store: OutboxStore,
    publish: Publisher,
    emit_metrics: MetricEmitter,
    now: datetime,
) -> Delivery:
    """Do what `effect` calls for, once: record it, emit its metrics, publish its alert.

    A publish SNS refuses leaves the alert pending for the sweep and is not an error: the
    stream record is done, and no retry budget of the stream is spent on an outage.
    """
    stamp = iso_utc(now)
    entry = Entry(
        id=effect.id,
        alert_type=effect.alert_type,
        service=effect.service,
        data_source_key=effect.data_source_key,
        status=effect.status,
        execution_id=effect.execution_id,
        created_at=stamp,
        topic_arn=topic_arn if effect.message is not None else None,
        subject=effect.message.subject if effect.message is not None else None,
        message=effect.message,
        pending=effect.message is not None,
        attempts=1 if effect.message is not None else 0,
    )
    lease = iso_utc(now + LEASE) if effect.message is not None else None
    keep = None if effect.message is not None else _keep_until(now)
    if not store.create(entry, lease_until=lease, keep_until=keep):
        return Delivery("duplicate")
    emit_metrics(effect.metric_sets)
    if effect.message is None:
        return Delivery("recorded")
    return _publish(entry, store=store, publish=publish, emit_metrics=emit_metrics, now=now)


def _publish(
    entry: Entry,
    *,
    store: OutboxStore,
    publish: Publisher,
    emit_metrics: MetricEmitter,
    now: datetime,
) -> Delivery:
    assert entry.message is not None and entry.topic_arn is not None
    try:
        message_id = publish(entry.topic_arn, entry.message)
    except Exception as error:
        code = publish_error_code(error)
        if code is None:
            raise
        store.release(entry.id, error_code=code, now=iso_utc(now))
        logger.warning(
            "alert pending: publish failed",
            extra={"alertId": entry.id, "alertType": entry.alert_type, "errorCode": code},
        )
        return Delivery("pending", error_code=code)
    emit_metrics([job_metrics.alert_published(entry.service)])
    store.mark_sent(entry.id, message_id=message_id, now=iso_utc(now), keep_until=_keep_until(now))
    # Ids and fixed vocabulary only: names and error text stay out of the logs.
    logger.info(
        "alert published",
        extra={
            "alertType": entry.alert_type,
            "dataSourceKey": entry.data_source_key,
            "executionId": entry.execution_id,
            "status": entry.status,
            "messageId": message_id,
        },
    )
    return Delivery("sent", message_id=message_id)


@dataclass
class SweepReport:
    sent: int = 0
    failed: int = 0
    # What is still pending after the sweep, per service: how many, and the oldest's age.
    pending: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    oldest_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def sweep(
    *,
    store: OutboxStore,
    publish: Publisher,
    emit_metrics: MetricEmitter,
    clock: Callable[[], datetime],
    time_left: Callable[[], float] = lambda: float("inf"),
) -> SweepReport:
    """Publish every pending alert whose lease is free, oldest first, within the time left."""
    report = SweepReport()
    failures_in_a_row = 0
    for entry in store.pending():
        now = clock()
        delivered = False
        can_try = failures_in_a_row < SWEEP_GIVES_UP_AFTER and time_left() > SWEEP_MARGIN_SECONDS
        if can_try and not _leased(entry, now):
            stamp = iso_utc(now)
            claimed = store.claim(entry.id, now=stamp, lease_until=iso_utc(now + LEASE))
            if claimed is not None:
                result = _publish(
                    claimed, store=store, publish=publish, emit_metrics=emit_metrics, now=now
                )
                delivered = result.outcome == "sent"
                report.sent += delivered
                report.failed += not delivered
                failures_in_a_row = 0 if delivered else failures_in_a_row + 1
            else:
                delivered = True  # sent or taken by another invocation meanwhile
        if not delivered:
            age = (now - parse_iso_utc(entry.created_at)).total_seconds()
            report.pending[entry.service] += 1
            report.oldest_seconds[entry.service] = max(report.oldest_seconds[entry.service], age)
    return report


def pending_metrics(report: SweepReport, services: Iterable[str]) -> list[MetricSet]:
    """The sweep's metrics for every audited service, zeros included (missing data then means
    a sweep that did not run, which its alarm treats as breaching)."""
    return [
        job_metrics.pending_alerts(
            service, report.pending.get(service, 0), report.oldest_seconds.get(service, 0.0)
        )
        for service in services
    ]


def _leased(entry: Entry, now: datetime) -> bool:
    return entry.leased_until is not None and parse_iso_utc(entry.leased_until) > now


def effect_id(alert_type: str, data_source_key: str, *parts: str) -> str:
    """The id of what an effect announces: one per alert type, data source and subject."""
    return "#".join((alert_type, data_source_key, *parts))


def entry_summary(entry: Entry) -> Mapping[str, Any]:
    """An entry for people (the CLI), without the message bodies."""
    return {
        "id": entry.id,
        "alertType": entry.alert_type,
        "service": entry.service,
        "dataSourceKey": entry.data_source_key,
        "executionId": entry.execution_id,
        "status": entry.status,
        "createdAt": entry.created_at,
        "attempts": entry.attempts,
        "lastErrorCode": entry.last_error_code,
        "subject": entry.subject,
    }
