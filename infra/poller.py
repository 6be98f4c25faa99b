"""The poller: run on a schedule, page each audited data source's sync jobs into the job table,
and, for targets with self-healing, start a sync again after a transient failure."""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.config import SyncAuditorConfig
from infra.fanout import FanOut
from infra.functions import (
    MAX_ATTEMPTS,
    AuditorFunction,
    log_retention,
    powertools_environment,
)
from infra.grant_budget import service_grants, statements
from infra.schedules import scheduled_invoke
from infra.services.base import ArnFactory, Grant
from infra.tables import AuditTables
from infra.targets_file import TARGETS_FILE, targets_layer
from sync_auditor.table_schema import BY_DATA_SOURCE_INDEX

HANDLER: Final = "sync_auditor.handlers.poller.handler"
TIMEOUT: Final = Duration.minutes(5)
# Sized by CPU, not memory (python -m bench.coldstart): a quiet tick of 1,000 data sources
# peaks at ~57 MB (about 2 KB more per data source), but each API call costs ~10 ms of CPU, so
# 10 requests/s per service for three services needs ~0.3 vCPU, and Lambda gives 512 MB about
# 0.29 (one vCPU at 1,769 MB). Less memory would make the poller slower than its pace.
MEMORY_MB: Final = 512
# The poll stops this long before the timeout to save its cursors (settings.PollerSettings).
DEADLINE_MARGIN_SECONDS: Final = 20

JOB_TABLE_ACTIONS: Final = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"]
STATE_TABLE_ACTIONS: Final = [*JOB_TABLE_ACTIONS, "dynamodb:UpdateItem"]


def _arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def poller_grants(config: SyncAuditorConfig, arn: ArnFactory = _arn) -> list[Grant]:
    """What the poller may call on the audited services, as each service declares it, as
    precisely as IAM's policy size allows (infra/grant_budget.py)."""
    return service_grants(config, arn)


class Poller(Construct):
    """The poller function, its least-privilege role, its schedule, role and DLQ."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SyncAuditorConfig,
        tables: AuditTables,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
    ) -> None:
        super().__init__(scope, construct_id)
        environment = {
            "JOB_TABLE_NAME": tables.job_table.table_name,
            "STATE_TABLE_NAME": tables.state_table.table_name,
            # The targets are a file in a layer of their own, not a variable: Lambda's 4 KB of
            # variables held ~76 listed data sources (infra/targets_file.py).
            "TARGETS_FILE": TARGETS_FILE,
            "LOOKBACK_DAYS": str(config.lookback_days),
            "MAX_PARALLEL_CALLS": str(config.max_parallel_calls),
            "MAX_REQUESTS_PER_SECOND": str(config.max_requests_per_second),
            "DEADLINE_MARGIN_SECONDS": str(DEADLINE_MARGIN_SECONDS),
            "RETRY_MODE": config.retry_mode,
            "MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "STUCK_AFTER_MINUTES": str(config.stuck_after_minutes),
            "DISCOVERY_REFRESH_MINUTES": str(config.discovery_refresh_minutes),
            **powertools_environment(config.metrics_namespace),
        }
        if config.retention_days is not None:
            environment["RETENTION_DAYS"] = str(config.retention_days)
        titles = " / ".join(s.short_title for s in config.audited)
        self.auditor = AuditorFunction(
            self,
            "Poller",
            handler=HANDLER,
            description=f"sync-auditor: records {titles} sync jobs in the job table",
            code=code,
            layer=layer,
            data_layers=[targets_layer(self, "Targets", config)],
            environment=environment,
            tracing=config.tracing,
            timeout=TIMEOUT,
            memory_size=MEMORY_MB,
            log_retention=log_retention(config.log_retention_days),
            # Scheduler invokes asynchronously: a retried poll would overlap the next tick,
            # which repeats the same work anyway (cursors advance only on success).
            retry_attempts=0,
        )
        self.function = self.auditor.function
        role = self.auditor.role
        # Exactly the calls the poll makes (never Scan, never DeleteItem): job records are read
        # to compare and written conditionally, one data source's history is queried newest
        # first, and cursors, notices and retry quotas are read, put and updated.
        for actions, resources in (
            (JOB_TABLE_ACTIONS, [tables.job_table.table_arn]),
            (["dynamodb:Query"], [tables.job_index_arn(BY_DATA_SOURCE_INDEX)]),
            (STATE_TABLE_ACTIONS, [tables.state_table.table_arn]),
        ):
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=resources))
        role.add_to_policy(tables.key_statement())
        for actions, arns in statements(poller_grants(config)):
            role.add_to_policy(iam.PolicyStatement(actions=actions, resources=list(arns)))

        # Beyond what one invocation covers, a tick goes out as batches (infra/fanout.py).
        self.fan_out = None
        if config.fan_out is not None:
            self.fan_out = FanOut(
                self,
                "FanOut",
                function=self.function,
                role=role,
                timeout=TIMEOUT,
                schedule=config.schedule,
                config=config.fan_out,
            )

        poll = scheduled_invoke(
            self,
            self.function,
            expression=scheduler.ScheduleExpression.expression(config.schedule),
            description="poll sync jobs",
        )
        self.schedule = poll.schedule
        self.schedule_role = poll.role
        self.dead_letter_queue = poll.dead_letter_queue
