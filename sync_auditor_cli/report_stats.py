"""The report's figures: pure functions from job records to per-data-source figures, worst first.

Definitions (the README's `report` section repeats them):
- a *failure* is a job that ended FAILED or INCOMPLETE (the statuses that alert by default);
- the *failure rate* is failures / finished jobs (SUCCEEDED, FAILED, INCOMPLETE, ABORTED):
  a job still open has not failed yet, and a source with nothing finished has no rate;
- durations are the recorded `durationSeconds` of finished jobs (median and max);
- *worst* sorts by failure rate, then failures, then documents failed, highest first; sources
  without a rate come last.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sync_auditor.model import (
    ALL_STATUSES,
    DEFAULT_ALERT_STATUSES,
    TERMINAL_STATUSES,
    UNKNOWN_STATUS,
)
from sync_auditor.services import REGISTRY

Record = Mapping[str, Any]
# Every status a record can carry (normalize.py records a status it does not know as UNKNOWN):
# the report reads each of them from the byStatus index, so nothing in the range is left out.
REPORT_STATUSES: tuple[str, ...] = tuple(sorted(ALL_STATUSES | {UNKNOWN_STATUS}))
FAILURE_STATUSES = DEFAULT_ALERT_STATUSES
TOP_ERRORS = 3


@dataclass(frozen=True)
class Sync:
    """One job as the timeline draws it."""

    execution_id: str
    status: str
    start: str
    end: str | None
    duration_seconds: float | None
    error_code: str | None


@dataclass(frozen=True)
class SourceFigures:
    key: str
    service: str  # the service's title ("Amazon Kendra"), else its name as recorded
    name: str  # the data source's name where a record has it, else its id
    parents: tuple[tuple[str, str], ...]  # (label, name or id), outermost first
    syncs: tuple[Sync, ...]  # oldest first
    statuses: tuple[tuple[str, int], ...]  # jobs per status, most first
    finished: int
    failures: int
    failure_rate: float | None  # 0..1; None when nothing finished
    median_seconds: float | None
    max_seconds: float | None
    documents_failed: int
    top_errors: tuple[tuple[str, int], ...]  # error codes of failures, most frequent first
    last_error_message: str | None  # of the newest failure that has one

    @property
    def jobs(self) -> int:
        return len(self.syncs)


@dataclass(frozen=True)
class Fleet:
    sources: tuple[SourceFigures, ...]  # worst first
    jobs: int
    finished: int
    failures: int
    failure_rate: float | None
    documents_failed: int


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _latest(records: Sequence[Record], name: str) -> str | None:
    """The newest record's value of an attribute (names can change; the latest is current)."""
    for record in reversed(records):
        if value := _text(record.get(name)):
            return value
    return None


def _parents(service: str, records: Sequence[Record]) -> tuple[tuple[str, str], ...]:
    spec = REGISTRY.get(service)
    if spec is None:
        return ()
    return tuple(
        (p.label, _latest(records, p.name_attribute) or _latest(records, p.id_attribute) or "")
        for p in spec.parents
    )


def _error_codes(record: Record) -> list[str]:
    codes = [_text(record.get("errorCode")), _text(record.get("dataSourceErrorCode"))]
    return list(dict.fromkeys(c for c in codes if c))


def rate(failures: int, finished: int) -> float | None:
    return failures / finished if finished else None


def source_figures(key: str, records: Iterable[Record]) -> SourceFigures:
    """The figures of one data source from its jobs in the range."""
    jobs = sorted(records, key=lambda r: (str(r.get("startTime") or ""), str(r["executionId"])))
    service = str(jobs[0].get("service") or key.split("#")[0]) if jobs else key.split("#")[0]
    spec = REGISTRY.get(service)
    finished = [r for r in jobs if r.get("status") in TERMINAL_STATUSES]
    failed = [r for r in finished if r.get("status") in FAILURE_STATUSES]
    durations = [d for r in finished if (d := _number(r.get("durationSeconds"))) is not None]
    errors = Counter(code for r in failed for code in _error_codes(r))
    messages = [m for r in failed if (m := _text(r.get("errorMessage")))]
    return SourceFigures(
        key=key,
        service=spec.title if spec else service,
        name=_latest(jobs, "dataSourceName") or _latest(jobs, "dataSourceId") or key,
        parents=_parents(service, jobs),
        syncs=tuple(
            Sync(
                execution_id=str(r["executionId"]),
                status=str(r.get("status") or UNKNOWN_STATUS),
                start=str(r.get("startTime") or ""),
                end=_text(r.get("endTime")),
                duration_seconds=_number(r.get("durationSeconds")),
                error_code=" / ".join(_error_codes(r)) or None,
            )
            for r in jobs
        ),
        statuses=tuple(
            sorted(Counter(str(r.get("status")) for r in jobs).items(), key=lambda i: (-i[1], i[0]))
        ),
        finished=len(finished),
        failures=len(failed),
        failure_rate=rate(len(failed), len(finished)),
        median_seconds=statistics.median(durations) if durations else None,
        max_seconds=max(durations) if durations else None,
        documents_failed=sum(int(_number(r.get("documentsFailed")) or 0) for r in jobs),
        # Ties by code, so the same records always give the same report.
        top_errors=tuple(sorted(errors.items(), key=lambda i: (-i[1], i[0]))[:TOP_ERRORS]),
        last_error_message=messages[-1] if messages else None,
    )


def worst_first(source: SourceFigures) -> tuple[Any, ...]:
    """Sort key: failure rate, then failures, then documents failed, highest first."""
    rate_rank = -source.failure_rate if source.failure_rate is not None else 1.0
    return (rate_rank, -source.failures, -source.documents_failed, source.name, source.key)


def fleet(records: Iterable[Record]) -> Fleet:
    """Every data source's figures, worst first, and the fleet's totals."""
    by_key: dict[str, list[Record]] = {}
    for record in records:
        by_key.setdefault(str(record["dataSourceKey"]), []).append(record)
    sources = sorted((source_figures(k, rs) for k, rs in by_key.items()), key=worst_first)
    finished = sum(s.finished for s in sources)
    failures = sum(s.failures for s in sources)
    return Fleet(
        sources=tuple(sources),
        jobs=sum(s.jobs for s in sources),
        finished=finished,
        failures=failures,
        failure_rate=rate(failures, finished),
        documents_failed=sum(s.documents_failed for s in sources),
    )


def percent(value: float | None) -> str:
    """A rate as people read it in both renderers: one decimal, or '-' when there is none."""
    return f"{value * 100:.1f}%" if value is not None else "-"
