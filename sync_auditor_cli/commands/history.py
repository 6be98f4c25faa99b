"""`history`: one data source's jobs, newest first (Query on the byDataSource index)."""

from __future__ import annotations

import argparse

from sync_auditor_cli import datasource
from sync_auditor_cli.commands.columns import HISTORY
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import OK, SERVICE, CliError
from sync_auditor_cli.output import records_view
from sync_auditor_cli.timerange import time_range


def run(args: argparse.Namespace, console: Console) -> int:
    # Everything the user typed is checked before any AWS call, so typos fail fast and offline.
    source = datasource.selected(args.key, args)
    if args.since and (args.start or args.end):
        raise CliError("--since cannot be combined with --from/--to; use one or the other")
    window = time_range(since=args.since, start=args.start, end=args.end, now=console.now)
    statuses = list(dict.fromkeys(args.status or []))
    queries = console.job_queries(args)

    records = queries.history(source.key, window, statuses, args.limit)
    if not records and not queries.knows_data_source(source.key):
        raise CliError(
            f"unknown data source {source.key!r}: table {queries.table!r} has no job for it "
            "(check the ids, or `sync-auditor audit` if it was never polled)",
            SERVICE,
        )
    console.show(records_view(records, HISTORY), args)
    if not records:  # a success, as an empty `aws dynamodb query` is: say so on stderr
        only = f" in status {', '.join(statuses)}" if statuses else ""
        console.note(f"no jobs of {source.key}{only} started {window.describe()}")
    return OK
