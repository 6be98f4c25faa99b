"""The only code that reads and writes discovery's cached listings in the state table.

Per service, a head item `discovery#<service>` names the generation in use (`generation`,
`parts`, `targetsHash`, `refreshedAt`, `stale`, and `sources`, a count for people), and parts
`discovery#<service>#<generation>#<n>` hold that generation's listing: zlib-compressed JSON
split at PART_BYTES, so any number of data sources fits DynamoDB's 400 KB per item (10,000
Q Business data sources take a few parts).

A refresh writes its parts first and its head last, and a reader follows the head: it sees a
whole generation or none. A part missing, or of another generation, makes the read a miss (the
caller lists again), never a half listing. Old parts are left to the table's TTL: the poller
may not DeleteItem, and overwriting parts in place could tear a generation being read.
"""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import fields
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import table_schema as schema
from sync_auditor.adapters.batch_get import batch_get
from sync_auditor.adapters.table import Table
from sync_auditor.discovery_cache import Head, Listing
from sync_auditor.model import DataSourceRef, parse_iso_utc

_PREFIX = "discovery#"
# Under DynamoDB's 400 KB item limit with room for the key and the other attributes.
PART_BYTES = 350_000
# Longer than the longest refresh interval (1440 minutes), so the parts of a head in use are
# still there when a refresh fails for a while; past it the head is a miss and lists anew.
PART_LIFETIME = timedelta(days=2)
_FIELDS = tuple(f.name for f in fields(DataSourceRef))


def encode(listing: Listing) -> bytes:
    """The listing as compressed JSON: every DataSourceRef field, by name, in rows."""
    rows = [[getattr(source, name) for name in _FIELDS] for source in listing.sources]
    document = {
        "fields": _FIELDS,
        "rows": rows,
        "scopes": listing.scopes,
        "skipped": listing.skipped,
    }
    return zlib.compress(json.dumps(document, separators=(",", ":")).encode())


def decode(data: bytes) -> Listing:
    document = json.loads(zlib.decompress(data))
    names = document["fields"]
    return Listing(
        sources=tuple(
            DataSourceRef(**dict(zip(names, row, strict=True))) for row in document["rows"]
        ),
        scopes=tuple(document["scopes"]),
        skipped=document["skipped"],
    )


def _head_id(service: str) -> str:
    return f"{_PREFIX}{service}"


def _part_id(service: str, generation: str, number: int) -> str:
    return f"{_PREFIX}{service}#{generation}#{number}"


def _head(item: dict[str, Any]) -> Head:
    return Head(
        service=item[schema.STATE_KEY]["S"].removeprefix(_PREFIX),
        generation=item["generation"]["S"],
        parts=int(item["parts"]["N"]),
        targets_hash=item["targetsHash"]["S"],
        refreshed_at=item["refreshedAt"]["S"],
        stale=item.get("stale", {}).get("BOOL", False),
    )


class DiscoveryCacheTable(Table):
    def heads(self, services: Iterable[str]) -> dict[str, Head]:
        """The head of each service that has a cached listing (strongly read: the newest)."""
        keys = [{schema.STATE_KEY: {"S": _head_id(s)}} for s in sorted(set(services))]
        heads = [_head(i) for i in batch_get(self._dynamodb, self.table_name, keys, self.capacity)]
        return {head.service: head for head in heads}

    def load(self, head: Head) -> Listing | None:
        """The listing `head` names, or None if any part of it is missing or not its own."""
        ids = [_part_id(head.service, head.generation, n) for n in range(head.parts)]
        # Parts are never rewritten, so an eventually consistent read is right or empty; what
        # it misses (a refresh a moment ago) is read again strongly before calling it a miss.
        found = self._parts(ids, consistent=False)
        found.update(self._parts([i for i in ids if i not in found], consistent=True))
        if any(i not in found or found[i]["generation"]["S"] != head.generation for i in ids):
            return None
        data = b"".join(found[i]["data"]["B"] for i in ids)
        try:
            return decode(data)
        except (ValueError, KeyError, TypeError, zlib.error):
            return None  # written by another release: listed again, and overwritten

    def _parts(self, ids: list[str], *, consistent: bool) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        keys = [{schema.STATE_KEY: {"S": i}} for i in ids]
        items = batch_get(
            self._dynamodb, self.table_name, keys, self.capacity, consistent=consistent
        )
        return {item[schema.STATE_KEY]["S"]: item for item in items}

    def save(self, service: str, listing: Listing, targets_hash: str, now: str) -> Head:
        """Store a new generation: its parts, then the head that names it."""
        data = encode(listing)
        chunks = [data[i : i + PART_BYTES] for i in range(0, len(data), PART_BYTES)] or [b""]
        head = Head(service, uuid.uuid4().hex, len(chunks), targets_hash, now)
        expires = int((parse_iso_utc(now) + PART_LIFETIME).timestamp())
        for number, chunk in enumerate(chunks):
            self._put(
                {
                    schema.STATE_KEY: {"S": _part_id(service, head.generation, number)},
                    "generation": {"S": head.generation},
                    "data": {"B": chunk},
                    schema.STATE_TTL: {"N": str(expires)},
                }
            )
        self._put(
            {
                schema.STATE_KEY: {"S": _head_id(service)},
                "generation": {"S": head.generation},
                "parts": {"N": str(head.parts)},
                "targetsHash": {"S": targets_hash},
                "refreshedAt": {"S": now},
                "sources": {"N": str(len(listing.sources))},
            }
        )
        return head

    def mark_stale(self, head: Head) -> None:
        """Have the next tick list again, unless a newer generation has replaced `head`."""
        try:
            response = self._dynamodb.update_item(
                TableName=self.table_name,
                Key={schema.STATE_KEY: {"S": _head_id(head.service)}},
                UpdateExpression="SET stale = :stale",
                ConditionExpression="generation = :generation",
                ExpressionAttributeValues={
                    ":stale": {"BOOL": True},
                    ":generation": {"S": head.generation},
                },
                ReturnConsumedCapacity="TOTAL",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            self.capacity.write(error.response.get("ConsumedCapacity"), extra=1)
            return
        self.capacity.write(response.get("ConsumedCapacity"))

    def _put(self, item: dict[str, Any]) -> None:
        response = self._dynamodb.put_item(
            TableName=self.table_name, Item=item, ReturnConsumedCapacity="TOTAL"
        )
        self.capacity.write(response.get("ConsumedCapacity"))
