"""The only code that reads and writes poll state in the state table: per data source its item
`cursor#<dataSourceKey>` (`auditedSince`: when the auditor first attempted it; `since`: the
cursor, from its first complete read on; `fingerprint`: that read's jobs; `summary`: what
`sync-auditor status` shows, source_summary.py), per discovery scope `scope#<scope>` (`auditedSince`),
and the list of data sources deferred by the last poll (`deferred`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.batch_get import batch_get
from sync_auditor.adapters.table import Table
from sync_auditor.cursor import Cursor
from sync_auditor.source_summary import from_json, to_json
from sync_auditor.watch import SourceState

_PREFIX = "cursor#"
_SCOPE_PREFIX = "scope#"
# Data sources a poll could not reach before its deadline; the next poll starts with them.
_DEFERRED_ID = "deferred"
_AUDITED_SINCE = "auditedSince"
_FINGERPRINT = "fingerprint"
_SUMMARY = "summary"


def _state(item: dict[str, Any]) -> SourceState:
    since = item.get("since", {}).get("S")
    return SourceState(
        audited_since=item.get(_AUDITED_SINCE, {}).get("S"),
        cursor=Cursor(since=since) if since else None,
        fingerprint=item.get(_FINGERPRINT, {}).get("S"),
        summary=from_json(item.get(_SUMMARY, {}).get("S")),
    )


class CursorStore(Table):
    def load(
        self, data_source_keys: Iterable[str], *, strong: Iterable[str] = ()
    ) -> dict[str, SourceState]:
        """The state of each data source the auditor has attempted before (others are absent).

        Read eventually consistent, at half the cost, because a state older than the newest
        write only makes a poll do more: an older cursor widens its window, an older
        fingerprint does not match and the records are compared as before (conditional writes
        settle any overlap). Two states are read again strongly, being the ones where an old
        value would make a poll do less: a data source not yet read completely (whether a job
        is history depends on it) and the `strong` ones (self-healing moves a cursor back to
        keep a failure awaiting its retry in view, and an older cursor would let it go).
        """
        wanted = sorted(set(data_source_keys))
        states = self._read(wanted, consistent=False)
        again = set(strong) | {k for k in wanted if k not in states or not states[k].read_complete}
        states.update(self._read([k for k in wanted if k in again], consistent=True))
        return states

    def _read(self, data_source_keys: list[str], *, consistent: bool) -> dict[str, SourceState]:
        keys = [{schema.STATE_KEY: {"S": _PREFIX + k}} for k in data_source_keys]
        items = batch_get(
            self._dynamodb, self.table_name, keys, self.capacity, consistent=consistent
        )
        return {item[schema.STATE_KEY]["S"].removeprefix(_PREFIX): _state(item) for item in items}

    def fleet(self) -> dict[str, SourceState]:
        """Every data source's state: a Scan of the state table for its cursor items.

        Bounded by the state table's size (one item per data source, discovery scope, pending
        alert and silent period), never by the job table or its history: a page per 1 MB read.
        Eventually consistent: it is a view for people, a second old at worst.
        """
        paginator = self._dynamodb.get_paginator("scan")
        states: dict[str, SourceState] = {}
        for page in paginator.paginate(
            TableName=self.table_name,
            FilterExpression="begins_with(#id, :prefix)",
            ProjectionExpression="#id, #since, #audited, #summary",
            ExpressionAttributeNames={
                "#id": schema.STATE_KEY,
                "#since": "since",
                "#audited": _AUDITED_SINCE,
                "#summary": _SUMMARY,
            },
            ExpressionAttributeValues={":prefix": {"S": _PREFIX}},
            ReturnConsumedCapacity="TOTAL",
        ):
            self.capacity.read(page.get("ConsumedCapacity"))
            for item in page.get("Items", []):
                states[item[schema.STATE_KEY]["S"].removeprefix(_PREFIX)] = _state(item)
        return states

    def begin(self, data_source_key: str, audited_since: str) -> SourceState:
        """Record the first attempt of a data source; if an overlapping poll recorded it first,
        its moment stands (both then agree on what is history)."""
        item = {
            schema.STATE_KEY: {"S": _PREFIX + data_source_key},
            _AUDITED_SINCE: {"S": audited_since},
        }
        stored = self._put_if_absent(item)
        return _state(stored)

    def scope_starts(self, scopes: Iterable[str], now: str) -> dict[str, str]:
        """When each discovery scope was first attempted; a scope never seen before starts now."""
        wanted = sorted(set(scopes))
        starts = self.scope_starts_recorded(wanted)
        for scope in wanted:
            if scope not in starts:
                item = {
                    schema.STATE_KEY: {"S": _SCOPE_PREFIX + scope},
                    _AUDITED_SINCE: {"S": now},
                }
                starts[scope] = self._put_if_absent(item)[_AUDITED_SINCE]["S"]
        return starts

    def scope_starts_recorded(self, scopes: Iterable[str]) -> dict[str, str]:
        """The recorded first attempts of these scopes (absent: never attempted, or so recently
        that an eventually consistent read missed it: `scope_starts` then learns it from its
        conditional put, and a recorded moment never changes, so no read can be stale)."""
        keys = [{schema.STATE_KEY: {"S": _SCOPE_PREFIX + scope}} for scope in sorted(set(scopes))]
        items = batch_get(self._dynamodb, self.table_name, keys, self.capacity, consistent=False)
        return {
            item[schema.STATE_KEY]["S"].removeprefix(_SCOPE_PREFIX): item[_AUDITED_SINCE]["S"]
            for item in items
        }

    def _put_if_absent(self, item: dict[str, Any]) -> dict[str, Any]:
        """Write `item` unless its id exists; returns the item as stored either way."""
        try:
            response = self._dynamodb.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": schema.STATE_KEY},
                ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            self.capacity.write(error.response.get("ConsumedCapacity"), extra=1)
            response = self._dynamodb.get_item(
                TableName=self.table_name,
                Key={schema.STATE_KEY: item[schema.STATE_KEY]},
                ConsistentRead=True,
                ReturnConsumedCapacity="TOTAL",
            )
            self.capacity.read(response.get("ConsumedCapacity"))
            return dict(response.get("Item") or item)
        self.capacity.write(response.get("ConsumedCapacity"))
        return item

    def save(self, data_source_key: str, state: SourceState, now: str) -> None:
        """Write a data source's state after a complete read (its cursor set)."""
        if state.cursor is None:
            raise ValueError("only a complete read saves a cursor")
        item: dict[str, Any] = {
            schema.STATE_KEY: {"S": _PREFIX + data_source_key},
            "since": {"S": state.cursor.since},
            "updatedAt": {"S": now},
        }
        if state.audited_since:
            item[_AUDITED_SINCE] = {"S": state.audited_since}
        if state.fingerprint:
            item[_FINGERPRINT] = {"S": state.fingerprint}
        if state.summary is not None:
            item[_SUMMARY] = {"S": to_json(state.summary)}
        response = self._dynamodb.put_item(
            TableName=self.table_name, Item=item, ReturnConsumedCapacity="TOTAL"
        )
        self.capacity.write(response.get("ConsumedCapacity"))

    def load_deferred(self) -> list[str]:
        """What the last poll deferred. Eventually consistent: the list only orders a poll
        (every data source is polled either way), so an older one costs nothing but order."""
        response = self._dynamodb.get_item(
            TableName=self.table_name,
            Key={schema.STATE_KEY: {"S": _DEFERRED_ID}},
            ConsistentRead=False,
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
