"""Small builders for sync jobs as each API sends them, and for data sources."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sync_auditor.model import DataSourceRef, SyncJob

KENDRA_INDEX = "a" * 8 + "-1111-2222-3333-" + "b" * 12
QB_APP = "c" * 8 + "-1111-2222-3333-" + "d" * 12
QB_INDEX = "e" * 8 + "-1111-2222-3333-" + "f" * 12
QB_DS = "0" * 8 + "-1111-2222-3333-" + "9" * 12

KENDRA_SOURCE = DataSourceRef("kendra", KENDRA_INDEX, "web-crawler")
QB_SOURCE = DataSourceRef("qbusiness", QB_INDEX, QB_DS, application_id=QB_APP)


def at(hour: int, minute: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def kendra_item(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ExecutionId": "exec-1",
        "StartTime": at(10),
        "Status": "SYNCING",
    }
    item.update(fields)
    return {name: value for name, value in item.items() if value is not None}


def qbusiness_item(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "executionId": "exec-1",
        "startTime": at(10),
        "status": "SYNCING",
    }
    item.update(fields)
    return {name: value for name, value in item.items() if value is not None}


def job(
    status: str = "SYNCING",
    execution_id: str = "exec-1",
    start: str | None = "2026-11-22T10:00:00Z",
    end: str | None = None,
    source: DataSourceRef = KENDRA_SOURCE,
    **fields: Any,
) -> SyncJob:
    return SyncJob(
        source=source,
        execution_id=execution_id,
        status=status,
        start_time=start,
        end_time=end,
        **fields,
    )
