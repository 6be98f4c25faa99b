"""A thread-safe meter of the DynamoDB capacity a poll consumes (polls run on several threads)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any


class CapacityMeter:
    """Read and write units reported by DynamoDB (ReturnConsumedCapacity=TOTAL)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.read_units = 0.0
        self.write_units = 0.0

    def read(self, consumed: dict[str, Any] | Iterable[dict[str, Any]] | None) -> None:
        with self._lock:
            self.read_units += _units(consumed)

    def write(
        self, consumed: dict[str, Any] | Iterable[dict[str, Any]] | None, extra: float = 0
    ) -> None:
        with self._lock:
            self.write_units += _units(consumed) + extra


def _units(consumed: dict[str, Any] | Iterable[dict[str, Any]] | None) -> float:
    if not consumed:
        return 0.0
    entries = [consumed] if isinstance(consumed, dict) else list(consumed)
    return sum(float(entry.get("CapacityUnits", 0)) for entry in entries if entry)
