"""What an ordinary tick leaves unimported: fan-out (no `fanOut` configured, no SQS batch) and
self-healing (no target enables it) are imported where they are used, so the poller's cold
start does not pay for them (bench/coldstart.py). Each check runs in a fresh interpreter:
this one has imported everything already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.loopback import Loopback, loopback
from sync_auditor.model import DataSourceRef
from sync_auditor.policies import heals_any, policy_for

ROOT = Path(__file__).resolve().parents[2]
KB = "KBLAZY0001"
INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
KEY = f"bedrock#{KB}#DSLAZY0001"

# Modules only a fanned-out tick, a fan-out batch or self-healing needs.
FAN_OUT = (
    "sync_auditor.fanout_plan",
    "sync_auditor.fanout_message",
    "sync_auditor.adapters.fanout_queue",
)
SELF_HEALING = ("sync_auditor.self_healing", "sync_auditor.adapters.retry_quota")

_TICK = """import json, sys
from sync_auditor.handlers import poller
from devkit.lambda_context import LocalContext
summary = poller.handler({}, LocalContext(function_name="poller"))
print(json.dumps({"summary": summary, "modules": sorted(sys.modules)}))
"""


def child(code: str, env: dict[str, str]) -> dict[str, Any]:
    """Run `code` in a fresh interpreter; its last line of output, as JSON."""
    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT / "lambdas"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_bedrock_knowledge_base(KB, "Lazy KB")
        running.simulator.add_data_source(KEY, "Manuals bucket")
        yield running


def tick(lb: Loopback, target: dict[str, Any]) -> dict[str, Any]:
    """One scheduled tick of the real handler in a fresh interpreter, configured as the stack
    deploys it (the discovery cache on, fan-out not configured)."""
    lb.configure(
        {"bedrock": [target]},
        DISCOVERY_REFRESH_MINUTES=60,
        MAX_REQUESTS_PER_SECOND=1000,
        POWERTOOLS_LOG_LEVEL="ERROR",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANOUT_")}
    return child(_TICK, env)


def test_importing_the_handler_leaves_fan_out_and_self_healing_out() -> None:
    # Given a fresh interpreter; When the Lambda runtime imports the handler
    modules = child(
        "import json, sys, sync_auditor.handlers.poller; print(json.dumps(sorted(sys.modules)))",
        dict(os.environ),
    )
    # Then none of what only fan-out and self-healing use was imported
    assert sorted(set(FAN_OUT + SELF_HEALING) & set(modules)) == []


def test_an_ordinary_tick_never_imports_fan_out_or_self_healing(lb: Loopback) -> None:
    # Given a knowledge base audited without self-healing, and no fan-out configured
    # When a scheduled tick runs
    result = tick(lb, {"knowledgeBaseId": KB})
    # Then it polled its data source, and imported nothing of fan-out or self-healing
    assert result["summary"]["services"]["bedrock"]["DataSourcesPolled"] == 1
    assert sorted(set(FAN_OUT + SELF_HEALING) & set(result["modules"])) == []


def test_a_target_with_self_healing_still_gets_it(lb: Loopback) -> None:
    # Given a knowledge base whose target enables self-healing
    # When a scheduled tick runs
    result = tick(lb, {"knowledgeBaseId": KB, "selfHealing": {}})
    # Then the tick built its healer (and still needed nothing of fan-out)
    assert result["summary"]["services"]["bedrock"]["DataSourcesPolled"] == 1
    assert set(SELF_HEALING) <= set(result["modules"])
    assert sorted(set(FAN_OUT) & set(result["modules"])) == []


@pytest.mark.parametrize(
    ("targets", "heals"),
    [
        ({"kendra": "all", "bedrock": "all"}, False),
        ({"kendra": [{"indexId": INDEX}]}, False),
        ({"kendra": [{"indexId": INDEX, "selfHealing": {}}]}, True),
        ({"kendra": [{"indexId": INDEX, "selfHealing": {"maxRetriesPerDay": 1}}]}, True),
    ],
)
def test_the_healer_is_skipped_only_where_no_policy_heals(
    targets: dict[str, Any], heals: bool
) -> None:
    # Given targets with or without self-healing
    source = DataSourceRef("kendra", INDEX, "web")
    # When the composer asks whether any target heals, and the policies what the source gets
    policy = policy_for(targets, source, stuck_after_minutes=360)
    # Then both agree: a Healer is built exactly where a policy could retry
    assert heals_any(targets) is heals
    assert (policy.self_healing is not None) is heals
