"""BatchGetItem over any number of keys: the one copy of the loop that chunks keys by
DynamoDB's limit and re-asks for the keys a throttled batch left unprocessed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sync_auditor.adapters.usage import CapacityMeter

BATCH_GET_LIMIT = 100  # DynamoDB's maximum keys per BatchGetItem


def batch_get(
    dynamodb: Any,
    table_name: str,
    keys: list[dict[str, Any]],
    capacity: CapacityMeter,
    *,
    consistent: bool = True,
) -> Iterator[dict[str, Any]]:
    """Yield the items found for `keys` (DynamoDB-typed); missing keys yield nothing.

    Strongly consistent unless the caller says why a read that may miss the newest writes is
    safe for it (`consistent=False` costs half the read units)."""
    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request: dict[str, Any] = {
            table_name: {
                "Keys": keys[start : start + BATCH_GET_LIMIT],
                "ConsistentRead": consistent,
            }
        }
        while request:
            response = dynamodb.batch_get_item(RequestItems=request, ReturnConsumedCapacity="TOTAL")
            capacity.read(response.get("ConsumedCapacity"))
            yield from response.get("Responses", {}).get(table_name, [])
            # Unprocessed keys come back under throttling; botocore already retried the call.
            request = response.get("UnprocessedKeys") or {}
