"""The job table (the audit history) and the state table (poll cursors, notices, the alert outbox).

Keys and indexes are the contract in DESIGN.md, named in sync_auditor/table_schema.py and
mirrored locally by devkit/tables.py: change all three together.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from sync_auditor import table_schema as schema

_STRING = dynamodb.AttributeType.STRING


class AuditTables(Construct):
    """Both tables, encrypted with one customer-managed key, recoverable and retained."""

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int | None) -> None:
        super().__init__(scope, construct_id)
        # Retained like the tables: a retained table whose key was deleted is unreadable.
        self.key = kms.Key(
            self,
            "TableKey",
            description="sync-auditor: encrypts the job and state tables",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        recovery = dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)
        # An audit log: deleting the stack must not delete it, nor may a stray console click.
        common: dict[str, Any] = {
            "billing_mode": dynamodb.BillingMode.PAY_PER_REQUEST,
            "encryption": dynamodb.TableEncryption.CUSTOMER_MANAGED,
            "encryption_key": self.key,
            "point_in_time_recovery_specification": recovery,
            "deletion_protection": True,
            "removal_policy": RemovalPolicy.RETAIN,
        }
        self.job_table = dynamodb.Table(
            self,
            "JobTable",
            partition_key=dynamodb.Attribute(name=schema.PARTITION_KEY, type=_STRING),
            sort_key=dynamodb.Attribute(name=schema.SORT_KEY, type=_STRING),
            # The notifier derives alerts from committed changes, with the previous status.
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            # TTL only on request: by default the audit history is kept forever.
            time_to_live_attribute=schema.EXPIRES_AT if retention_days else None,
            **common,
        )
        for index_name, partition_key in (
            (schema.BY_DATA_SOURCE_INDEX, schema.PARTITION_KEY),
            (schema.BY_STATUS_INDEX, schema.STATUS),
        ):
            self.job_table.add_global_secondary_index(
                index_name=index_name,
                partition_key=dynamodb.Attribute(name=partition_key, type=_STRING),
                sort_key=dynamodb.Attribute(name=schema.START_TIME, type=_STRING),
                projection_type=dynamodb.ProjectionType.ALL,
            )
        self.state_table = dynamodb.Table(
            self,
            "StateTable",
            partition_key=dynamodb.Attribute(name=schema.STATE_KEY, type=_STRING),
            # Items the functions give an expiry (superseded cursors, old notices) go on their own.
            time_to_live_attribute=schema.STATE_TTL,
            # Notices (a silent data source) reach the notifier as inserts on this stream.
            stream=dynamodb.StreamViewType.NEW_IMAGE,
            **common,
        )
        # Sparse: only outbox items still to deliver carry the partition key, so the notifier's
        # sweep reads what is pending, oldest first, and nothing else. Only the small attributes
        # are projected (the bodies stay out), so entering and leaving it costs one write unit.
        self.state_table.add_global_secondary_index(
            index_name=schema.PENDING_ALERTS_INDEX,
            partition_key=dynamodb.Attribute(name=schema.PENDING_ALERT, type=_STRING),
            sort_key=dynamodb.Attribute(name=schema.CREATED_AT, type=_STRING),
            projection_type=dynamodb.ProjectionType.INCLUDE,
            non_key_attributes=list(schema.PENDING_ALERTS_PROJECTION),
        )

    def job_index_arn(self, name: str) -> str:
        """One index of the job table, by name (grants name indexes one by one, no index/*)."""
        return f"{self.job_table.table_arn}/index/{name}"

    def state_index_arn(self, name: str) -> str:
        """One index of the state table, by name."""
        return f"{self.state_table.table_arn}/index/{name}"

    def key_statement(self) -> iam.PolicyStatement:
        """Use of the table key, only by DynamoDB on the caller's behalf."""
        # Listed one by one (no ReEncrypt*, GenerateDataKey*): DynamoDB needs no more to read
        # and write items of a table encrypted with a customer-managed key.
        return iam.PolicyStatement(
            actions=["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
            resources=[self.key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"dynamodb.{Aws.REGION}.amazonaws.com"}},
        )
