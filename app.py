#!/usr/bin/env python3
"""Builds the CDK app from cdk.json context: offline, no AWS or git calls.

`cdk synth` runs this file with the CLI's context (cdk.json plus any -c overrides);
`python app.py` alone reads cdk.json's context itself, so both synthesize the same stack.
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

from infra.config import CONTEXT_KEY, ConfigError, load_config  # noqa: E402
from infra.services import in_words  # noqa: E402
from infra.stack import SyncAuditorStack  # noqa: E402

STACK_NAME = "SyncAuditor"


def cdk_json_context() -> dict[str, Any]:
    """The context block of cdk.json: the defaults the CLI's own context overrides."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def create_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """The app with its one stack; cdk-nag's AwsSolutions checks run when it synthesizes."""
    app = cdk.App(context=cdk_json_context() if context is None else context, outdir=outdir)
    config = load_config(app.node.try_get_context(CONTEXT_KEY))
    SyncAuditorStack(
        app,
        STACK_NAME,
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
