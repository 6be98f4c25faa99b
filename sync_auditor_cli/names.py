"""Data sources by name: which one a `--name` means, and which known ones are closest to a key
(or name) nobody recorded, from the names the poller keeps in each data source's cursor item
(source_summary.py), never from the job table.

Cost, only when `--name` is given (or to suggest after an unknown key): one DescribeTable (the
state table's check), a Scan page per 1 MB of the state table (one item per data source, as
`status` reads it), and a DescribeStacks when the table's name comes from the stack.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.model import DataSourceRef
from sync_auditor.watch import SourceState
from sync_auditor_cli import datasource
from sync_auditor_cli.datasource import (
    ID_FLAGS,
    NAME_FLAG,
    SERVICE_FLAG,
    ByName,
    MalformedKey,
    id_of,
)
from sync_auditor_cli.errors import SERVICE, CliError
from sync_auditor_cli.queries import checked_state_table

# Enough to find the one meant, few enough for one line.
SUGGESTIONS = 3
LISTED = 6
# difflib.get_close_matches' default: below it, a suggestion is more noise than help.
CUTOFF = 0.6


@dataclass(frozen=True)
class Known:
    """A data source the state table has a cursor for, with its name where one is recorded."""

    key: str
    name: str | None

    @property
    def service(self) -> str:
        return self.key.split("#", 1)[0]

    def ref(self) -> DataSourceRef | None:
        try:
            return DataSourceRef.from_key(self.key)
        except ValueError:  # a key of a service this version does not know
            return None

    def label(self) -> str:
        return f"{self.name!r} ({self.service}, {self.key})" if self.name else self.key


def known(states: Mapping[str, SourceState]) -> list[Known]:
    return [
        Known(key, state.summary.name("dataSourceName") if state.summary else None)
        for key, state in sorted(states.items())
    ]


def load(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[str, dict[str, SourceState]]:
    """The state table the flags name (checked) and every data source's state in it."""
    aws, table = checked_state_table(args, env)
    return table, CursorStore(table, client=aws.client).fleet()


def _narrowing(wanted: ByName) -> str:
    flags = ([f"{SERVICE_FLAG} {wanted.service}"] if wanted.service else []) + [
        f"{flag} {value}" for flag, value in wanted.ids
    ]
    return " ".join(flags)


def _within(source: Known, wanted: ByName) -> bool:
    if wanted.service and source.service != wanted.service:
        return False
    if not wanted.ids:
        return True
    ref = source.ref()
    return ref is not None and all(id_of(ref, flag) == value for flag, value in wanted.ids)


def _matching(name: str, sources: list[Known]) -> list[Known]:
    """The exact matches if any, else those the name is a prefix of (case-sensitive both)."""
    exact = [s for s in sources if s.name == name]
    return exact or [s for s in sources if s.name and s.name.startswith(name)]


def _listing(sources: Iterable[Known]) -> str:
    sources = list(sources)
    shown = ", ".join(s.label() for s in sources[:LISTED])
    more = len(sources) - LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def _likeness(text: str, candidate: str, *, key: bool) -> float:
    """difflib's ratio, case-insensitive; two keys of as many parts are as alike as their
    least alike id (every key of an index shares its long prefix, which would make all of them
    look close to a typo in one)."""
    text, candidate = text.lower(), candidate.lower()
    ours, theirs = text.split("#"), candidate.split("#")
    if key and len(ours) == len(theirs) > 1:
        # Not the service: right ids under the wrong service's prefix are still a match.
        return min(
            SequenceMatcher(None, a, b).ratio() for a, b in zip(ours[1:], theirs[1:], strict=True)
        )
    return SequenceMatcher(None, text, candidate).ratio()


def closest(text: str, sources: list[Known], *, names: bool, keys: bool) -> list[Known]:
    """The data sources whose name or key is closest to `text` (difflib's measure and cutoff,
    case-insensitive), closest first."""
    scored: dict[Known, float] = {}
    for source in sources:
        likeness = _likeness(text, source.name, key=False) if names and source.name else 0.0
        if keys:
            likeness = max(likeness, _likeness(text, source.key, key=True))
        if likeness >= CUTOFF:
            scored[source] = likeness
    ranked = sorted(scored, key=lambda s: (-scored[s], s.key))
    # Every data source of the closest names (one name can be several data sources').
    cut = sorted({scored[s] for s in ranked}, reverse=True)[:SUGGESTIONS]
    return [s for s in ranked if scored[s] in cut]


