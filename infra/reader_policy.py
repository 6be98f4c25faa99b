"""The managed policy a person (or a CI role) attaches to read the audit history with the CLI.

Exactly the requests of the CLI's read commands (history, failures, show, report, status, pending, and
audit --dry-run's table reads), listed in sync_auditor_cli/queries.py and the runtime adapters
it reuses: Query on the tables and their indexes (named one by one), GetItem and BatchGetItem
on the tables, Scan on the state table only (status), DescribeTable (which explains a table of
the wrong kind), the table key's
Decrypt through DynamoDB only, and DescribeStacks on this stack, whose outputs name the tables.
Nothing writes: `pending --send` and a real `audit` need more (see the README).
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.tables import AuditTables
from sync_auditor import table_schema as schema

TABLE_READS: Final = ("dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem")
QUERY: Final = "dynamodb:Query"
# DynamoDB asks KMS on the caller's behalf: Decrypt to read items, DescribeKey for the key's
# state. No Encrypt or GenerateDataKey: nothing here writes.
KEY_READS: Final = ("kms:Decrypt", "kms:DescribeKey")
STACK_READS: Final = ("cloudformation:DescribeStacks",)
# `status` reads every data source's summary from its cursor item: the state table is one
# small item per data source (never the job table, which holds every job).
STATE_SCAN: Final = "dynamodb:Scan"


class ReaderPolicy(Construct):
    """A customer-managed policy, unnamed so two stacks in one account never collide."""

    def __init__(self, scope: Construct, construct_id: str, *, tables: AuditTables) -> None:
        super().__init__(scope, construct_id)
        table_arns = [tables.job_table.table_arn, tables.state_table.table_arn]
        index_arns = [
            tables.job_index_arn(schema.BY_DATA_SOURCE_INDEX),
            tables.job_index_arn(schema.BY_STATUS_INDEX),
            tables.state_index_arn(schema.PENDING_ALERTS_INDEX),
        ]
        key_use = tables.key_statement()
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=(
                f"sync-auditor {Stack.of(self).stack_name}: read the audit history with the "
                "sync-auditor CLI (no writes)"
            ),
            statements=[
                iam.PolicyStatement(
                    sid="ReadTheTables", actions=list(TABLE_READS), resources=table_arns
                ),
                iam.PolicyStatement(
                    sid="QueryTheTablesAndIndexes",
                    actions=[QUERY],
                    resources=[*table_arns, *index_arns],
                ),
                iam.PolicyStatement(
                    sid="ScanTheStateTable",
                    actions=[STATE_SCAN],
                    resources=[tables.state_table.table_arn],
                ),
                iam.PolicyStatement(
                    sid="DecryptTheTablesThroughDynamoDB",
                    actions=list(KEY_READS),
                    resources=key_use.resources,
                    conditions=key_use.conditions,
                ),
                # Aws.STACK_ID is this stack's full ARN (its unique suffix included): a stack
                # of the same name deployed later is not readable through this policy.
                iam.PolicyStatement(
                    sid="ReadThisStacksOutputs", actions=list(STACK_READS), resources=[Aws.STACK_ID]
                ),
            ],
        )
