"""The only code that reads and writes the job table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.batch_get import batch_get
from sync_auditor.adapters.table import Table
from sync_auditor.model import TERMINAL_STATUSES

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
JobKey = tuple[str, str]  # (dataSourceKey, executionId)


def to_item(record: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in record.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {name: _plain(item) for name, item in value.items()}
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python (ints, not Decimals), the shape the logic works with."""
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _latest(records: list[dict[str, Any]]) -> dict[str, Any] | None:
    return max(records, key=lambda r: str(r.get("endTime") or ""), default=None)


class JobTable(Table):
    def get_many(self, keys: Iterable[JobKey]) -> dict[JobKey, dict[str, Any]]:
        """The stored records for these keys (missing ones are absent), strongly consistent."""
        typed = [
            {schema.PARTITION_KEY: {"S": k}, schema.SORT_KEY: {"S": e}}
            for k, e in sorted(set(keys))
        ]
        found: dict[JobKey, dict[str, Any]] = {}
        for item in batch_get(self._dynamodb, self.table_name, typed, self.capacity):
            record = from_item(item)
            found[(record[schema.PARTITION_KEY], record[schema.SORT_KEY])] = record
        return found

    def get(self, key: JobKey) -> dict[str, Any] | None:
        response = self._dynamodb.get_item(
            TableName=self.table_name,
            Key={schema.PARTITION_KEY: {"S": key[0]}, schema.SORT_KEY: {"S": key[1]}},
            ConsistentRead=True,
            ReturnConsumedCapacity="TOTAL",
        )
        self.capacity.read(response.get("ConsumedCapacity"))
        item = response.get("Item")
        return from_item(item) if item else None

    def previous_terminal(
        self, job: Mapping[str, Any], *, max_pages: int = 5
    ) -> dict[str, Any] | None:
        """The newest other job of the data source that had ended before `job` did: started
        before it, or in the same second and ended no later (start times have one-second
        precision, so a failure and the retry that follows it can share one).

        Newest first on the byDataSource index; open jobs in between are skipped. Bounded:
        a data source with more than a few pages of open jobs in a row has no answer.
        """
        start, end = str(job["startTime"]), str(job.get("endTime") or "")
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": schema.BY_DATA_SOURCE_INDEX,
            "KeyConditionExpression": "#pk = :key AND #start <= :start",
            "ExpressionAttributeNames": {"#pk": schema.PARTITION_KEY, "#start": schema.START_TIME},
            "ExpressionAttributeValues": {
                ":key": {"S": str(job["dataSourceKey"])},
                ":start": {"S": start},
            },
            "ScanIndexForward": False,
            "Limit": 10,
            "ReturnConsumedCapacity": "TOTAL",
        }
        same_second: list[dict[str, Any]] = []
        for _ in range(max_pages):
            response = self._dynamodb.query(**request)
            self.capacity.read(response.get("ConsumedCapacity"))
            for item in response.get("Items", []):
                record = from_item(item)
                if record.get("executionId") == job.get("executionId"):
                    continue
                if record.get("status") not in TERMINAL_STATUSES:
                    continue
                if record.get("startTime") == start:
                    if str(record.get("endTime") or "") <= end:
                        same_second.append(record)
                    continue
                # Older than every same-second candidate: the newest of those wins, if any.
                return _latest(same_second) or record
            if not response.get("LastEvaluatedKey"):
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return _latest(same_second)

    def store_reasons(self, key: JobKey, reasons: dict[str, Any]) -> bool:
        """Add the failure-reason summary to a job record, as one more revision.

        Incrementing `revision` keeps the poller's optimistic lock honest: a poll that read the
        record before this write fails its condition, re-reads and keeps the summary.
        """
        try:
            response = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={schema.PARTITION_KEY: {"S": key[0]}, schema.SORT_KEY: {"S": key[1]}},
                UpdateExpression="SET #reasons = :reasons, #revision = #revision + :one",
                ConditionExpression="attribute_exists(#pk)",
                ExpressionAttributeNames={
                    "#reasons": "failureReasons",
                    "#revision": "revision",
                    "#pk": schema.PARTITION_KEY,
                },
                ExpressionAttributeValues={
                    ":reasons": _serializer.serialize(reasons),
                    ":one": {"N": "1"},
                },
                ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False  # the record is gone (expired or removed): nothing to annotate
            raise
        self.capacity.write(response.get("ConsumedCapacity"))
        return True

    def put_if_revision(self, record: dict[str, Any], expected_revision: int | None) -> bool:
        """Write `record` only if the stored revision is still `expected_revision` (None: new).

        False when another poll committed first; the caller re-reads and decides again.
        """
        if expected_revision is None:
            condition = "attribute_not_exists(#pk)"
            names = {"#pk": schema.PARTITION_KEY}
            values: dict[str, Any] = {}
        else:
            condition = "#revision = :expected"
            names = {"#revision": "revision"}
            values = {":expected": {"N": str(expected_revision)}}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Item": to_item(record),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnConsumedCapacity": "TOTAL",
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            response = self._dynamodb.put_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                # A failed condition still consumes a write unit.
                self.capacity.write(error.response.get("ConsumedCapacity"), extra=1)
                return False
            raise
        self.capacity.write(response.get("ConsumedCapacity"))
        return True
