"""`audit`: one poll now, from the user's machine, with their credentials; `--dry-run` reads the
real tables and APIs and prints what would change without writing anything."""

from __future__ import annotations

import argparse
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from infra.app_context import config_object
from infra.config import ConfigError, SyncAuditorConfig, load_config
from sync_auditor.settings import PollerSettings
from sync_auditor_cli.aws import Aws
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import CONFIG, OK, SERVICE, CliError
from sync_auditor_cli.output import Column, Record, View, safe_text, table
from sync_auditor_cli.progress import Progress
from sync_auditor_cli.queries import (
    JOB_TABLE_ENV,
    STATE_TABLE_ENV,
    TableNames,
    ensure_table,
)
from sync_auditor_cli.recording import (
    JobChange,
    RecordingCursorStore,
    RecordingJobTable,
    counting_apis,
)
from sync_auditor_cli.terminal import Terminal

T = TypeVar("T")
# Where the sandbox (and anyone else) can point audit at a config other than ./cdk.json.
CONFIG_ENV = "SYNC_AUDITOR_CONFIG"
CHANGE_CSV_COLUMNS = (
    "dataSourceKey",
    "executionId",
    "change",
    "status",
    "previousStatus",
    "startTime",
    "backfilled",
    "stuck",
    "alert",
)
CHANGE_COLUMNS = (
    Column("DATA SOURCE KEY", lambda r: r["dataSourceKey"], flexible=True),
    Column("EXECUTION ID", lambda r: r["executionId"]),
    Column("START TIME", lambda r: r["startTime"]),
    Column("STATUS", lambda r: r["status"]),
    Column("CHANGE", lambda r: _change_text(r)),
    Column("ALERT", lambda r: bool(r["alert"])),
)
# Structured fields of the poller's warnings worth showing a person (never free text).
WARNING_FIELDS = ("scope", "dataSourceKey", "errorCode", "deferred")


