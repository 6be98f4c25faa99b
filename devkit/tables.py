"""Creates the job and state tables locally (moto) exactly as the stack declares them."""

from __future__ import annotations

from typing import Any

from sync_auditor import table_schema as schema


def create_job_table(dynamodb: Any, name: str) -> str:
    """Create the job table with its stream and indexes; returns the stream ARN."""
    response = dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": schema.PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": schema.SORT_KEY, "AttributeType": "S"},
            {"AttributeName": schema.START_TIME, "AttributeType": "S"},
            {"AttributeName": schema.STATUS, "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": schema.SORT_KEY, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": schema.BY_DATA_SOURCE_INDEX,
                "KeySchema": [
                    {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
                    {"AttributeName": schema.START_TIME, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": schema.BY_STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": schema.STATUS, "KeyType": "HASH"},
                    {"AttributeName": schema.START_TIME, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    return str(response["TableDescription"]["LatestStreamArn"])


def create_state_table(dynamodb: Any, name: str) -> str:
    """Create the state table with its stream (notices reach the notifier) and the outbox's
    sparse index of pending alerts; returns the stream ARN."""
    response = dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": schema.STATE_KEY, "AttributeType": "S"},
            {"AttributeName": schema.PENDING_ALERT, "AttributeType": "S"},
            {"AttributeName": schema.CREATED_AT, "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": schema.STATE_KEY, "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": schema.PENDING_ALERTS_INDEX,
                "KeySchema": [
                    {"AttributeName": schema.PENDING_ALERT, "KeyType": "HASH"},
                    {"AttributeName": schema.CREATED_AT, "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": list(schema.PENDING_ALERTS_PROJECTION),
                },
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    return str(response["TableDescription"]["LatestStreamArn"])
