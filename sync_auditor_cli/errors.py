"""Exit codes scripts can rely on, and the one error type the commands raise for people.

The codes are the AWS CLI's (https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html),
so a script that already wraps `aws` reads `sync-auditor` the same way: an empty result is
success, 252 is the command line, 253 the environment, 254 what AWS (or the audit log) answered.
"""

from __future__ import annotations

OK = 0
# The query ran and matched nothing: success, as an empty `aws dynamodb query` is. The name
# stays so a command says which case it is in.
NOTHING_FOUND = OK
# Interrupted (Ctrl-C): the shell's own code for SIGINT.
INTERRUPTED = 130
# The command line: an unknown flag, a bad value, a malformed time range or key.
USAGE = 252
# The environment: no credentials or region, an unknown profile, credentials AWS rejects, no
# table name, a table that does not exist or is not a sync-auditor table, a bad cdk.json.
CONFIG = 253
# The request ran and the answer is an error: AWS refused it (access denied, throttled past
# retries, ...), a data source the audit log has no record of, a --name that names none or
# several, data sources that could not be polled, alerts SNS still refuses.
SERVICE = 254
# Anything else: AWS could not be reached, or a bug in sync-auditor.
OTHER = 255

EXIT_CODES_HELP = """\
exit codes (as the AWS CLI's):
  0    success; an empty result is a success too (an empty table, [])
  130  interrupted (Ctrl-C)
  252  bad usage: an unknown flag, a bad value, a malformed key or time range
  253  bad environment: no credentials or region, unknown profile, rejected
       credentials, no table name, a table that does not exist or is not a
       sync-auditor table, a bad cdk.json
  254  the request failed: AWS refused it (access denied, ...), an unknown data
       source (no record of it), a --name that matches none or several, audit: a
       data source could not be polled, pending --send: SNS still refuses some
       alerts
  255  anything else: AWS unreachable, or a bug"""


class CliError(Exception):
    """A failure the user can fix; main prints its one-line message, never a traceback."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code
