"""`history`: one data source's jobs, newest first (Query on the byDataSource index).

With `--name`, the state table first tells which data source the name means (names.py: one
DescribeTable and a Scan of the state table); a key or ids cost nothing more, unless the job
table has no job of them (then the same reads suggest the closest known data sources).
"""

from __future__ import annotations

import argparse

from sync_auditor_cli import names
from sync_auditor_cli.commands.columns import HISTORY
from sync_auditor_cli.console import Console
from sync_auditor_cli.datasource import ByName
from sync_auditor_cli.errors import OK, CliError
from sync_auditor_cli.output import records_view
from sync_auditor_cli.timerange import time_range


def run(args: argparse.Namespace, console: Console) -> int:
    # Everything the user typed is checked before any AWS call, so typos fail fast and offline.
    wanted = names.selected(args.key, args, console.env)
    if args.since and (args.start or args.end):
        raise CliError("--since cannot be combined with --from/--to; use one or the other")
    window = time_range(since=args.since, start=args.start, end=args.end, now=console.now)
    statuses = list(dict.fromkeys(args.status or []))
    key = names.source_key(wanted, args, console.env)
    queries = console.job_queries(args)

    records = queries.history(key, window, statuses, args.limit)
    # A name came from the data source's cursor: it is audited, even with no job yet.
    if not records and not isinstance(wanted, ByName) and not queries.knows_data_source(key):
        raise names.unknown_data_source(key, queries.table, args, console.env)
    console.show(records_view(records, HISTORY), args)
    if not records:  # a success, as an empty `aws dynamodb query` is: say so on stderr
        only = f" in status {', '.join(statuses)}" if statuses else ""
        console.note(f"no jobs of {key}{only} started {window.describe()}")
    return OK
