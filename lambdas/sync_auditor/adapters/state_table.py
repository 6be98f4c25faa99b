"""The only code that reads and writes poll state: cursors (`cursor#<dataSourceKey>`) and the
list of data sources deferred by the last poll (`deferred`), in the state table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sync_auditor import table_schema as schema
from sync_auditor.adapters import clients
from sync_auditor.adapters.batch_get import batch_get
from sync_auditor.adapters.usage import CapacityMeter
from sync_auditor.cursor import Cursor

_PREFIX = "cursor#"
# Data sources a poll could not reach before its deadline; the next poll starts with them.
_DEFERRED_ID = "deferred"


class CursorStore:
    def __init__(self, table_name: str, client: Callable[[str], Any] = clients.client) -> None:
        self.table_name = table_name
        self._client = client
        self.capacity = CapacityMeter()

    @property
    def _dynamodb(self) -> Any:
        return self._client("dynamodb")

    def load(self, data_source_keys: Iterable[str]) -> dict[str, Cursor]:
        keys = [{schema.STATE_KEY: {"S": _PREFIX + k}} for k in sorted(set(data_source_keys))]
        cursors: dict[str, Cursor] = {}
        for item in batch_get(self._dynamodb, self.table_name, keys, self.capacity):
            since = item.get("since", {}).get("S")
            if since:
                cursors[item[schema.STATE_KEY]["S"].removeprefix(_PREFIX)] = Cursor(since=since)
        return cursors

    def save(self, data_source_key: str, cursor: Cursor, now: str) -> None:
        response = self._dynamodb.put_item(
            TableName=self.table_name,
            Item={
                schema.STATE_KEY: {"S": _PREFIX + data_source_key},
                "since": {"S": cursor.since},
                "updatedAt": {"S": now},
            },
            ReturnConsumedCapacity="TOTAL",
        )
        self.capacity.write(response.get("ConsumedCapacity"))

    def load_deferred(self) -> list[str]:
        response = self._dynamodb.get_item(
            TableName=self.table_name,
            Key={schema.STATE_KEY: {"S": _DEFERRED_ID}},
            ConsistentRead=True,
            ReturnConsumedCapacity="TOTAL",
        )
        self.capacity.read(response.get("ConsumedCapacity"))
        return list(response.get("Item", {}).get("keys", {}).get("SS", []))

    def save_deferred(self, data_source_keys: list[str], previous: list[str]) -> None:
        """Remember what to poll first next time; writes nothing when nothing changed."""
        if sorted(data_source_keys) == sorted(previous):
            return
        item: dict[str, Any] = {schema.STATE_KEY: {"S": _DEFERRED_ID}}
        if data_source_keys:  # a string set cannot be empty: no attribute means none deferred
            item["keys"] = {"SS": sorted(data_source_keys)}
        response = self._dynamodb.put_item(
            TableName=self.table_name, Item=item, ReturnConsumedCapacity="TOTAL"
        )
        self.capacity.write(response.get("ConsumedCapacity"))