def load_audit_config(path: Path) -> SyncAuditorConfig:
    """The syncAuditor object of a cdk.json (its context), of {"syncAuditor": ...}, or bare."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise CliError(
            f"no {path}: run from the project directory (where cdk.json is) or pass --config FILE",
            CONFIG,
        ) from None
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}", CONFIG) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CliError(
            f"{path} is not JSON: {error.msg} at line {error.lineno} column {error.colno}", CONFIG
        ) from None
    try:
        # The same forms as cdk deploy's -c syncAuditorFile: one file serves both.
        return load_config(config_object(data))
    except ConfigError as error:
        raise CliError(f"{path}: {error}", CONFIG) from None


def _quietly(action: Callable[[], T]) -> tuple[T, list[dict[str, Any]]]:
    """Run the poller with its JSON logs kept off the terminal; returns its warnings."""
    from sync_auditor.observability import logger

    captured = io.StringIO()
    handler = logger.registered_handler
    previous = handler.setStream(captured) if isinstance(handler, logging.StreamHandler) else None
    try:
        result = action()
    finally:
        if isinstance(handler, logging.StreamHandler) and previous is not None:
            handler.setStream(previous)
    warnings = []
    for line in captured.getvalue().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") in ("WARNING", "ERROR", "CRITICAL"):
            warnings.append(entry)
    return result, warnings


def _warning_line(entry: dict[str, Any]) -> str:
    fields = " ".join(f"{name}={entry[name]}" for name in WARNING_FIELDS if name in entry)
    return safe_text(f"warning: {entry.get('message')} {fields}".strip())


def run(args: argparse.Namespace, console: Console) -> int:
    config = load_audit_config(Path(args.config or console.env.get(CONFIG_ENV) or "cdk.json"))
    aws = Aws(
        profile=args.profile,
        region=args.region,
        retry_mode=config.retry_mode,
    )
    names = TableNames(
        aws,
        stack=args.stack,
        job_table=args.table,
        state_table=args.state_table,
        env=console.env,
    )
    job_table, state_table = names.job_table(), names.state_table()
    # Checked up front: a wrong table would otherwise fail every data source's poll, or
    # read as "no changes".
    ensure_table(aws, job_table, "job", f"--table / {JOB_TABLE_ENV} / the stack's outputs")
    ensure_table(
        aws, state_table, "state", f"--state-table / {STATE_TABLE_ENV} / the stack's outputs"
    )
    settings = PollerSettings(
        job_table=job_table,
        state_table=state_table,
        targets=json.loads(config.targets_json()),
        lookback_days=config.lookback_days,
        retention_days=config.retention_days,
        max_parallel_calls=config.max_parallel_calls,
        retry_mode=config.retry_mode,
        stuck_after_minutes=config.stuck_after_minutes,
    )
    progress = Progress(console.err, "polling data sources")
    jobs = RecordingJobTable(job_table, client=aws.client, dry_run=args.dry_run)
    cursors = RecordingCursorStore(
        state_table, client=aws.client, dry_run=args.dry_run, progress=progress
    )
    # Imported here: Powertools is needed by this command only, and costs startup time.
    try:
        from sync_auditor.handlers import poller
    except ImportError as error:
        if (error.name or "").startswith("sync_auditor"):
            raise  # our own code is broken: that is a bug, not the user's environment
        raise CliError(
            f"audit needs {error.name}, a dependency of the project: run `pip install -e .` "
            "in the project directory",
            CONFIG,
        ) from None

    try:
        summary, warnings = _quietly(
            lambda: poller.run(
                settings,
                apis=counting_apis(aws.client, progress),
                jobs=jobs,
                cursors=cursors,
            )
        )
    finally:
        progress.finish()
    for entry in warnings:
        console.err.write(_warning_line(entry) + "\n")

    changes = sorted(jobs.changes, key=lambda c: (c.data_source_key, c.start_time or ""))
    _report(args, console, settings, config, changes, summary, cursors.saved)
    errors = sum(counts["PollErrors"] for counts in summary["services"].values())
    if errors:
        console.note(f"error: {errors} poll error(s); the warnings above name what failed")
        return SERVICE
    return OK


def _report(
    args: argparse.Namespace,
    console: Console,
    settings: PollerSettings,
    config: SyncAuditorConfig,
    changes: list[JobChange],
    summary: dict[str, Any],
    cursors_saved: list[str],
) -> None:
    rows = [{**c.to_json(), "alert": c.alerts(config.alert_statuses)} for c in changes]
    services = {
        service: {name: value for name, value in counts.items() if name != "ApiCalls"}
        for service, counts in summary["services"].items()
    }
    verb = "would be written" if args.dry_run else "written"
    lines = [
        f"{service}: {counts['DataSourcesPolled']} data sources polled, "
        f"{counts['PollErrors']} errors, {counts['JobsWritten']} jobs {verb}"
        for service, counts in services.items()
    ]
    lines.append(
        f"cursors {'that would advance' if args.dry_run else 'advanced'}: {len(cursors_saved)}"
    )
    data = {
        "dryRun": args.dry_run,
        "jobTable": settings.job_table,
        "stateTable": settings.state_table,
        "changes": rows,
        "services": services,
        "cursorsSaved": len(cursors_saved),
    }

    def for_people(terminal: Terminal) -> str:
        text = ""
        if args.dry_run:
            text += f"dry run: nothing written to {settings.job_table} or {settings.state_table}\n"
        if changes:
            text += table(CHANGE_COLUMNS, rows, terminal)
        else:
            text += "no changes: every recorded job is up to date\n"
        return text + "".join(f"{line}\n" for line in lines)

    console.show(View(data, for_people, rows, CHANGE_CSV_COLUMNS), args)
    if args.output in ("csv", "text") and args.query is None:
        # The rows carry the changes only: the totals go to the person, on stderr.
        for line in lines:
            console.note(line)


def _change_text(row: Record) -> str:
    if row["change"] == "new":
        # Backfilled history is recorded without alerting (the first deploy floods no one).
        text = "new (backfill)" if row["backfilled"] else "new"
    elif row["change"] == "status":
        text = f"{row['previousStatus']} -> {row['status']}"
    else:
        text = "updated"
    if row["stuck"]:
        return "marked stuck" if text == "updated" else f"{text}, marked stuck"
    return text
