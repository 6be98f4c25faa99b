"""Notifier Lambda: the job table's stream in; alerts, job metrics and its own health out.

The stream delivers at least once and retries from the first failed record, so each record is
handled at most once through Powertools idempotency (keyed on its eventID, in the state table)
and failures are reported per record (`batchItemFailures`); the event source mapping must have
ReportBatchItemFailures on.
"""

from __future__ import annotations

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
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from sync_auditor import job_metrics, notify
from sync_auditor.adapters import clients
from sync_auditor.model import SERVICES
from sync_auditor.observability import logger, tracer
from sync_auditor.settings import NotifierSettings
from sync_auditor.table_schema import STATE_KEY, STATE_TTL

# A redelivery comes within the stream's 24 h retention; 48 h leaves room for a late retry.
IDEMPOTENCY_EXPIRY_SECONDS = 48 * 3600
# Keys in the state table are "notifier#record#<hash of eventID>", apart from poll cursors.
IDEMPOTENCY_KEY_PREFIX = "notifier#record"

_idempotency = IdempotencyConfig(
    event_key_jmespath="eventID",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=IDEMPOTENCY_EXPIRY_SECONDS,
)
# A whole failed batch is reported record by record too, so RecordsFailed is always counted.
_processor = BatchProcessor(
    event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False
)


@cache
def _settings() -> NotifierSettings:
    settings = NotifierSettings.from_env()
    clients.configure(settings.retry_mode, settings.max_attempts)
    return settings


def _once(state_table: str) -> notify.Once:
    """Runs an action once per stream record; made per invocation around the cached client."""
    store = DynamoDBPersistenceLayer(
        table_name=state_table,
        key_attr=STATE_KEY,
        expiry_attr=STATE_TTL,
        boto3_client=clients.client("dynamodb"),
    )

    # On an exception Powertools deletes the in-progress record, so a failed publish is retried.
    @idempotent_function(
        data_keyword_argument="record",
        persistence_store=store,
        config=_idempotency,
        key_prefix=IDEMPOTENCY_KEY_PREFIX,
    )
    def run_once(
        *, record: Mapping[str, Any], action: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        return action()

    return lambda record, action: run_once(record=record, action=action)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    settings = _settings()
    # Lets an in-progress record expire with this invocation if it times out mid-record.
    _idempotency.register_lambda_context(context)
    once = _once(settings.state_table)
    failed: Counter[str] = Counter()

    def record_handler(record: DynamoDBRecord) -> None:
        try:
            notify.process_record(
                record,
                settings,
                once=once,
                read_reasons=partial(notify.reasons_from_logs, job_table=settings.job_table),
            )
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
