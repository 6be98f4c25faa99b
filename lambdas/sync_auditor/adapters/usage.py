"""Thread-safe counters of what a poll costs: API requests (retries included) and DynamoDB capacity.

They feed the ApiCalls metric and the benchmark; polls run data sources on several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any


class ApiCallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0

    def record(self, response: dict[str, Any]) -> None:
        """Count one call plus the retries botocore made before it succeeded."""
        retries = int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
        self.add(1 + retries)

    def add(self, n: int) -> None:
        with self._lock:
            self.calls += n


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
