"""The command line: subcommands, their flags and help. Parsing only; the work is in commands/."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn, cast

from sync_auditor.model import ALL_STATUSES
from sync_auditor.services import SERVICES
from sync_auditor_cli import datasource
from sync_auditor_cli.commands import (
    audit,
    devtools,
    failures,
    history,
    pending,
    report,
    show,
    status,
)
from sync_auditor_cli.errors import EXIT_CODES_HELP, USAGE
from sync_auditor_cli.output import FORMATS, query
from sync_auditor_cli.queries import (
    DEFAULT_STACK,
    JOB_TABLE_ENV,
    JOB_TABLE_OUTPUT,
    STATE_TABLE_ENV,
    STATE_TABLE_OUTPUT,
)
from sync_auditor_cli.timerange import MOMENT_FORM, SINCE_FORM

DESCRIPTION = "Audit history of Amazon Kendra and Amazon Q Business data source sync jobs."
EPILOG = f"""\
the job table's name comes from --table, else ${JOB_TABLE_ENV}, else the {JOB_TABLE_OUTPUT}
output of the deployed CloudFormation stack (--stack, default {DEFAULT_STACK}); the state table
(audit, pending, status, and --name, which reads the data sources' names there) likewise from
--state-table, ${STATE_TABLE_ENV} or the {STATE_TABLE_OUTPUT} output.
AWS credentials and region are the usual ones (--profile / AWS_PROFILE, --region / AWS_REGION).
Global options (--table, --stack, --region, --profile, --output, --query, --no-color) go
before or after the command.

{EXIT_CODES_HELP}
"""


# The distribution named in pyproject.toml.
DISTRIBUTION = "sync-auditor"
# A flag given after the command is only set when given there: the same flag before the command
# (on the main parser, which holds the defaults) is then not overwritten by a default.
GIVEN_ONLY = argparse.SUPPRESS


class Parser(argparse.ArgumentParser):
    """argparse with the AWS CLI's exit code for a usage error (252, not 2); its subcommand
    parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE, f"{self.prog}: error: {message}\n")


def package_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a checkout that was never `pip install -e .`
        return "unknown (not installed: pip install -e .)"


def _query(text: str) -> Any:
    try:
        return query(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _statuses(text: str) -> list[str]:
    """FAILED,incomplete -> ["FAILED", "INCOMPLETE"]: comma lists and repeated flags both work."""
    statuses = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [s for s in statuses if s not in ALL_STATUSES]
    if unknown or not statuses:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a sync status; allowed: {', '.join(sorted(ALL_STATUSES))}"
        )
    return statuses


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _aws_arguments(
    group: argparse._ArgumentGroup, default: Any, *, state_table: bool, job_table: bool
) -> None:
    if job_table:
        group.add_argument(
            "--table", metavar="NAME", default=default, help=f"job table (else ${JOB_TABLE_ENV})"
        )
    if state_table:
        # Not a global option (not every command has it): an ordinary default.
        group.add_argument(
            "--state-table",
            metavar="NAME",
            help=f"state table (else ${STATE_TABLE_ENV}); the query commands read it for --name",
        )
    group.add_argument(
        "--stack",
        metavar="NAME",
        default=default,
        help=f"deployed stack whose outputs name the tables (default {DEFAULT_STACK})",
    )
    group.add_argument(
        "--region", default=default, help="AWS region (else AWS_REGION or your profile's)"
    )
    group.add_argument(
        "--profile", default=default, help="AWS profile (else AWS_PROFILE or the default chain)"
    )


def _output_arguments(group: argparse._ArgumentGroup, default: Any) -> None:
    group.add_argument(
        "-o",
        "--output",
        choices=FORMATS,
        default="table" if default is None else default,
        help="table for people (default), json, csv, or text (tab-separated, as the AWS CLI's)",
    )
    group.add_argument(
        "--query",
        type=_query,
        metavar="JMESPATH",
        default=default,
        help="reshape the JSON form first, as the AWS CLI's --query (e.g. '[].executionId')",
    )
    group.add_argument(
        "--no-color",
        action="store_true",
        default=False if default is None else default,
        help="no colour (also: NO_COLOR set, or output not a terminal)",
    )


def _aws_options(*, state_table: bool = False, job_table: bool = True) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("AWS")
    _aws_arguments(group, GIVEN_ONLY, state_table=state_table, job_table=job_table)
    return parent


def _output_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    _output_arguments(parent.add_argument_group("output"), GIVEN_ONLY)
    return parent


def _time_options(parser: argparse.ArgumentParser, default_since: str | None) -> None:
    # The help is printed raw (for the exit-code epilog), so wrap this paragraph here.
    text = (
        f"--since takes {SINCE_FORM}; --from/--to take {MOMENT_FORM} (a --to date includes "
        "that whole day)" + (f"; default: --since {default_since}" if default_since else "")
    )
    group = parser.add_argument_group(
        "time range (on the job's startTime)", textwrap.fill(text, width=76)
    )
    group.add_argument("--since", metavar="DURATION", help="jobs started in the last DURATION")
    group.add_argument("--from", dest="start", metavar="WHEN", help="jobs started at or after")
    group.add_argument("--to", dest="end", metavar="WHEN", help="jobs started at or before")


