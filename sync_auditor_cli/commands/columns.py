"""The table columns the query commands show (JSON and CSV carry every attribute instead)."""

from __future__ import annotations

from sync_auditor_cli.output import Column, Record, attribute, duration


def _error(record: Record) -> str | None:
    codes = [record.get("errorCode"), record.get("dataSourceErrorCode")]
    return " / ".join(str(c) for c in codes if c) or None


HISTORY = (
    attribute("startTime"),
    attribute("endTime"),
    attribute("status"),
    attribute("executionId"),
    Column("DURATION", lambda r: duration(r.get("durationSeconds")), right=True),
    Column("SCANNED", lambda r: r.get("documentsScanned"), right=True),
    Column("ADDED", lambda r: r.get("documentsAdded"), right=True),
    Column("FAILED", lambda r: r.get("documentsFailed"), right=True),
    Column("ERROR", _error, flexible=True),
)

FAILURES = (
    attribute("startTime"),
    attribute("status"),
    attribute("service"),
    Column(
        "DATA SOURCE",
        lambda r: r.get("dataSourceName") or r.get("dataSourceId"),
        width=30,
        flexible=True,
    ),
    attribute("executionId"),
    Column("DOCS FAILED", lambda r: r.get("documentsFailed"), right=True),
    Column("ERROR", _error, flexible=True),
    attribute("errorMessage", width=50, flexible=True),
    attribute("dataSourceKey", flexible=True),
)