def _distinguishing(sources: list[Known], takes_key: bool) -> str:
    """The flags whose values differ between `sources`: those would tell them apart."""
    flags = [SERVICE_FLAG] if len({s.service for s in sources}) > 1 else []
    refs = [ref for s in sources if (ref := s.ref()) is not None]
    for flag in ID_FLAGS:
        values = {value for ref in refs if (value := id_of(ref, flag)) is not None}
        if len(values) > 1:
            flags.append(flag)
    how = f"narrow it with {' or '.join(flags)}" if flags else ""
    if takes_key:
        return f"give the dataSourceKey instead, or {how}" if how else "give the dataSourceKey"
    return how or "give a longer name"


def resolve(wanted: ByName, table: str, states: Mapping[str, SourceState]) -> str:
    """The key of the one data source `wanted` means; else an error that says why, and what
    to type instead."""
    everyone = known(states)
    candidates = [s for s in everyone if _within(s, wanted)]
    matches = _matching(wanted.name, candidates)
    if len(matches) == 1:
        return matches[0].key
    if matches:
        raise CliError(
            f"{NAME_FLAG} {wanted.name!r} matches {len(matches)} data sources: "
            f"{_listing(matches)}; {_distinguishing(matches, wanted.takes_key)}",
            SERVICE,
        )
    raise CliError(_no_match(wanted, table, everyone), SERVICE)


def _no_match(wanted: ByName, table: str, everyone: list[Known]) -> str:
    narrowed = _narrowing(wanted)
    message = f"no data source named {wanted.name!r}" + (f" with {narrowed}" if narrowed else "")
    if not everyone:
        return (
            f"{message}: state table {table!r} has no data sources yet "
            "(the poller, or `sync-auditor audit`, records them)"
        )
    elsewhere = _matching(wanted.name, everyone) if narrowed else []
    if elsewhere:
        return f"{message}; without {narrowed}: {_listing(elsewhere)}"
    if not any(s.name for s in everyone):
        return (
            f"{message}: none of the {len(everyone)} data sources in state table {table!r} has "
            "a name recorded yet (`sync-auditor status` lists their keys)"
        )
    near = closest(wanted.name, everyone, names=True, keys=False)
    if near:
        return f"{message}; did you mean {_listing(near)}?"
    return f"{message} in state table {table!r} (`sync-auditor status` lists the names)"


def suggestion(text: str, args: argparse.Namespace, env: Mapping[str, str], *, names: bool) -> str:
    """A clause for an error ("; did you mean ...?") naming the known data sources closest to
    `text` (a key, or with `names` a key or a name); empty when there is none or no state table
    to ask: best effort, the error it adds to stands either way."""
    try:
        _, states = load(args, env)
    except (CliError, BotoCoreError, ClientError):
        return ""
    near = closest(text, known(states), names=names, keys=True)
    if not near:
        return ""
    exact = [s.key for s in near if s.name == text]
    if exact:
        return f"; {text!r} is the name of {', '.join(exact)}: give it as {NAME_FLAG}"
    return f"; did you mean {_listing(near)}?"


def unknown_data_source(
    key: str, job_table: str, args: argparse.Namespace, env: Mapping[str, str]
) -> CliError:
    """The error for a key the job table has no job of, with the closest known data sources."""
    return CliError(
        f"unknown data source {key!r}: table {job_table!r} has no job for it "
        "(check the ids, or `sync-auditor audit` if it was never polled)"
        + suggestion(key, args, env, names=False),
        SERVICE,
    )


def selected(
    key: str | None, args: argparse.Namespace, env: Mapping[str, str]
) -> DataSourceRef | ByName:
    """datasource.selected, whose error for a malformed key suggests the data source meant
    (a name typed where the key goes, a key with a part missing)."""
    try:
        return datasource.selected(key, args)
    except MalformedKey as error:
        hint = suggestion(error.key, args, env, names=True)
        raise CliError(f"{error}{hint}", error.exit_code) from None


def source_key(
    wanted: DataSourceRef | ByName, args: argparse.Namespace, env: Mapping[str, str]
) -> str:
    """The key of the data source `wanted` names, reading the state table for a name."""
    if isinstance(wanted, DataSourceRef):
        return wanted.key
    table, states = load(args, env)
    return resolve(wanted, table, states)


def filter_key(args: argparse.Namespace, env: Mapping[str, str]) -> str | None:
    """The key a filter command's `--name` means; None without one (every data source)."""
    wanted = datasource.by_name(args)
    return source_key(wanted, args, env) if wanted else None
