"""`pending`: the alerts SNS has not accepted yet (the outbox in the state table), oldest first;
`--send` publishes them now, as the notifier's sweep would."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from functools import partial

from sync_auditor import outbox
from sync_auditor.adapters import alerts_topic
from sync_auditor.adapters.outbox_table import OutboxTable
from sync_auditor.model import parse_iso_utc
from sync_auditor_cli.aws import Aws
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import OK, SERVICE
from sync_auditor_cli.output import Column, Record, View, attribute, table
from sync_auditor_cli.queries import checked_state_table

CSV_COLUMNS = (
    "createdAt",
    "alertType",
    "status",
    "service",
    "dataSourceKey",
    "executionId",
    "attempts",
    "lastErrorCode",
    "subject",
    "id",
)


def _age(now: datetime) -> Column:
    def seconds(record: Record) -> str:
        waited = now - parse_iso_utc(str(record["createdAt"]))
        minutes = int(waited.total_seconds() // 60)
        return f"{minutes // 60}h{minutes % 60:02d}m"

    return Column("WAITING", seconds, right=True)


def run(args: argparse.Namespace, console: Console) -> int:
    aws, state_table = checked_state_table(args, console.env)
    store = OutboxTable(state_table, client=aws.client)
    if args.send:
        return _send(store, aws, console)
    entries = [dict(outbox.entry_summary(entry)) for entry in store.pending()]
    columns = (
        attribute("createdAt"),
        _age(console.now),
        attribute("alertType"),
        attribute("status"),
        attribute("attempts", right=True),
        attribute("lastErrorCode"),
        attribute("subject", width=60, flexible=True),
        attribute("dataSourceKey", flexible=True),
    )
    console.show(
        View(entries, lambda terminal: table(columns, entries, terminal), entries, CSV_COLUMNS),
        args,
    )
    if not entries:  # the outbox is empty: the good case, a success
        console.note("no alert is pending: every alert SNS was given has been accepted")
    return OK


def _send(store: outbox.OutboxStore, aws: Aws, console: Console) -> int:
    report = outbox.sweep(
        store=store,
        publish=partial(alerts_topic.publish, client=aws.client),
        # Metrics are the functions' to emit: a person's run adds no data point.
        emit_metrics=lambda metric_sets: None,
        clock=lambda: datetime.now(UTC),
    )
    left = sum(report.pending.values())
    console.note(f"{report.sent} pending alerts published, {left} still pending")
    if left:
        console.note(
            "still pending: SNS refused them again (see `sync-auditor pending` for the error), "
            "or the notifier is delivering them right now (leased for "
            f"{int(outbox.LEASE.total_seconds() // 60)} minutes)"
        )
        return SERVICE
    return OK
