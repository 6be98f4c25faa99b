"""Exit codes scripts can rely on, and the one error type the commands raise for people."""

from __future__ import annotations

OK = 0
# The query ran and matched nothing: history, failures and show only.
NOTHING_FOUND = 1
# Bad input, configuration, or an AWS error (also argparse's own usage errors).
USAGE_OR_AWS_ERROR = 2
# The job table holds no record at all for the data source that was asked for.
UNKNOWN_DATA_SOURCE = 3

EXIT_CODES_HELP = """\
exit codes:
  0  found something / the command succeeded
  1  the query ran and found nothing (history, failures, show)
  2  bad usage, bad configuration, or an AWS error (credentials, region, missing
     table or stack, access denied; audit: a data source could not be polled)
  3  unknown data source: the job table has no record for it"""


class CliError(Exception):
    """A failure the user can fix; main prints its one-line message, never a traceback."""

    def __init__(self, message: str, exit_code: int = USAGE_OR_AWS_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code
