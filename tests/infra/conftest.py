"""Synthesize each configuration once per session; tests read the same assembly.

Node 22 from node_modules/.bin goes first on PATH so jsii runs a supported Node. Synthesis is
offline: the stack is environment-agnostic and the one lookup (the Powertools layer ARN) is a
CloudFormation parameter resolved at deploy time.
"""

from __future__ import annotations

import compileall
import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
os.environ["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

import aws_cdk as cdk  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

import app as cdk_app  # noqa: E402
from infra.config import SyncAuditorConfig, load_config  # noqa: E402
from infra.stack import SyncAuditorStack  # noqa: E402
from infra.targets_file import TARGETS_FILE  # noqa: E402

# Everything the example in cdk.json does not exercise: discovery of both services, TTL on,
# per-data-source metrics, no subscribers, and every other knob away from its default.
VARIANT_CONFIG: dict[str, Any] = {
    "schedule": "cron(0/15 * * * ? *)",
    "kendra": "all",
    "qbusiness": "all",
    "alertStatuses": ["FAILED", "INCOMPLETE", "ABORTED"],
    "alertEmails": [],
    "slack": None,
    "lookbackDays": 60,
    "retentionDays": 400,
    "metricsNamespace": "Search/SyncAudit",
    "perDataSourceMetrics": True,
    "maxParallelCalls": 16,
    "retryMode": "adaptive",
    "logRetentionDays": 30,
    "tracing": True,
}


@dataclass(frozen=True)
class Synth:
    """One synthesized configuration: the stack, its template and the cloud assembly."""

    app: cdk.App
    stack: SyncAuditorStack
    template: Template
    assembly_dir: Path

    @property
    def config(self) -> SyncAuditorConfig:
        """The validated configuration this stack was synthesized from."""
        return load_config(self.app.node.try_get_context(cdk_app.CONTEXT_KEY))

    @property
    def template_json(self) -> dict[str, Any]:
        return self.template.to_json()

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return self.template.find_resources(resource_type)

    def logical_id(self, construct: Any) -> str:
        return self.stack.get_logical_id(construct.node.default_child)

    def asset_dir(self) -> Path:
        """The functions' code asset (CDK's log retention handler is an asset of its own)."""
        poller = self.template_json["Resources"][self.logical_id(self.stack.poller.function)]
        asset_hash = poller["Properties"]["Code"]["S3Key"].removesuffix(".zip")
        return self.assembly_dir / f"asset.{asset_hash}"

    def targets_file(self) -> Path:
        """The poller's targets file as its layer's asset holds it (TARGETS_FILE in Lambda)."""
        (layer,) = self.resources("AWS::Lambda::LayerVersion").values()
        asset_hash = layer["Properties"]["Content"]["S3Key"].removesuffix(".zip")
        return self.assembly_dir / f"asset.{asset_hash}" / Path(TARGETS_FILE).relative_to("/opt")


def synthesize(config: dict[str, Any], outdir: Path) -> Synth:
    """Build the app as app.py does, with `config` as the syncAuditor context, and synth it.

    app.synth() runs the cdk-nag plugin too: an unacknowledged finding fails the fixture.
    """
    context = copy.deepcopy(cdk_app.cdk_json_context())
    context["syncAuditor"] = config
    application = cdk_app.create_app(context, outdir=str(outdir))
    assembly = application.synth()
    stack = application.node.find_child(cdk_app.STACK_NAME)
    assert isinstance(stack, SyncAuditorStack)
    template = json.loads(
        (Path(assembly.directory) / f"{cdk_app.STACK_NAME}.template.json").read_text()
    )
    return Synth(application, stack, Template.from_json(template), Path(assembly.directory))


@pytest.fixture(scope="session")
def example_config() -> dict[str, Any]:
    config: dict[str, Any] = cdk_app.cdk_json_context()["syncAuditor"]
    return config


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory, example_config: dict[str, Any]) -> Synth:
    """The configuration shipped in cdk.json."""
    # Byte code next to the sources proves the asset leaves it out, not that there was none.
    compileall.compile_dir(str(ROOT / "lambdas"), quiet=1)
    return synthesize(example_config, tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(VARIANT_CONFIG, tmp_path_factory.mktemp("variant"))


# Alarms routed apart from alerts: other addresses, another Slack channel; one service, and a
# cron schedule whose heartbeat window is set.
ALARMS_CONFIG: dict[str, Any] = {
    "schedule": "cron(0/30 * * * ? *)",
    "heartbeatMinutes": 90,
    "kendra": [{"indexId": "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"}],
    "alertEmails": ["search-oncall@example.com"],
    "alarmEmails": ["platform-ops@example.com", "sre@example.com"],
    "slack": {"workspaceId": "T0123ABCD", "channelId": "C0456EFGH"},
    "alarmSlack": {"workspaceId": "T0123ABCD", "channelId": "C0999OPS1"},
}


@pytest.fixture(scope="session")
def alarms(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(ALARMS_CONFIG, tmp_path_factory.mktemp("alarms"))


def healing_config() -> dict[str, Any]:
    """The cdk.json example with self-healing on for two of its four entries: the Kendra index
    that lists its data sources (defaults) and the whole Q Business application (wildcards)."""
    config: dict[str, Any] = copy.deepcopy(cdk_app.cdk_json_context()["syncAuditor"])
    config["kendra"][0]["selfHealing"] = {}
    config["qbusiness"][1]["selfHealing"] = {"maxRetriesPerDay": 5, "backoffMinutes": 30}
    return config


@pytest.fixture(scope="session")
def healing(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(healing_config(), tmp_path_factory.mktemp("healing"))


def render(value: Any) -> Any:
    """A CloudFormation value as text: Fn::Join flattened, Ref/GetAtt as <Name> / <Name.Attr>.

    The placeholders are cdk-nag's notation, so ARNs read like arn:<AWS::Partition>:....
    """
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(render(part)) for part in parts)
        if "Ref" in value:
            return f"<{value['Ref']}>"
        if "Fn::GetAtt" in value:
            return f"<{'.'.join(value['Fn::GetAtt'])}>"
        return {key: render(item) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item) for item in value]
    return value


def arn(service: str, resource: str) -> str:
    return f"arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"


def policy_grants(synth: Synth, role: Any) -> dict[str, set[str]]:
    """Every action the role's inline policies allow, with the (rendered) resources."""
    role_id = synth.logical_id(role)
    grants: dict[str, set[str]] = {}
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} not in policy["Properties"]["Roles"]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"]
            resources = statement["Resource"]
            for action in actions if isinstance(actions, list) else [actions]:
                for resource in resources if isinstance(resources, list) else [resources]:
                    grants.setdefault(action, set()).add(render(resource))
    return grants


@pytest.fixture
def no_aws_credentials() -> dict[str, str]:
    """This process's environment without any AWS variable, for subprocess synths."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name != "CDK_CONTEXT_JSON"
    }
