"""`report`: a self-contained HTML page (or Markdown for a ticket) of every data source's syncs
in a time range, worst first.

Cost: one Query on the byStatus index per status in REPORT_STATUSES (8), plus one per further
1 MB page of a status, plus a DescribeStacks when the table's name comes from the stack. The
number of data sources does not change it: the range is read across all sources at once, never
per source and never with a Scan of the job table.

With `--name`, only that data source's: the state table tells which one the name means
(names.py: one DescribeTable and a Scan of the state table), then one Query on the byDataSource
index (plus one per further 1 MB page) reads its jobs in the range.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from sync_auditor.model import iso_utc
from sync_auditor.services import SERVICES
from sync_auditor_cli import datasource, names, report_html, report_markdown, report_stats
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import NOTHING_FOUND, OK, CliError
from sync_auditor_cli.timerange import flag_range

# A week shows a daily sync's pattern and is what a weekly review looks back on.
DEFAULT_SINCE = "7d"
FORMATS = ("html", "markdown")


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    add: Callable[..., argparse.ArgumentParser],
    aws_options: argparse.ArgumentParser,
    time_options: Callable[[argparse.ArgumentParser, str | None], None],
) -> None:
    """Add `report` with the CLI's own helpers (args.py passes them, so flags read alike)."""
    sub = add(
        subparsers,
        "report",
        run,
        "an HTML page (or Markdown) of every data source's syncs in a time range, worst first",
        [aws_options],
        "sync-auditor report --since 7d --out report.html",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default="html",
        help="html: one self-contained page (default); markdown: tables for a ticket",
    )
    sub.add_argument("--out", metavar="FILE", help="write the report to FILE (default: stdout)")
    sub.add_argument("--service", choices=SERVICES, help="only this service's data sources")
    datasource.add_filter_arguments(sub)
    time_options(sub, DEFAULT_SINCE)


def run(args: argparse.Namespace, console: Console) -> int:
    window = flag_range(args, console.now, DEFAULT_SINCE)
    key = names.filter_key(args, console.env)
    queries = console.job_queries(args)

    if key:
        records = queries.history(key, window, report_stats.REPORT_STATUSES, None)
    else:
        records = queries.by_status(report_stats.REPORT_STATUSES, window, args.service, None)
    fleet = report_stats.fleet(records)
    generated = iso_utc(console.now)
    # An open-ended range is drawn from its first sync (or now) to now.
    end = window.end or generated
    start = window.start or min((r["startTime"] for r in records), default=end)
    described = window.describe()
    if args.format == "html":
        page = report_html.render(
            fleet, start=start, end=end, described=described, generated=generated
        )
    else:
        page = report_markdown.render(fleet, described=described, generated=generated)
    _write(page, args.out, console)

    if not records:
        scope = f" of {key}" if key else f" of {args.service}" if args.service else ""
        console.note(f"no jobs{scope} started {described}")
        return NOTHING_FOUND
    return OK


def _write(page: str, out: str | None, console: Console) -> None:
    if out is None:
        console.out.write(page)
        return
    try:
        Path(out).write_text(page, encoding="utf-8")
    except OSError as error:
        raise CliError(
            f"--out {out!r}: cannot write the report ({error.strerror}); "
            "give a writable file path, or leave --out out to print it"
        ) from None
    console.note(f"wrote {out}")
