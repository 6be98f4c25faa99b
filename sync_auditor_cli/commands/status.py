"""`status`: every audited data source in one view, worst first, from the summaries the poller
keeps in the state table's cursor items (source_summary.py).

Cost: one DescribeTable (a Scan of the wrong table would read all of it and show an empty
fleet), a Scan page per 1 MB of the state table (one item per data source, a few hundred bytes
each, beside the scope, notice and outbox items), and a DescribeStacks when the table's name
comes from the stack. Never the job table: how long the history is changes nothing. `--name`
(names.py) and `--service` pick rows out of that same Scan: they cost nothing more.

Worst first, by health:
  stuck    an open job has run past its stuckAfterMinutes
  failing  the newest job that ended failed (FAILED or INCOMPLETE), with no success since
  failed   a failure in the last 7 UTC days, since recovered
  silent   no sync started within expectSyncEveryHours (a silent notice was sent)
  unread   never read completely yet (just discovered, or every poll fails: see the logs)
  healthy  none of these
then by failures in the last 7 days (most first), then by data source key.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sync_auditor.model import DataSourceRef, parse_iso_utc
from sync_auditor.services import SERVICES
from sync_auditor.source_summary import SourceSummary
from sync_auditor.watch import SourceState
from sync_auditor_cli import datasource, names
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import OK
from sync_auditor_cli.output import Column, Record, View, attribute, duration, table

HEALTH = ("stuck", "failing", "failed", "silent", "unread", "healthy")
# What the MARKS column flags whatever the health (a failing source can be silent too).
MARKS = ("stuck", "silent", "unread")
CSV_COLUMNS = (
    "health",
    "service",
    "name",
    "lastStatus",
    "lastStartTime",
    "lastSuccessTime",
    "lastFailureTime",
    "lastFailureStatus",
    "lastFailureCode",
    "openSince",
    "openSeconds",
    "marks",
    "failures7d",
    "dataSourceKey",
    "lastExecutionId",
    "lastSuccessExecutionId",
    "lastFailureExecutionId",
    "openExecutionId",
    "openJobs",
    "stuckAt",
    "silentSince",
    "auditedSince",
)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    add: Callable[..., argparse.ArgumentParser],
    parents: list[argparse.ArgumentParser],
) -> None:
    """Add `status` with the CLI's own helpers (args.py passes them, so flags read alike)."""
    sub = add(
        subparsers,
        "status",
        run,
        "every audited data source in one view, worst first: is anything broken?",
        parents,
        "sync-auditor status --query \"[?health!='healthy']\"",
    )
    sub.add_argument("--service", choices=SERVICES, help="only this service's data sources")
    datasource.add_filter_arguments(sub)


def _code(summary: SourceSummary) -> str | None:
    failure = summary.last_failure
    if failure is None:
        return None
    codes = [failure.errorCode, failure.dataSourceErrorCode]
    return " / ".join(c for c in codes if c) or None


def _health(state: SourceState, summary: SourceSummary, failures: int) -> str:
    if summary.stuck:
        return "stuck"
    failure, success = summary.last_failure, summary.last_success
    if failure is not None and (
        success is None or (failure.endTime or "") > (success.endTime or "")
    ):
        return "failing"
    if failures:
        return "failed"
    if summary.silent_since:
        return "silent"
    if not state.read_complete:
        return "unread"
    return "healthy"


def row(key: str, state: SourceState, now: datetime) -> dict[str, Any]:
    """One data source's line: the JSON form's object, under the job table's attribute names
    where there is one."""
    summary = state.summary or SourceSummary()
    failures = summary.failures_in_week(now)
    health = _health(state, summary, failures)
    try:
        data_source_id: str = DataSourceRef.from_key(key).data_source_id
    except ValueError:  # not a key this version knows (a newer service): show it whole
        data_source_id = key
    last, success, failure, open_job = (
        summary.last,
        summary.last_success,
        summary.last_failure,
        summary.open_job,
    )
    marks = [mark for mark in MARKS if _marked(mark, state, summary)]
    values: dict[str, Any] = {
        "dataSourceKey": key,
        "service": key.split("#", 1)[0],
        "name": summary.name("dataSourceName") or data_source_id,
        "health": health,
        "lastStatus": last.status if last else None,
        "lastStartTime": last.startTime if last else None,
        "lastExecutionId": last.executionId if last else None,
        "lastSuccessTime": success.endTime if success else None,
        "lastSuccessExecutionId": success.executionId if success else None,
        "lastFailureTime": failure.endTime if failure else None,
        "lastFailureStatus": failure.status if failure else None,
        "lastFailureCode": _code(summary),
        "lastFailureExecutionId": failure.executionId if failure else None,
        "openExecutionId": open_job.executionId if open_job else None,
        "openSince": open_job.startTime if open_job else None,
        "openSeconds": _open_seconds(open_job.startTime if open_job else None, now),
        "openJobs": summary.open_jobs,
        "stuckAt": open_job.stuckAt if open_job else None,
        "silentSince": summary.silent_since,
        "marks": marks,
        "failures7d": failures,
        "auditedSince": state.audited_since,
    }
    return values


def _marked(mark: str, state: SourceState, summary: SourceSummary) -> bool:
    if mark == "stuck":
        return summary.stuck
    if mark == "silent":
        return bool(summary.silent_since)
    return not state.read_complete


def _open_seconds(start: str | None, now: datetime) -> int | None:
    if not start:
        return None
    return max(0, int((now - parse_iso_utc(start)).total_seconds()))


def worst_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(
        rows, key=lambda r: (HEALTH.index(r["health"]), -r["failures7d"], r["dataSourceKey"])
    )


def fleet_rows(states: Mapping[str, SourceState], now: datetime) -> list[dict[str, Any]]:
    return worst_first([row(key, state, now) for key, state in states.items()])


def _marks(record: Record) -> str | None:
    return ", ".join(record["marks"]) or None


COLUMNS = (
    attribute("health"),
    attribute("service"),
    Column("NAME", lambda r: r.get("name"), width=30, flexible=True),
    attribute("lastStatus"),
    Column("LAST SUCCESS", lambda r: r.get("lastSuccessTime")),
    Column("LAST FAILURE", lambda r: r.get("lastFailureTime")),
    Column("CODE", lambda r: r.get("lastFailureCode"), flexible=True),
    Column("OPEN FOR", lambda r: duration(r.get("openSeconds")), right=True),
    Column("MARKS", _marks),
    Column("FAILURES 7D", lambda r: r.get("failures7d"), right=True),
    attribute("dataSourceKey", flexible=True),
)


def run(args: argparse.Namespace, console: Console) -> int:
    wanted = datasource.by_name(args)
    state_table, states = names.load(args, console.env)
    if wanted:
        key = names.resolve(wanted, state_table, states)
        states = {key: states[key]}
    rows = [
        r for r in fleet_rows(states, console.now) if r["service"] == (args.service or r["service"])
    ]
    console.show(
        View(rows, lambda terminal: table(COLUMNS, rows, terminal), rows, CSV_COLUMNS), args
    )
    if not rows and args.service:
        console.note(f"no {args.service} data source has been polled yet in {state_table!r}")
    elif not rows:  # an empty fleet is not an error: nothing has been polled yet
        console.note(f"no data source has been polled yet: table {state_table!r} has no cursor")
    return OK
