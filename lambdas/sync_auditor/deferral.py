"""The deferral record (state table item `deferred`) kept inside one DynamoDB item.

An item holds at most 400 KB; a string set of ~6,000 data source keys outgrows it, and then
every tick's save fails. What the record is for is only the order of the next tick (the
deferred go first, so none starves); past the cap, the rest are polled in their usual order,
and fan-out (fanout.py) is what covers fleets that large.
"""

from __future__ import annotations

from collections.abc import Sequence

# Under the 400 KB item limit, with room for the item's id and attribute names.
MAX_DEFERRED_BYTES = 350_000


def capped(data_source_keys: Sequence[str], limit_bytes: int = MAX_DEFERRED_BYTES) -> list[str]:
    """The first keys, in the order given (the poll's: the longest-deferred first), whose
    UTF-8 sizes fit `limit_bytes`."""
    kept: list[str] = []
    size = 0
    for key in dict.fromkeys(data_source_keys):
        size += len(key.encode("utf-8"))
        if size > limit_bytes:
            break
        kept.append(key)
    return kept