def _add(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[..., int],
    help_text: str,
    parents: list[argparse.ArgumentParser],
    example: str,
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        name,
        help=help_text,
        description=help_text[0].upper() + help_text[1:] + ("" if help_text[-1] in "?." else "."),
        parents=parents,
        epilog=f"example:\n  {example}\n\n{EXIT_CODES_HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="sync-auditor",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    # The defaults live here; the same flags after the command override them when given.
    group = parser.add_argument_group("global options (before or after the command)")
    _aws_arguments(group, None, state_table=False, job_table=True)
    _output_arguments(group, None)
    # Parser's subparsers are Parsers (argparse makes them of the parent's class); the helpers
    # take the base type.
    commands = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )

    sub = _add(
        commands,
        "history",
        history.run,
        "one data source's sync jobs, newest first",
        [_aws_options(state_table=True), _output_option()],
        "sync-auditor history 'kendra#<indexId>#<dataSourceId>' --since 30d --status FAILED",
    )
    sub.add_argument("key", nargs="?", metavar="DATA_SOURCE_KEY", help="e.g. kendra#<index>#<ds>")
    datasource.add_arguments(sub)
    sub.add_argument(
        "--status",
        type=_statuses,
        action="extend",
        metavar="STATUS[,STATUS]",
        help="only jobs in these statuses (repeatable)",
    )
    sub.add_argument("--limit", type=_positive, metavar="N", help="at most N jobs (the newest)")
    _time_options(sub, default_since=None)

    sub = _add(
        commands,
        "failures",
        failures.run,
        "failed and incomplete jobs across all data sources, newest first",
        [_aws_options(state_table=True), _output_option()],
        "sync-auditor failures --since 24h --service kendra",
    )
    sub.add_argument(
        "--status",
        type=_statuses,
        action="extend",
        metavar="STATUS[,STATUS]",
        help="statuses to list instead of FAILED,INCOMPLETE (repeatable)",
    )
    sub.add_argument("--service", choices=SERVICES, help="only this service's data sources")
    sub.add_argument("--limit", type=_positive, metavar="N", help="at most N jobs (the newest)")
    datasource.add_filter_arguments(sub)
    _time_options(sub, default_since=failures.DEFAULT_SINCE)

    sub = _add(
        commands,
        "show",
        show.run,
        "one job: status history, error and document counts",
        [_aws_options(state_table=True), _output_option()],
        "sync-auditor show 'kendra#<indexId>#<dataSourceId>' <executionId>",
    )
    sub.add_argument(
        "ids",
        nargs="+",
        metavar="[DATA_SOURCE_KEY] EXECUTION_ID",
        help="the job's execution id, after the data source key unless the id flags name it",
    )
    datasource.add_arguments(sub)

    sub = _add(
        commands,
        "audit",
        audit.run,
        "poll every configured data source now, with your own AWS credentials",
        [_aws_options(state_table=True), _output_option()],
        "sync-auditor audit --dry-run",
    )
    sub.add_argument(
        "--config",
        metavar="FILE",
        help="cdk.json (its syncAuditor context) or a JSON file with the syncAuditor object "
        f"(else ${audit.CONFIG_ENV}, else ./cdk.json)",
    )
    sub.add_argument(
        "--dry-run",
        action="store_true",
        help="read the tables and the APIs, print what would change, write nothing",
    )

    sub = _add(
        commands,
        "pending",
        pending.run,
        "alerts SNS has not accepted yet (the outbox), oldest first; --send publishes them now",
        [_aws_options(state_table=True, job_table=False), _output_option()],
        "sync-auditor pending --send",
    )
    sub.add_argument(
        "--send",
        action="store_true",
        help="publish every pending alert now (the notifier's sweep does this every 5 minutes)",
    )

    report.register(commands, _add, _aws_options(state_table=True), _time_options)
    status.register(
        commands, _add, [_aws_options(state_table=True, job_table=False), _output_option()]
    )

    sub = _add(
        commands,
        "demo",
        devtools.demo,
        "the end-to-end demo on loopback (moto + the simulator), no AWS account",
        [],
        "sync-auditor demo --keep",
    )
    sub.add_argument(
        "--keep",
        action="store_true",
        help="then keep moto and the simulator running (the sandbox): prints the export lines "
        "that point every command at it; Ctrl-C stops it",
    )
    sub = _add(
        commands,
        "simulate",
        devtools.simulate,
        "serve the Kendra + Q Business simulator on a loopback port until Ctrl-C",
        [],
        "sync-auditor simulate --port 8700 --scenario demo",
    )
    sub.add_argument("--port", type=int, default=8700, help="0 picks a free port")
    sub.add_argument("--host", default="127.0.0.1", help="a loopback address only")
    sub.add_argument("--seed", type=int, default=0, help="repeatable listing order and ids")
    sub.add_argument(
        "--scenario",
        choices=devtools.SCENARIOS,
        help="start with the demo's indexes, data sources and job history",
    )
    return parser
