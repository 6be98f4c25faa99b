"""What a command needs from the outside world, passed in so tests can supply it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO

from sync_auditor_cli.aws import Aws
from sync_auditor_cli.queries import JobQueries, TableNames


@dataclass(frozen=True)
class Console:
    out: TextIO
    err: TextIO
    env: Mapping[str, str]
    now: datetime

    def note(self, message: str) -> None:
        """A line for the person, on stderr so stdout stays clean for scripts."""
        self.err.write(f"sync-auditor: {message}\n")

    def job_queries(self, args: argparse.Namespace) -> JobQueries:
        aws = Aws(profile=args.profile, region=args.region)
        names = TableNames(aws, stack=args.stack, job_table=args.table, env=self.env)
        return JobQueries(aws, names.job_table())
