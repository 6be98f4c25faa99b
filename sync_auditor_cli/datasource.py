"""Which data source a command is about: a full dataSourceKey, or its ids given as flags.

The flags come from the services' specs: each parent of a data source (an index, an
application, a knowledge base) has one, and `--data-source` names the data source itself.
"""

from __future__ import annotations

import argparse

from sync_auditor.model import DataSourceRef
from sync_auditor.services import REGISTRY
from sync_auditor_cli.errors import CliError

DATA_SOURCE_FLAG = "--data-source"
_FLAG_FORMS = [
    " ".join([*(f"{p.cli_flag} ID" for p in spec.parents), f"{DATA_SOURCE_FLAG} ID"])
    for spec in REGISTRY.values()
]
KEY_FORMS = (
    f"a dataSourceKey ({' or '.join(repr(spec.key_form) for spec in REGISTRY.values())}), or "
    + ", or ".join(_FLAG_FORMS)
)
# Each flag once, in the order the services declare them.
_PARENT_FLAGS = {p.cli_flag: p for spec in REGISTRY.values() for p in spec.parents}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "data source", "the full key as the first argument, or the ids as flags"
    )
    for flag, parent in _PARENT_FLAGS.items():
        group.add_argument(flag, metavar="ID", help=parent.cli_help)
    group.add_argument(DATA_SOURCE_FLAG, metavar="ID", help="data source id")


def _value(args: argparse.Namespace, flag: str) -> str | None:
    value = getattr(args, flag.lstrip("-").replace("-", "_"))
    return str(value) if value else None


def selected(key: str | None, args: argparse.Namespace) -> DataSourceRef:
    """The data source named by `key` or by the id flags (exactly one of the two)."""
    flags = [*_PARENT_FLAGS, DATA_SOURCE_FLAG]
    given = [flag for flag in flags if _value(args, flag)]
    if key and given:
        raise CliError(f"give the dataSourceKey or {', '.join(given)}, not both")
    if key:
        try:
            return DataSourceRef.from_key(key)
        except ValueError as error:
            raise CliError(str(error)) from None
    data_source = _value(args, DATA_SOURCE_FLAG)
    for spec in REGISTRY.values():
        wanted = {p.cli_flag for p in spec.parents} | {DATA_SOURCE_FLAG}
        if data_source and set(given) == wanted:
            ids = {p.id_field: _value(args, p.cli_flag) for p in spec.parents}
            return DataSourceRef.from_ids(spec.name, ids, data_source)
    if not given:
        raise CliError(f"which data source? give {KEY_FORMS}")
    raise CliError(f"{' '.join(given)} do not name one data source; give {KEY_FORMS}")
