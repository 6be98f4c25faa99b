"""The notifier: job table stream in, one SNS alert per change into an alert status, EMF metrics,
and the scheduled sweep that delivers alerts still pending in the outbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.alerts import Alerts
from infra.config import SyncAuditorConfig
from infra.functions import (
    MAX_ATTEMPTS,
    AuditorFunction,
    failure_queue,
    log_retention,
    powertools_environment,
)
from infra.schedules import scheduled_invoke
from infra.tables import AuditTables
from sync_auditor.settings import DELIVER_PENDING_EVENT
from sync_auditor.stream_filter import NOTICE_FILTER_PATTERNS, NOTIFIER_FILTER_PATTERNS
from sync_auditor.table_schema import BY_DATA_SOURCE_INDEX, PENDING_ALERTS_INDEX

HANDLER: Final = "sync_auditor.handlers.notifier.handler"
TIMEOUT: Final = Duration.minutes(1)
MEMORY_MB: Final = 256
# Small batches: one poison record costs little with bisecting, and alerts go out promptly.
BATCH_SIZE: Final = 10
# Bounded retries, then the batch's coordinates go to the failure queue (alarmed) instead of
# blocking the shard; the stream keeps records 24 h, so the age limit stays well inside it.
RETRY_ATTEMPTS: Final = 5
MAX_RECORD_AGE: Final = Duration.hours(6)
# How often the outbox sweep runs; the pending-alerts alarm's period allows for two runs.
SWEEP_INTERVAL: Final = Duration.minutes(5)


def log_group_arn(name: str) -> str:
    return f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:{name}"


def service_log_groups(
    config: SyncAuditorConfig, arn: Callable[[str], str] = log_group_arn
) -> list[str]:
    """The log groups the audited services write their jobs' logs to, as FilterLogEvents
    authorizes them (each service names its own; some have none).

    IAM matches a log group as `log-group:<name>:*` (the form DescribeLogGroups reports); a
    grant on the bare name does not authorize FilterLogEvents, hence the `:*` on each named
    group. "all" names no ids at synth, so it gets the service's prefix.
    """
    groups = [arn(name) for s in config.audited for name in s.log_groups(config.targets_of(s))]
    return list(dict.fromkeys(groups))


class Notifier(Construct):
    """The notifier function, its stream event sources, the queue for batches it gives up on,
    and its sweep schedule."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SyncAuditorConfig,
        tables: AuditTables,
        alerts: Alerts,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        environment = {
            "ALERT_TOPIC_ARN": alerts.topic.topic_arn,
            "STATE_TABLE_NAME": tables.state_table.table_name,
            "ALERT_STATUSES": ",".join(config.alert_statuses),
            "PER_DATA_SOURCE_METRICS": "true" if config.per_data_source_metrics else "false",
            "JOB_TABLE_NAME": tables.job_table.table_name,
            "RECOVERY_NOTICES": "true" if config.recovery_notices else "false",
            "RETRY_MODE": config.retry_mode,
            "MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            # The sweep reports pending alerts for each, zero included, every time it runs.
            "AUDITED_SERVICES": ",".join(config.services),
            **powertools_environment(config.metrics_namespace),
        }
        self.auditor = AuditorFunction(
            self,
            "Notifier",
            handler=HANDLER,
            description="sync-auditor: alerts and metrics from job table changes",
            code=code,
            layer=layer,
            environment=environment,
            tracing=config.tracing,
            timeout=TIMEOUT,
            memory_size=MEMORY_MB,
            log_retention=log_retention(config.log_retention_days),
            # Only the sweep's schedule invokes asynchronously; a failed sweep is repeated by
            # the next one, so a Lambda retry would only overlap it.
            retry_attempts=0,
        )
        self.function = self.auditor.function
        role = self.auditor.role
        role.add_to_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[alerts.topic.topic_arn])
        )
        # What a publisher to a KMS-encrypted topic needs, and only through SNS.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[alerts.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"sns.{Aws.REGION}.amazonaws.com"}},
            )
        )
        # Failure reasons are stored on the job record, as one more revision.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"], resources=[tables.job_table.table_arn]
            )
        )
        # Failure reasons are read from the audited services' own log groups only; a service
        # whose reasons come from its API (through the poller) adds none, and a deployment of
        # only such services gets no statement (IAM refuses one without resources).
        if log_groups := service_log_groups(config):
            role.add_to_policy(
                iam.PolicyStatement(actions=["logs:FilterLogEvents"], resources=log_groups)
            )
        # Recovery notices look up the data source's previous job, newest first.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[tables.job_index_arn(BY_DATA_SOURCE_INDEX)],
            )
        )
        # The alert outbox: an alert is put before it is published and updated once it is
        # sent; the sweep queries the sparse index for what is still pending.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
                resources=[tables.state_table.table_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:Query"],
                resources=[tables.state_index_arn(PENDING_ALERTS_INDEX)],
            )
        )
        role.add_to_policy(tables.key_statement())

        # Lambda sends the failed batch's shard and sequence numbers here, not the records.
        self.failure_queue = failure_queue(self, "FailureQueue")
        self.event_source = sources.DynamoEventSource(
            tables.job_table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=BATCH_SIZE,
            bisect_batch_on_error=True,
            retry_attempts=RETRY_ATTEMPTS,
            max_record_age=MAX_RECORD_AGE,
            report_batch_item_failures=True,
            # One batch per shard at a time keeps a job's changes in order.
            parallelization_factor=1,
            on_failure=sources.SqsDlq(self.failure_queue),
            filters=[
                {"pattern": json.dumps(pattern, separators=(",", ":"))}
                for pattern in NOTIFIER_FILTER_PATTERNS
            ],
        )
        self.function.add_event_source(self.event_source)
        # Notices the poller inserts into the state table; the filter drops every other write
        # there (cursors, outbox items) before invocation.
        self.notice_source = sources.DynamoEventSource(
            tables.state_table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=BATCH_SIZE,
            bisect_batch_on_error=True,
            retry_attempts=RETRY_ATTEMPTS,
            max_record_age=MAX_RECORD_AGE,
            report_batch_item_failures=True,
            parallelization_factor=1,
            on_failure=sources.SqsDlq(self.failure_queue),
            filters=[
                {"pattern": json.dumps(pattern, separators=(",", ":"))}
                for pattern in NOTICE_FILTER_PATTERNS
            ],
        )
        self.function.add_event_source(self.notice_source)

        # The outbox sweep: delivers alerts whose publish has not succeeded yet (an SNS outage
        # longer than the stream's retries), and reports how many are pending, every run.
        self.sweep = scheduled_invoke(
            self,
            self.function,
            expression=scheduler.ScheduleExpression.rate(SWEEP_INTERVAL),
            description="deliver pending alerts",
            id_prefix="Sweep",
            payload=DELIVER_PENDING_EVENT,
        )
