"""Tracing off costs no X-Ray SDK import, and the Tracer's decorators still run the handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sync_auditor.observability import make_tracer, tracing_disabled
from tests.conftest import FAKE_AWS_ENV

LAMBDAS = Path(__file__).resolve().parents[2] / "lambdas"

# What the poller's import left loaded, and which provider its Tracer got.
_PROBE = """import json, sys
from sync_auditor.handlers import poller
from sync_auditor.observability import tracer
print(json.dumps({
    "xray": "aws_xray_sdk.core" in sys.modules,
    "provider": type(tracer.provider).__name__,
}))
"""


def _import_poller(env: dict[str, str]) -> dict[str, Any]:
    child = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        **FAKE_AWS_ENV,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "PYTHONPATH": str(LAMBDAS),
        **env,
    }
    # Our own interpreter and probe, fixed arguments.
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=child, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_in_lambda_with_tracing_off_the_xray_sdk_is_not_imported(tmp_path: Path) -> None:
    # Given Lambda (LAMBDA_TASK_ROOT) with the stack's default, tracing off
    env = {"LAMBDA_TASK_ROOT": str(tmp_path), "POWERTOOLS_TRACE_DISABLED": "true"}
    # When the poller is imported; Then its Tracer records nothing and X-Ray was never loaded
    assert _import_poller(env) == {"xray": False, "provider": "NoTracing"}


def test_in_lambda_with_tracing_on_the_tracer_is_xrays(tmp_path: Path) -> None:
    # Given Lambda with tracing on (the configuration's `tracing: true`)
    env = {"LAMBDA_TASK_ROOT": str(tmp_path), "POWERTOOLS_TRACE_DISABLED": "false"}
    # When the poller is imported; Then Powertools' Tracer traces through the X-Ray recorder
    assert _import_poller(env) == {"xray": True, "provider": "AsyncAWSXRayRecorder"}


@pytest.mark.parametrize(
    ("environ", "disabled"),
    [
        ({}, True),  # not Lambda: the CLI, tests
        ({"LAMBDA_TASK_ROOT": "/var/task"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "1"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, False),
    ],
)
def test_tracing_is_off_where_powertools_would_turn_it_off(
    environ: dict[str, str], disabled: bool
) -> None:
    assert tracing_disabled(environ) is disabled


def test_a_handler_under_the_untraced_tracer_returns_and_raises_as_itself() -> None:
    tracer = make_tracer(disabled=True)

    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("fail"):
            raise ValueError("bad event")
        return {"echo": event["value"]}

    assert handler({"value": 3}, None) == {"echo": 3}
    with pytest.raises(ValueError, match="bad event"):
        handler({"fail": True}, None)
