#!/usr/bin/env python3
"""Builds the CDK app from cdk.json context: offline, no AWS or git calls.

`cdk synth` runs this file with the CLI's context (cdk.json plus any -c overrides);
`python app.py` alone reads cdk.json's context itself, so both synthesize the same stack.
The stack's name and where its configuration comes from (cdk.json, -c syncAuditorFile=PATH or
-c syncAuditor=JSON) are resolved by infra/app_context.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
# infra/ imports the table and stream-filter names from the runtime package, not a copy.
if str(ROOT / "lambdas") not in sys.path:
    sys.path.insert(0, str(ROOT / "lambdas"))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra.app_context import DEFAULT_STACK_NAME, resolve  # noqa: E402
from infra.config import CONTEXT_KEY, ConfigError  # noqa: E402
from infra.services import in_words  # noqa: E402
from infra.stack import SyncAuditorStack  # noqa: E402

# The default stack name (`-c stackName=NAME` picks another); CONTEXT_KEY for the tests.
STACK_NAME = DEFAULT_STACK_NAME
__all__ = ["CONTEXT_KEY", "STACK_NAME", "cdk_json_context", "create_app", "main"]


def cdk_json_context() -> dict[str, Any]:
    """The context block of cdk.json: the defaults the CLI's own context overrides."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def create_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """The app with its one stack; cdk-nag's AwsSolutions checks run when it synthesizes."""
    app = cdk.App(context=cdk_json_context() if context is None else context, outdir=outdir)
    # A relative syncAuditorFile is from where cdk (or python app.py) runs, as the shell has it.
    resolved = resolve(app.node.try_get_context, Path.cwd())
    config = resolved.config
    # The construct id is the stack name: `cdk deploy <name>` selects it, and the template and
    # assembly files carry it. Logical ids inside do not depend on it.
    SyncAuditorStack(
        app,
        resolved.stack_name,
        config=config,
        description=(
            f"sync-auditor: audits {in_words([s.title for s in config.audited])} data source syncs"
        ),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> int:
    try:
        app = create_app()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
