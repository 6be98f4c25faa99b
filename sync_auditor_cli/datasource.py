"""Which data source a command is about: a full dataSourceKey, or its ids given as flags."""

from __future__ import annotations

import argparse

from sync_auditor.model import DataSourceRef
from sync_auditor_cli.errors import CliError

KEY_FORMS = (
    "a dataSourceKey ('kendra#<indexId>#<dataSourceId>' or "
    "'qbusiness#<applicationId>#<indexId>#<dataSourceId>'), or "
    "--kendra-index ID --data-source ID, or --application ID --index ID --data-source ID"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "data source", "the full key as the first argument, or the ids as flags"
    )
    group.add_argument("--kendra-index", metavar="ID", help="Kendra index id")
    group.add_argument("--application", metavar="ID", help="Q Business application id")
    group.add_argument("--index", metavar="ID", help="Q Business index id (with --application)")
    group.add_argument("--data-source", metavar="ID", help="data source id")


def selected(key: str | None, args: argparse.Namespace) -> DataSourceRef:
    """The data source named by `key` or by the id flags (exactly one of the two)."""
    flags = {
        "--kendra-index": args.kendra_index,
        "--application": args.application,
        "--index": args.index,
        "--data-source": args.data_source,
    }
    given = [flag for flag, value in flags.items() if value]
    if key and given:
        raise CliError(f"give the dataSourceKey or {', '.join(given)}, not both")
    if key:
        try:
            return DataSourceRef.from_key(key)
        except ValueError as error:
            raise CliError(str(error)) from None
    if args.kendra_index and args.data_source and not (args.application or args.index):
        return DataSourceRef("kendra", index_id=args.kendra_index, data_source_id=args.data_source)
    if args.application and args.index and args.data_source and not args.kendra_index:
        return DataSourceRef(
            "qbusiness",
            index_id=args.index,
            data_source_id=args.data_source,
            application_id=args.application,
        )
    if not given:
        raise CliError(f"which data source? give {KEY_FORMS}")
    raise CliError(f"{' '.join(given)} do not name one data source; give {KEY_FORMS}")
