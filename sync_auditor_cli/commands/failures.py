"""`failures`: jobs in alert statuses across every data source in a time range (byStatus index)."""

from __future__ import annotations

import argparse

from sync_auditor.model import DEFAULT_ALERT_STATUSES
from sync_auditor_cli.commands.columns import FAILURES
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import OK
from sync_auditor_cli.output import records_view
from sync_auditor_cli.timerange import flag_range

# "What failed last night?" is the question people ask most: the last day, unless told.
DEFAULT_SINCE = "24h"


def run(args: argparse.Namespace, console: Console) -> int:
    window = flag_range(args, console.now, DEFAULT_SINCE)
    statuses = list(dict.fromkeys(args.status or sorted(DEFAULT_ALERT_STATUSES)))
    queries = console.job_queries(args)

    records = queries.by_status(statuses, window, args.service, args.limit)
    console.show(records_view(records, FAILURES), args)
    if not records:  # a success, as an empty `aws dynamodb query` is: say so on stderr
        scope = f" of {args.service}" if args.service else ""
        console.note(f"no {', '.join(statuses)} jobs{scope} started {window.describe()}")
    return OK
