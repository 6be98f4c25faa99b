"""Entry point of the `sync-auditor` console script: parse, run one command, map failures to
exit codes and one-line messages (never a traceback for something the user can fix)."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor_cli.args import build_parser
from sync_auditor_cli.aws import explain
from sync_auditor_cli.console import Console
from sync_auditor_cli.errors import INTERRUPTED, OK, OTHER, CliError
from sync_auditor_cli.terminal import Terminal


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> int:
    """Run `sync-auditor` with `argv` (default: the process's arguments); returns the exit code."""
    # A usage error exits here with 252, --help and --version with 0 (argparse's SystemExit).
    args = build_parser().parse_args(argv)
    console = Console(
        out=sys.stdout,
        err=sys.stderr,
        env=os.environ,
        now=clock().replace(microsecond=0),
        terminal=Terminal.of(sys.stdout, os.environ, no_color=args.no_color),
    )
    try:
        code: int = args.handler(args, console)
    except CliError as error:
        console.note(f"error: {error}")
        return error.exit_code
    except (BotoCoreError, ClientError) as error:
        explained = explain(error)
        console.note(f"error: {explained}")
        return explained.exit_code
    except KeyboardInterrupt:
        console.note("interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        # The reader stopped reading (`| head`): it had what it wanted, which is no failure.
        # Python's advice: point stdout at devnull, so the interpreter's last flush is quiet.
        _silence_stdout()
        return OK
    except Exception:
        # A bug: the traceback is what a report needs; the AWS CLI's code for it is 255.
        traceback.print_exc(file=console.err)
        console.note("error: unexpected failure (a bug in sync-auditor: please report it)")
        return OTHER
    return code


def _silence_stdout() -> None:
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file (a test's capture): nothing will flush into a closed pipe
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
