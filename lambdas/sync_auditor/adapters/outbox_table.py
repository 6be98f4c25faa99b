"""The only code that reads and writes the alert outbox: `outbox#<effect id>` items in the state
table; a pending one carries `pendingAlert` and is found on the sparse `pendingAlerts` index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.table import Table
from sync_auditor.alert_message import AlertMessage
from sync_auditor.outbox import Entry

PENDING = "PENDING"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_OPTIONAL_TEXT = {
    "executionId": "execution_id",
    "topicArn": "topic_arn",
    "subject": "subject",
    "leasedUntil": "leased_until",
    "lastErrorCode": "last_error_code",
    "sentAt": "sent_at",
    "messageId": "message_id",
}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def to_item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {
        schema.STATE_KEY: _s(schema.OUTBOX_PREFIX + entry.id),
        "alertType": _s(entry.alert_type),
        "service": _s(entry.service),
        "dataSourceKey": _s(entry.data_source_key),
        "status": _s(entry.status),
        schema.CREATED_AT: _s(entry.created_at),
        "attempts": {"N": str(entry.attempts)},
    }
    for name, attribute in _OPTIONAL_TEXT.items():
        value = getattr(entry, attribute)
        if value:
            item[name] = _s(value)
    if entry.pending:
        item[schema.PENDING_ALERT] = _s(PENDING)
    if entry.message is not None:
        item["message"] = _s(entry.message.message)
        item["messageAttributes"] = {
            "M": {name: _s(value) for name, value in entry.message.attributes.items()}
        }
    return item


def from_item(item: dict[str, Any]) -> Entry:
    def text(name: str) -> str | None:
        value = item.get(name, {}).get("S")
        return str(value) if value is not None else None

    message = None
    if "message" in item:
        message = AlertMessage(
            subject=str(text("subject") or ""),
            message=str(text("message")),
            attributes={
                name: str(value["S"])
                for name, value in item.get("messageAttributes", {}).get("M", {}).items()
            },
        )
    optional = {attribute: text(name) for name, attribute in _OPTIONAL_TEXT.items()}
    return Entry(
        id=str(text(schema.STATE_KEY)).removeprefix(schema.OUTBOX_PREFIX),
        alert_type=str(text("alertType")),
        service=str(text("service")),
        data_source_key=str(text("dataSourceKey")),
        status=str(text("status")),
        created_at=str(text(schema.CREATED_AT)),
        message=message,
        pending=schema.PENDING_ALERT in item,
        attempts=int(item.get("attempts", {}).get("N", "0")),
        **optional,
    )


class OutboxTable(Table):
    def _key(self, entry_id: str) -> dict[str, Any]:
        return {schema.STATE_KEY: _s(schema.OUTBOX_PREFIX + entry_id)}

    def create(self, entry: Entry, *, lease_until: str | None, keep_until: int | None) -> bool:
        item = to_item(entry)
        if lease_until:
            item["leasedUntil"] = _s(lease_until)
        if keep_until is not None:
            item[schema.STATE_TTL] = {"N": str(keep_until)}
        created = self._write(
            "put_item",
            Item=item,
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": schema.STATE_KEY},
        )
        return created is not None

    def claim(self, entry_id: str, *, now: str, lease_until: str) -> Entry | None:
        response = self._write(
            "update_item",
            Key=self._key(entry_id),
            UpdateExpression="SET #lease = :until, #attempts = #attempts + :one, #at = :now",
            ConditionExpression=(
                "attribute_exists(#pending) AND (attribute_not_exists(#lease) OR #lease < :now)"
            ),
            ExpressionAttributeNames={
                "#lease": "leasedUntil",
                "#attempts": "attempts",
                "#at": "lastAttemptAt",
                "#pending": schema.PENDING_ALERT,
            },
            ExpressionAttributeValues={
                ":until": _s(lease_until),
                ":now": _s(now),
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )
        return None if response is None else from_item(response["Attributes"])

    def mark_sent(self, entry_id: str, *, message_id: str, now: str, keep_until: int) -> None:
        # Unconditional on purpose: the publish happened, and the entry must say so.
        self._write(
            "update_item",
            Key=self._key(entry_id),
            UpdateExpression=("SET #sent = :now, #mid = :mid, #ttl = :ttl REMOVE #pending, #lease"),
            ExpressionAttributeNames={
                "#sent": "sentAt",
                "#mid": "messageId",
                "#ttl": schema.STATE_TTL,
                "#pending": schema.PENDING_ALERT,
                "#lease": "leasedUntil",
            },
            ExpressionAttributeValues={
                ":now": _s(now),
                ":mid": _s(message_id),
                ":ttl": {"N": str(keep_until)},
            },
        )

    def release(self, entry_id: str, *, error_code: str, now: str) -> None:
        self._write(
            "update_item",
            Key=self._key(entry_id),
            UpdateExpression="SET #error = :code, #at = :now REMOVE #lease",
            ConditionExpression="attribute_exists(#pending)",
            ExpressionAttributeNames={
                "#error": "lastErrorCode",
                "#at": "lastAttemptAt",
                "#lease": "leasedUntil",
                "#pending": schema.PENDING_ALERT,
            },
            ExpressionAttributeValues={":code": _s(error_code[:256]), ":now": _s(now)},
        )

    def pending(self) -> Iterator[Entry]:
        """Pending entries, oldest first (the index is eventually consistent: an entry written
        a moment ago may show up on the next sweep)."""
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": schema.PENDING_ALERTS_INDEX,
            "KeyConditionExpression": "#pending = :pending",
            "ExpressionAttributeNames": {"#pending": schema.PENDING_ALERT},
            "ExpressionAttributeValues": {":pending": _s(PENDING)},
            "ScanIndexForward": True,
            "ReturnConsumedCapacity": "TOTAL",
        }
        while True:
            response = self._dynamodb.query(**request)
            self.capacity.read(response.get("ConsumedCapacity"))
            yield from (from_item(item) for item in response.get("Items", []))
            if not response.get("LastEvaluatedKey"):
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _write(self, operation: str, **request: Any) -> dict[str, Any] | None:
        """One conditional write; its response, or None when its condition did not hold."""
        try:
            response = getattr(self._dynamodb, operation)(
                TableName=self.table_name, ReturnConsumedCapacity="TOTAL", **request
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != _CONDITION_FAILED:
                raise
            # A failed condition still consumes a write unit.
            self.capacity.write(error.response.get("ConsumedCapacity"), extra=1)
            return None
        self.capacity.write(response.get("ConsumedCapacity"))
        return dict(response)
