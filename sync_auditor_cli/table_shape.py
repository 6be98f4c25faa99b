"""Is this table the kind the command needs? One DescribeTable, read for its key and indexes, so
a command pointed at the wrong table says so instead of passing on DynamoDB's
ValidationException (or reading an empty answer as "nothing there")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sync_auditor import table_schema as schema

Kind = Literal["job", "state"]


@dataclass(frozen=True)
class Shape:
    """A table's primary key and the indexes the CLI queries, each as its key attribute names."""

    noun: str
    key: tuple[str, ...]
    indexes: Mapping[str, tuple[str, ...]]


SHAPES: dict[Kind, Shape] = {
    "job": Shape(
        "job table",
        (schema.PARTITION_KEY, schema.SORT_KEY),
        {
            schema.BY_DATA_SOURCE_INDEX: (schema.PARTITION_KEY, schema.START_TIME),
            schema.BY_STATUS_INDEX: (schema.STATUS, schema.START_TIME),
        },
    ),
    "state": Shape(
        "state table",
        (schema.STATE_KEY,),
        {schema.PENDING_ALERTS_INDEX: (schema.PENDING_ALERT, schema.CREATED_AT)},
    ),
}


def _key(key_schema: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    # HASH before RANGE, whatever order the description lists them in.
    ordered = sorted(key_schema, key=lambda part: part.get("KeyType") != "HASH")
    return tuple(str(part["AttributeName"]) for part in ordered)


def _named(key: tuple[str, ...]) -> str:
    return " + ".join(key)


def problem(name: str, description: Mapping[str, Any], kind: Kind, hint: str) -> str | None:
    """Why the table described (DescribeTable's `Table`) is not a `kind` table, or None if it is."""
    wanted = SHAPES[kind]
    key = _key(description.get("KeySchema") or [])
    if key != wanted.key:
        others = [other for other in SHAPES.values() if other.key == key]
        looks_like = f", a sync-auditor {others[0].noun}'s" if others else ""
        return (
            f"table {name!r} is not a sync-auditor {wanted.noun} (its key is {_named(key)}"
            f"{looks_like}; a {wanted.noun}'s is {_named(wanted.key)}): {hint}"
        )
    indexes = {
        str(index["IndexName"]): _key(index.get("KeySchema") or [])
        for index in description.get("GlobalSecondaryIndexes") or []
    }
    for index, index_key in wanted.indexes.items():
        if indexes.get(index) != index_key:
            return (
                f"table {name!r} is not a sync-auditor {wanted.noun}: it has the key "
                f"{_named(key)} but no index {index} on {_named(index_key)}, which the "
                f"command queries: {hint}"
            )
    return None
