"""What one poll reports per data source, and over all of them (the health metrics' source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sync_auditor.model import DataSourceRef

Outcome = Literal["polled", "partial", "deferred", "error"]


@dataclass
class SourceResult:
    source: DataSourceRef
    outcome: Outcome
    jobs_seen: int = 0
    jobs_written: int = 0
    backfill: bool = False
    error_code: str | None = None


@dataclass
class PollReport:
    results: list[SourceResult] = field(default_factory=list)

    def count(self, service: str, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.source.service == service and r.outcome == outcome)

    def jobs_written(self, service: str) -> int:
        return sum(r.jobs_written for r in self.results if r.source.service == service)

    @property
    def deferred_keys(self) -> list[str]:
        return [r.source.key for r in self.results if r.outcome in ("deferred", "partial")]
