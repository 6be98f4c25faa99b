"""Self-healing's daily retry count per data source, in the state table
(`retries#<dataSourceKey>#<YYYY-MM-DD>`, UTC day), taken with one conditional update so that
overlapping polls can never start more retries than the quota allows."""

from __future__ import annotations

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.table import Table
from sync_auditor.model import parse_iso_utc

_PREFIX = "retries#"
# The count is needed for its own day only; a spare day covers any clock disagreement.
_KEEP_SECONDS = 2 * 86_400


def quota_id(data_source_key: str, day: str) -> str:
    return f"{_PREFIX}{data_source_key}#{day}"


class StateTableRetryQuota(Table):
    def used(self, data_source_key: str, day: str) -> int:
        """Retries the data source had on `day` so far."""
        response = self._client("dynamodb").get_item(
            TableName=self.table_name,
            Key={schema.STATE_KEY: {"S": quota_id(data_source_key, day)}},
            ConsistentRead=True,
            ReturnConsumedCapacity="TOTAL",
        )
        self.capacity.read(response.get("ConsumedCapacity"))
        return int(response.get("Item", {}).get("count", {}).get("N", "0"))

    def take(self, data_source_key: str, day: str, limit: int, now: str) -> int | None:
        """Count one more retry on `day`; its number (1-based), or None when `limit` were
        already taken."""
        try:
            response = self._client("dynamodb").update_item(
                TableName=self.table_name,
                Key={schema.STATE_KEY: {"S": quota_id(data_source_key, day)}},
                UpdateExpression=(
                    "SET #count = if_not_exists(#count, :zero) + :one, #ttl = :ttl, #at = :now"
                ),
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={
                    "#count": "count",
                    "#ttl": schema.STATE_TTL,
                    "#at": "updatedAt",
                },
                ExpressionAttributeValues={
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":ttl": {"N": str(int(parse_iso_utc(now).timestamp()) + _KEEP_SECONDS)},
                    ":now": {"S": now},
                },
                ReturnValues="UPDATED_NEW",
                ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                # A failed condition still consumes a write unit.
                self.capacity.write(error.response.get("ConsumedCapacity"), extra=1)
                return None
            raise
        self.capacity.write(response.get("ConsumedCapacity"))
        return int(response["Attributes"]["count"]["N"])
