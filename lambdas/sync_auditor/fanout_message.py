"""One fan-out batch as an SQS message: its body, group and deduplication id.

The body carries every field of each DataSourceRef (names and scope included: a consumer does
no discovery, and alerts and first-attempt moments need them), so what a consumer polls is
exactly what the planner discovered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any

from sync_auditor.model import DataSourceRef

VERSION = 1
# SQS takes 256 KiB per message, attributes included; the rest is headroom.
MAX_BODY_BYTES = 200_000
_FIELDS = tuple(f.name for f in fields(DataSourceRef))


@dataclass(frozen=True)
class Batch:
    """Data sources of one shard for one tick; `part` numbers a shard's batches in the tick."""

    tick: str
    shard: int
    part: int
    sources: tuple[DataSourceRef, ...]

    @property
    def group_id(self) -> str:
        """The FIFO message group: one per shard, so a shard's batches never run at once."""
        return f"shard-{self.shard}"

    @property
    def deduplication_id(self) -> str:
        """Names the batch within its tick: a plan sent twice for one tick enqueues it once."""
        return f"{self.tick}#{self.shard}#{self.part}"

    def remainder(self, keys: set[str]) -> Batch:
        """The batch of these data sources, left unread by a consumer: same tick and shard."""
        left = tuple(source for source in self.sources if source.key in keys)
        return Batch(self.tick, self.shard, self.part, left)

    @property
    def remainder_deduplication_id(self) -> str:
        """The id of a remainder, from its content: a consumer retried after sending it sends
        the same id (deduplicated); a new remainder of it has other content, another id."""
        digest = hashlib.sha256("\n".join(s.key for s in self.sources).encode()).hexdigest()
        return f"{self.tick}#{self.shard}#rest-{digest[:32]}"


def _fields(source: DataSourceRef) -> dict[str, Any]:
    values = {name: getattr(source, name) for name in _FIELDS}
    return {name: value for name, value in values.items() if value is not None}


def encode(batch: Batch) -> str:
    return json.dumps(
        {
            "v": VERSION,
            "tick": batch.tick,
            "shard": batch.shard,
            "part": batch.part,
            "sources": [_fields(source) for source in batch.sources],
        },
        separators=(",", ":"),
    )


def encoded_size(batch: Batch) -> int:
    return len(encode(batch).encode("utf-8"))


def source_size(source: DataSourceRef) -> int:
    """What one data source adds to a body (its comma included)."""
    return len(json.dumps(_fields(source), separators=(",", ":")).encode("utf-8")) + 1


class MalformedBatch(ValueError):
    """A message body that is not a batch of this version (a bug, or a message from elsewhere)."""


def decode(body: str) -> Batch:
    try:
        value = json.loads(body)
        if value.get("v") != VERSION:
            raise MalformedBatch(f"batch version {value.get('v')!r}; this consumer reads {VERSION}")
        sources = tuple(DataSourceRef(**fields) for fields in value["sources"])
        return Batch(str(value["tick"]), int(value["shard"]), int(value["part"]), sources)
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, MalformedBatch):
            raise
        raise MalformedBatch(f"not a fan-out batch: {error}") from None
