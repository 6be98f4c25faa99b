"""A second stack beside the default one: `-c stackName=sync-auditor-dev` with its configuration
as `-c syncAuditor=<JSON>`, synthesized once. Every physical name is its own, the retained
tables keep the logical ids upgrades rely on, and the reader policy grants exactly the CLI's
read requests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

import app as cdk_app
from infra.stack import SyncAuditorStack

from .conftest import arn, render

pytestmark = pytest.mark.slow

DEV = "sync-auditor-dev"
# Properties that give a resource a name unique per account (and region): each must carry the
# stack's name, or two stacks would fight over it. (Inline IAM policy names are per role.)
PHYSICAL_NAMES = {
    "AlarmName",
    "ConfigurationName",
    "DashboardName",
    "FunctionName",
    "LogGroupName",
    "ManagedPolicyName",
    "Name",
    "QueueName",
    "RoleName",
    "TableName",
    "TopicName",
}
# What `cdk destroy` leaves behind (the README's removal list names them), by logical id: an
# upgrade must update these in place. A changed id would make CloudFormation create a new
# table and orphan the old one, with the history, outside the stack.
RETAINED = {
    "TablesJobTable9C3719B9": "AWS::DynamoDB::Table",
    "TablesStateTableD41017F5": "AWS::DynamoDB::Table",
    "TablesTableKey2EC6F8F6": "AWS::KMS::Key",
}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyncAuditorStack, dict[str, Any]]:
    context = copy.deepcopy(cdk_app.cdk_json_context())
    context["stackName"] = DEV
    context["syncAuditor"] = json.dumps(context["syncAuditor"])  # as -c hands it over
    application = cdk_app.create_app(context, outdir=str(tmp_path_factory.mktemp("dev")))
    assembly = application.synth()  # runs the cdk-nag plugin: a new finding fails here
    stack = application.node.find_child(DEV)
    assert isinstance(stack, SyncAuditorStack)
    template = json.loads((Path(assembly.directory) / f"{DEV}.template.json").read_text())
    return stack, template


def test_the_stack_takes_its_name_from_the_context(
    dev: tuple[SyncAuditorStack, dict[str, Any]],
) -> None:
    stack, _ = dev

    assert stack.stack_name == DEV


def test_every_physical_name_is_the_stacks_own(
    dev: tuple[SyncAuditorStack, dict[str, Any]],
) -> None:
    _, template = dev
    named = {
        f"{logical_id}.{key}": render(value)
        for logical_id, resource in template["Resources"].items()
        for key, value in resource.get("Properties", {}).items()
        if key in PHYSICAL_NAMES
    }
    # A bare reference (a function's own generated name) is unique already.
    literal = {where: name for where, name in named.items() if not str(name).startswith("<")}

    assert literal, "the stack names its alarm topic, alarms, dashboard and Chatbot channel"
    assert {where: name for where, name in literal.items() if DEV not in str(name)} == {}


def test_the_retained_resources_keep_the_logical_ids_upgrades_update_in_place(
    dev: tuple[SyncAuditorStack, dict[str, Any]],
) -> None:
    _, template = dev
    retained = {
        logical_id: resource["Type"]
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
    }

    assert retained == RETAINED
    for logical_id, resource_type in RETAINED.items():
        resource = template["Resources"][logical_id]
        assert resource["UpdateReplacePolicy"] == "Retain"
        if resource_type == "AWS::DynamoDB::Table":
            assert resource["Properties"]["DeletionProtectionEnabled"] is True


def test_the_reader_policy_grants_exactly_the_clis_read_requests(
    dev: tuple[SyncAuditorStack, dict[str, Any]],
) -> None:
    stack, template = dev
    tables = stack.tables
    job = f"<{stack.get_logical_id(tables.job_table.node.default_child)}.Arn>"  # type: ignore[arg-type]
    state = f"<{stack.get_logical_id(tables.state_table.node.default_child)}.Arn>"  # type: ignore[arg-type]
    key = f"<{stack.get_logical_id(tables.key.node.default_child)}.Arn>"  # type: ignore[arg-type]
    (policy,) = Template.from_json(template).find_resources("AWS::IAM::ManagedPolicy").values()
    statements = render(policy["Properties"]["PolicyDocument"]["Statement"])

    assert statements == [
        {
            "Sid": "ReadTheTables",
            "Effect": "Allow",
            "Action": ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem"],
            "Resource": [job, state],
        },
        {
            "Sid": "QueryTheTablesAndIndexes",
            "Effect": "Allow",
            "Action": "dynamodb:Query",
            "Resource": [
                job,
                state,
                f"{job}/index/byDataSource",
                f"{job}/index/byStatus",
                f"{state}/index/pendingAlerts",
            ],
        },
        {
            "Sid": "ScanTheStateTable",
            "Effect": "Allow",
            "Action": "dynamodb:Scan",
            "Resource": state,
        },
        {
            "Sid": "DecryptTheTablesThroughDynamoDB",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": key,
            "Condition": {
                "StringEquals": {"kms:ViaService": "dynamodb.<AWS::Region>.amazonaws.com"}
            },
        },
        {
            "Sid": "ReadThisStacksOutputs",
            "Effect": "Allow",
            "Action": "cloudformation:DescribeStacks",
            "Resource": "<AWS::StackId>",
        },
    ]
    # Nothing writes, and nothing reaches the topics, the functions or another stack.
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not {a for a in actions if a.split(":")[1].startswith(("Put", "Update", "Delete"))}
    assert arn("cloudformation", f"stack/{DEV}/*") not in json.dumps(statements)
    # Attached to nobody by the stack: the operator chooses who reads.
    assert not {"Roles", "Users", "Groups"} & set(policy["Properties"])


def test_the_reader_policy_is_a_stack_output(
    dev: tuple[SyncAuditorStack, dict[str, Any]],
) -> None:
    stack, template = dev
    policy_id = stack.get_logical_id(stack.reader.policy.node.default_child)  # type: ignore[arg-type]

    assert template["Outputs"]["ReaderPolicyArn"]["Value"] == {"Ref": policy_id}


def test_the_renamed_stack_passes_cdk_nag(dev: tuple[SyncAuditorStack, dict[str, Any]]) -> None:
    stack, _ = dev

    report = AwsSolutionsChecks(stack.node.scope).validate_scope(stack)  # type: ignore[arg-type]

    assert [violation.rule_name for violation in report.violations] == []
