"""Notifier Lambda: the job table's stream in (and the state table's notices); alerts, job metrics
and its own health out. Its schedule also invokes it with DELIVER_PENDING_EVENT: the outbox
sweep, which publishes alerts SNS did not accept earlier.

The stream delivers at least once and retries from the first failed record, so every effect of
a record is recorded in the outbox before it happens (one per alert, whatever the deliveries)
and failures are reported per record (`batchItemFailures`); the event source mapping must have
ReportBatchItemFailures on. A publish SNS refuses is not a failed record: the alert waits in
the outbox for the sweep.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cache, partial
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from sync_auditor import job_metrics, notify
from sync_auditor.adapters import clients
from sync_auditor.adapters.outbox_table import OutboxTable
from sync_auditor.observability import logger, tracer
from sync_auditor.services import SERVICES
from sync_auditor.settings import DELIVER_PENDING_EVENT, NotifierSettings

# A whole failed batch is reported record by record too, so RecordsFailed is always counted.
_processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


@cache
def _settings() -> NotifierSettings:
    settings = NotifierSettings.from_env()
    clients.configure(settings.retry_mode, settings.max_attempts)
    return settings


def _time_left(context: LambdaContext) -> Callable[[], float]:
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000
    return lambda: deadline - time.monotonic()


def is_sweep(event: Mapping[str, Any]) -> bool:
    return dict(event) == DELIVER_PENDING_EVENT


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    settings = _settings()
    store = OutboxTable(settings.state_table)
    time_left = _time_left(context)
    if is_sweep(event):
        return notify.publish_pending(settings, store=store, time_left=time_left)
    return _stream(event, context, settings, store, time_left)


def _stream(
    event: dict[str, Any],
    context: LambdaContext,
    settings: NotifierSettings,
    store: OutboxTable,
    time_left: Callable[[], float],
) -> PartialItemFailureResponse:
    failed: Counter[str] = Counter()
    read_reasons = partial(
        notify.reasons_from_logs, job_table=settings.job_table, time_left=time_left
    )

    def record_handler(record: DynamoDBRecord) -> None:
        try:
            notify.process_record(record, settings, store=store, read_reasons=read_reasons)
        except Exception as error:
            failed[_service_of(record)] += 1
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else None
            logger.warning(
                "record failed; it will be retried",
                extra={
                    "eventID": record.event_id,
                    "sequenceNumber": record.dynamodb.sequence_number if record.dynamodb else None,
                    "errorType": type(error).__name__,
                    "errorCode": code,
                },
            )
            raise

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=_processor, context=context
    )
    # Each record's metrics were flushed as its work completed (a record done before a timeout
    # is skipped on retry, so buffering them to the end could lose them); only health is left.
    job_metrics.emit([job_metrics.records_failed(s, n) for s, n in sorted(failed.items())])
    return response


def _service_of(record: DynamoDBRecord) -> str:
    """The service of a record that may be malformed: from its key's prefix, else "unknown"."""
    keys = record.dynamodb.keys if record.dynamodb else {}
    prefix = str(keys.get("dataSourceKey", "")).split("#", 1)[0]
    return prefix if prefix in SERVICES else "unknown"
