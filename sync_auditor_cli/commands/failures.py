"""`failures`: jobs in alert statuses across every data source in a time range (byStatus index).

With `--name`, only that data source's: the state table tells which one the name means
(names.py: one DescribeTable and a Scan of the state table), then one Query on the byDataSource
index reads that data source's jobs in the range, filtered on status before --limit counts them.
"""

from __future__ import annotations

import argparse

from sync_auditor.model import DEFAULT_ALERT_STATUSES
from sync_auditor_cli import names
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
    key = names.filter_key(args, console.env)
    queries = console.job_queries(args)

    if key:
        # The byDataSource index reads only this data source's jobs, and the status filter
        # runs before the limit (the query pages without DynamoDB's Limit: queries._query).
        records = queries.history(key, window, statuses, args.limit)
    else:
        records = queries.by_status(statuses, window, args.service, args.limit)
    console.show(records_view(records, FAILURES), args)
    if not records:  # a success, as an empty `aws dynamodb query` is: say so on stderr
        scope = f" of {key}" if key else f" of {args.service}" if args.service else ""
        console.note(f"no {', '.join(statuses)} jobs{scope} started {window.describe()}")
    return OK
