"""Which data source a command is about: a full dataSourceKey, its ids given as flags, or its
name (`--name`, resolved from the state table by names.py).

The flags come from the services' specs: each parent of a data source (an index, an
application, a knowledge base) has one, and `--data-source` names the data source itself.
With `--name` the same flags (and `--service`) narrow which data sources the name may mean.
"""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass

from sync_auditor.model import DataSourceRef
from sync_auditor.services import REGISTRY, SERVICES
from sync_auditor_cli.errors import CliError

DATA_SOURCE_FLAG = "--data-source"
NAME_FLAG = "--name"
SERVICE_FLAG = "--service"
_FLAG_FORMS = [
    " ".join([*(f"{p.cli_flag} ID" for p in spec.parents), f"{DATA_SOURCE_FLAG} ID"])
    for spec in REGISTRY.values()
]
KEY_FORMS = (
    f"a dataSourceKey ({' or '.join(repr(spec.key_form) for spec in REGISTRY.values())}), or "
    + ", or ".join(_FLAG_FORMS)
    + f", or {NAME_FLAG} NAME"
)
# Each flag once, in the order the services declare them.
_PARENT_FLAGS = {p.cli_flag: p for spec in REGISTRY.values() for p in spec.parents}
ID_FLAGS = (*_PARENT_FLAGS, DATA_SOURCE_FLAG)
NAME_HELP = (
    "the data source's name (its dataSourceName, as `status` shows it): an exact match "
    "(case-sensitive), else a unique prefix; read from the state table"
)


@dataclass(frozen=True)
class ByName:
    """A `--name`, with the flags that narrow the data sources it may mean."""

    name: str
    service: str | None = None
    ids: tuple[tuple[str, str], ...] = ()  # (flag, id), e.g. ("--kendra-index", "<36 chars>")
    # Whether the command also takes a dataSourceKey (what an ambiguous name is told to give).
    takes_key: bool = False


def _name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a name: give a data source's name or the start of it"
        )
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The key's alternatives, for a command about one data source (history, show)."""
    # The help is printed raw (for the exit-code epilog), so wrap this paragraph here.
    text = (
        f"the full key as the first argument, the ids as flags, or {NAME_FLAG} (which the id "
        f"flags and {SERVICE_FLAG} then narrow)"
    )
    group = parser.add_argument_group("data source", textwrap.fill(text, width=76))
    for flag, parent in _PARENT_FLAGS.items():
        group.add_argument(flag, metavar="ID", help=parent.cli_help)
    group.add_argument(DATA_SOURCE_FLAG, metavar="ID", help="data source id")
    group.add_argument(NAME_FLAG, type=_name, metavar="NAME", help=NAME_HELP)
    group.add_argument(
        SERVICE_FLAG, choices=SERVICES, help=f"with {NAME_FLAG}: only this service's data sources"
    )


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """`--name` as a filter (failures, report, status), with the id flags that narrow it; the
    command adds its own --service."""
    group = parser.add_argument_group(
        "data source", f"only one data source's rows: {NAME_FLAG}, narrowed by the id flags"
    )
    group.add_argument(NAME_FLAG, type=_name, metavar="NAME", help=f"only this one: {NAME_HELP}")
    for flag, parent in _PARENT_FLAGS.items():
        group.add_argument(flag, metavar="ID", help=f"with {NAME_FLAG}: {parent.cli_help}")
    group.add_argument(DATA_SOURCE_FLAG, metavar="ID", help=f"with {NAME_FLAG}: data source id")


def _value(args: argparse.Namespace, flag: str) -> str | None:
    value = getattr(args, flag.lstrip("-").replace("-", "_"), None)
    return str(value) if value else None


def _given_ids(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    return tuple((flag, value) for flag in ID_FLAGS if (value := _value(args, flag)))


def by_name(args: argparse.Namespace) -> ByName | None:
    """The `--name` filter of failures, report and status, or None: every data source."""
    ids = _given_ids(args)
    if not args.name:
        if ids:
            flags = ", ".join(flag for flag, _ in ids)
            raise CliError(
                f"{flags} only narrow {NAME_FLAG}: give {NAME_FLAG} NAME too "
                "(or `sync-auditor history` with the ids)"
            )
        return None
    return ByName(args.name, args.service, ids)


class MalformedKey(CliError):
    """A dataSourceKey of no known form (names.py may suggest the data source meant)."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def selected(key: str | None, args: argparse.Namespace) -> DataSourceRef | ByName:
    """The data source named by `key`, by the id flags, or by `--name` (exactly one of them;
    with `--name` the id flags narrow it)."""
    ids = _given_ids(args)
    given = [flag for flag, _ in ids]
    if args.name:
        if key:
            raise CliError(f"give the dataSourceKey or {NAME_FLAG}, not both")
        return ByName(args.name, args.service, ids, takes_key=True)
    if args.service:
        raise CliError(
            f"{SERVICE_FLAG} only narrows {NAME_FLAG}: the key or the ids already name the service"
        )
    if key and given:
        raise CliError(f"give the dataSourceKey or {', '.join(given)}, not both")
    if key:
        try:
            return DataSourceRef.from_key(key)
        except ValueError as error:
            raise MalformedKey(str(error), key) from None
    data_source = _value(args, DATA_SOURCE_FLAG)
    for spec in REGISTRY.values():
        wanted = {p.cli_flag for p in spec.parents} | {DATA_SOURCE_FLAG}
        if data_source and set(given) == wanted:
            ids_of = {p.id_field: _value(args, p.cli_flag) for p in spec.parents}
            return DataSourceRef.from_ids(spec.name, ids_of, data_source)
    if not given:
        raise CliError(f"which data source? give {KEY_FORMS}")
    raise CliError(f"{' '.join(given)} do not name one data source; give {KEY_FORMS}")


def id_of(source: DataSourceRef, flag: str) -> str | None:
    """The id `flag` names in `source`, or None when its service has no such flag."""
    if flag == DATA_SOURCE_FLAG:
        return source.data_source_id
    parent = _PARENT_FLAGS.get(flag)
    if parent is None or parent not in REGISTRY[source.service].parents:
        return None
    return str(getattr(source, parent.id_field))
