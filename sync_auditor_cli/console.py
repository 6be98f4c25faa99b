"""What a command needs from the outside world, passed in so tests can supply it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from sync_auditor_cli.aws import Aws
from sync_auditor_cli.output import View, write_view
from sync_auditor_cli.queries import JobQueries, TableNames
from sync_auditor_cli.terminal import Terminal


@dataclass(frozen=True)
class Console:
    out: TextIO
    err: TextIO
    env: Mapping[str, str]
    now: datetime
    terminal: Terminal = field(default_factory=Terminal)

    def note(self, message: str) -> None:
        """A line for the person, on stderr so stdout stays clean for scripts."""
        self.err.write(f"sync-auditor: {message}\n")

    def show(self, view: View, args: argparse.Namespace) -> None:
        """The result in the --output format, reshaped by --query if one was given."""
        write_view(view, args.output, args.query, self.terminal, self.out)

    def job_queries(self, args: argparse.Namespace) -> JobQueries:
        aws = Aws(profile=args.profile, region=args.region)
        names = TableNames(aws, stack=args.stack, job_table=args.table, env=self.env)
        return JobQueries(aws, names.job_table())
