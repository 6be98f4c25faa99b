"""The poller: run on a schedule, page each audited data source's sync jobs into the job table,
and, for targets with self-healing, start a sync again after a transient failure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal

from aws_cdk import Aws, Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.config import ALL, KendraTarget, QBusinessTarget, SyncAuditorConfig
from infra.functions import (
    MAX_ATTEMPTS,
    AuditorFunction,
    log_retention,
    powertools_environment,
)
from infra.schedules import scheduled_invoke
from infra.tables import AuditTables
from sync_auditor.table_schema import BY_DATA_SOURCE_INDEX

HANDLER: Final = "sync_auditor.handlers.poller.handler"
TIMEOUT: Final = Duration.minutes(5)
MEMORY_MB: Final = 512
# The poll stops this long before the timeout to save its cursors (settings.PollerSettings).
DEADLINE_MARGIN_SECONDS: Final = 20

JOB_TABLE_ACTIONS: Final = ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem"]
STATE_TABLE_ACTIONS: Final = [*JOB_TABLE_ACTIONS, "dynamodb:UpdateItem"]

ArnFactory = Callable[[str, str], str]


def _arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _kendra_data_sources(target: KendraTarget, arn: ArnFactory) -> list[str]:
    """The index and the data sources a Kendra entry audits: the resources of the sync job
    calls (both are required resource types of List- and StartDataSourceSyncJob)."""
    index = arn("kendra", f"index/{target.index_id}")
    if target.data_source_ids is None:
        return [index, f"{index}/data-source/*"]
    return [index, *(f"{index}/data-source/{ds}" for ds in target.data_source_ids)]


def kendra_statements(
    kendra: tuple[KendraTarget, ...] | Literal["all"], arn: ArnFactory = _arn
) -> list[iam.PolicyStatement]:
    """The Kendra calls the targets need, on the ARNs they name.

    ListDataSourceSyncJobs requires the index and the data source; ListDataSources the index;
    ListIndices supports no resource type, so it gets "*" and only for "all".
    StartDataSourceSyncJob (self-healing) only for the entries that enable it.
    """
    sync_jobs: list[str] = []
    list_data_sources: list[str] = []
    start_sync: list[str] = []
    # A string is "all" (config.py admits no other), which cannot enable self-healing.
    if isinstance(kendra, str):
        list_data_sources.append(arn("kendra", "index/*"))
        sync_jobs += [arn("kendra", "index/*"), arn("kendra", "index/*/data-source/*")]
    else:
        for target in kendra:
            resources = _kendra_data_sources(target, arn)
            sync_jobs += resources
            if target.data_source_ids is None:
                list_data_sources.append(arn("kendra", f"index/{target.index_id}"))
            if target.settings.self_healing is not None:
                start_sync += resources
    statements = []
    if sync_jobs:
        statements.append(_allow("kendra:ListDataSourceSyncJobs", sync_jobs))
    if list_data_sources:
        statements.append(_allow("kendra:ListDataSources", list_data_sources))
    if kendra == ALL:
        statements.append(_allow("kendra:ListIndices", ["*"]))
    if start_sync:
        statements.append(_allow("kendra:StartDataSourceSyncJob", start_sync))
    return statements


def _qbusiness_data_sources(target: QBusinessTarget, arn: ArnFactory) -> list[str]:
    """The application, index(es) and data sources a Q Business entry audits: the resources of
    the sync job calls (all three are required resource types of List- and
    StartDataSourceSyncJob)."""
    app = arn("qbusiness", f"application/{target.application_id}")
    if target.index_id is None:
        return [app, f"{app}/index/*", f"{app}/index/*/data-source/*"]
    index = f"{app}/index/{target.index_id}"
    if target.data_source_ids is None:
        return [app, index, f"{index}/data-source/*"]
    return [app, index, *(f"{index}/data-source/{ds}" for ds in target.data_source_ids)]


def qbusiness_statements(
    qbusiness: tuple[QBusinessTarget, ...] | Literal["all"], arn: ArnFactory = _arn
) -> list[iam.PolicyStatement]:
    """The Q Business calls the targets need, on the ARNs they name.

    ListDataSourceSyncJobs requires application, index and data source; ListDataSources the
    application and index; ListIndices the application; ListApplications no resource ("*").
    StartDataSourceSyncJob (self-healing) only for the entries that enable it.
    """
    sync_jobs: list[str] = []
    list_data_sources: list[str] = []
    list_indices: list[str] = []
    start_sync: list[str] = []
    if isinstance(qbusiness, str):
        apps = arn("qbusiness", "application/*")
        list_indices.append(apps)
        list_data_sources += [apps, f"{apps}/index/*"]
        sync_jobs += [apps, f"{apps}/index/*", f"{apps}/index/*/data-source/*"]
    else:
        for target in qbusiness:
            resources = _qbusiness_data_sources(target, arn)
            sync_jobs += resources
            if target.data_source_ids is None:
                # The application and the index(es) whose data sources are discovered.
                list_data_sources += resources[:2]
            if target.index_id is None:
                list_indices.append(resources[0])
            if target.settings.self_healing is not None:
                start_sync += resources
    statements = []
    if sync_jobs:
        statements.append(_allow("qbusiness:ListDataSourceSyncJobs", sync_jobs))
    if list_data_sources:
        statements.append(_allow("qbusiness:ListDataSources", list_data_sources))
    if list_indices:
        statements.append(_allow("qbusiness:ListIndices", list_indices))
    if qbusiness == ALL:
        statements.append(_allow("qbusiness:ListApplications", ["*"]))
    if start_sync:
        statements.append(_allow("qbusiness:StartDataSourceSyncJob", start_sync))
    return statements


def _allow(action: str, resources: Sequence[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=[action], resources=_unique(resources))


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
            "TARGETS": config.targets_json(),
            "LOOKBACK_DAYS": str(config.lookback_days),
            "MAX_PARALLEL_CALLS": str(config.max_parallel_calls),
            "MAX_REQUESTS_PER_SECOND": str(config.max_requests_per_second),
            "DEADLINE_MARGIN_SECONDS": str(DEADLINE_MARGIN_SECONDS),
            "RETRY_MODE": config.retry_mode,
            "MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            "STUCK_AFTER_MINUTES": str(config.stuck_after_minutes),
            **powertools_environment(config.metrics_namespace),
        }
        if config.retention_days is not None:
            environment["RETENTION_DAYS"] = str(config.retention_days)
        self.auditor = AuditorFunction(
            self,
            "Poller",
            handler=HANDLER,
            description="sync-auditor: records Kendra / Q Business sync jobs in the job table",
            code=code,
            layer=layer,
            environment=environment,
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
        for statement in kendra_statements(config.kendra) + qbusiness_statements(config.qbusiness):
            role.add_to_policy(statement)

        poll = scheduled_invoke(
            self,
            self.function,
            expression=scheduler.ScheduleExpression.expression(config.schedule),
            description="poll sync jobs",
        )
        self.schedule = poll.schedule
        self.schedule_role = poll.role
        self.dead_letter_queue = poll.dead_letter_queue
