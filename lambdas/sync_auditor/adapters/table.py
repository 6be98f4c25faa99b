"""What every table adapter shares: its table's name, the client factory (swapped by the CLI and
tests), and a meter of the capacity its calls consume."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sync_auditor.adapters import clients
from sync_auditor.adapters.usage import CapacityMeter


class Table:
    def __init__(self, table_name: str, client: Callable[[str], Any] = clients.client) -> None:
        self.table_name = table_name
        self._client = client
        self.capacity = CapacityMeter()

    @property
    def _dynamodb(self) -> Any:
        return self._client("dynamodb")
