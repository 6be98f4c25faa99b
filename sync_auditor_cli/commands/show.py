"""`show`: one job with its status history, error and document counts (GetItem).

With `--name`, the state table first tells which data source the name means (names.py: one
DescribeTable and a Scan of the state table).
"""

from __future__ import annotations

import argparse
from typing import Any

from sync_auditor.model import DOCUMENT_COUNTS
from sync_auditor_cli import names
from sync_auditor_cli.console import Console
from sync_auditor_cli.datasource import ByName
from sync_auditor_cli.errors import OK, CliError
from sync_auditor_cli.output import Record, View, attribute, duration, safe_text, table
from sync_auditor_cli.terminal import Terminal

# The order a person reads a job in: which one, how it ended, why, then bookkeeping.
FIELDS = (
    "dataSourceKey",
    "executionId",
    "service",
    "applicationId",
    "applicationName",
    "indexId",
    "indexName",
    "knowledgeBaseId",
    "knowledgeBaseName",
    "dataSourceId",
    "dataSourceName",
    "status",
    "serviceStatus",
    "startTime",
    "endTime",
    "durationSeconds",
    "errorCode",
    "errorMessage",
    "dataSourceErrorCode",
    *DOCUMENT_COUNTS,
    # Bedrock's statistics that have no contract name (services/bedrock/jobs.py)
    "metadataDocumentsScanned",
    "metadataDocumentsModified",
    "documentsSkipped",
    "stuckAt",
    "retryOf",
    "selfHealing",
    "firstSeenAt",
    "updatedAt",
    "backfilled",
)
# A self-healing decision, as one line in the order it happened.
SELF_HEALING_ORDER = (
    "outcome",
    "retryExecutionId",
    "errorCode",
    "attempt",
    "maxRetriesPerDay",
    "claimedAt",
    "decidedAt",
)
HISTORY_COLUMNS = (attribute("observedAt"), attribute("status"))


def _ids(args: argparse.Namespace) -> tuple[str | None, str]:
    if len(args.ids) > 2:
        raise CliError(f"expected [DATA_SOURCE_KEY] EXECUTION_ID, got {len(args.ids)} arguments")
    if len(args.ids) == 2:
        return args.ids[0], args.ids[1]
    return None, args.ids[0]


def describe(record: Record, terminal: Terminal) -> str:
    """The job as labelled lines (contract names as labels), then its status history."""
    present = [name for name in FIELDS if record.get(name) not in (None, "")]
    width = max(len(name) for name in present)
    lines = []
    for name in present:
        value: Any = record[name]
        if name == "durationSeconds":
            value = f"{value} ({duration(value)})"
        elif name == "selfHealing" and isinstance(value, dict):
            value = " ".join(f"{k}={value[k]}" for k in SELF_HEALING_ORDER if k in value)
        lines.append(f"{name.ljust(width)}  {safe_text(value)}")
    history = record.get("statusHistory") or []
    text = "\n".join(lines) + "\n"
    if history:
        rows = table(HISTORY_COLUMNS, history, terminal)
        text += "\nstatusHistory\n" + "".join(f"  {line}\n" for line in rows.splitlines())
    return text


def run(args: argparse.Namespace, console: Console) -> int:
    key, execution_id = _ids(args)
    wanted = names.selected(key, args, console.env)
    source_key = names.source_key(wanted, args, console.env)
    queries = console.job_queries(args)

    record = queries.job(source_key, execution_id)
    if record is None:
        # A name came from the data source's cursor: it is audited, even with no job yet.
        if not isinstance(wanted, ByName) and not queries.knows_data_source(source_key):
            raise names.unknown_data_source(source_key, queries.table, args, console.env)
        # Like `aws dynamodb get-item` of a missing key: a success with nothing to show.
        console.note(
            f"no job {execution_id!r} of {source_key}: "
            f"`sync-auditor history {source_key}` lists its jobs"
        )
    view = View(
        record,
        lambda terminal: describe(record, terminal) if record else "",
        [record] if record else [],
    )
    console.show(view, args)
    return OK
