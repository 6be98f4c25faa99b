"""5,000 explicitly listed data sources synthesize into a stack CloudFormation and IAM accept:
the targets file holds them all, every role's policies fit IAM's size limits with every name
at its longest, and the template stays under CloudFormation's size and resource limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks

from infra.grant_budget import (
    IAM_INLINE_POLICY_CHARACTERS,
    LONGEST_PARTITION,
    LONGEST_REGION,
    OTHER_STATEMENTS_RESERVE,
    sizing_arn,
)
from infra.targets_file import TARGETS_FILE

from .conftest import Synth, policy_grants, synthesize
from .test_compliance import acknowledgments
from .test_grant_budget import bedrock, kendra, qbusiness

pytestmark = pytest.mark.slow

DATA_SOURCES = 5_000
# CloudFormation: a template uploaded through S3 (as cdk deploy does) up to 1 MB, 500
# resources. IAM: a managed policy up to 6,144 characters, 10 managed policies per role.
TEMPLATE_BYTES = 1_000_000
RESOURCES = 500
MANAGED_POLICY_CHARACTERS = 6_144
MANAGED_POLICIES_PER_ROLE = 10
# Every name CloudFormation makes up (a table's may have 255 characters), and every attribute
# (an ARN of such a name, a stream ARN's suffix included), at its longest.
LONGEST_NAME = "n" * 255
LONGEST_ATTRIBUTE = sizing_arn("dynamodb", f"table/{LONGEST_NAME}/stream/2026-11-22T10:00:00.000")
PSEUDO = {
    "AWS::Partition": LONGEST_PARTITION,
    "AWS::Region": LONGEST_REGION,
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com.cn",
}

CONFIGS = {
    # The example: 50 indexes of 100 data sources each (36-character ids, the longest
    # Kendra's console makes), one with self-healing
    "fifty_indexes": {
        "kendra": [
            {**entry, **({"selfHealing": {}} if n == 0 else {})}
            for n, entry in enumerate(kendra(50, 100))
        ]
    },
    # A mix across the three services
    "mixed": {
        "kendra": kendra(5, 600, selfHealing={}),
        "qbusiness": qbusiness(2, 500),
        "bedrock": bedrock(20, 50),
    },
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def many(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """One synth per configuration for the whole module (a synth of this size takes seconds)."""
    return synthesize(CONFIGS[request.param], tmp_path_factory.mktemp(request.param))


def longest(value: Any) -> Any:
    """A CloudFormation value as the longest text a deployment could make of it."""
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(str(longest(part)) for part in parts)
        if "Ref" in value:
            return PSEUDO.get(value["Ref"], LONGEST_NAME)
        if "Fn::GetAtt" in value:
            return LONGEST_ATTRIBUTE
        return {key: longest(item) for key, item in value.items()}
    if isinstance(value, list):
        return [longest(item) for item in value]
    return value


def iam_size(document: dict[str, Any]) -> int:
    """Characters as IAM counts them: the policy JSON without whitespace."""
    return len(json.dumps(longest(document), separators=(",", ":")))


def policies_of(synth: Synth, role: Any) -> tuple[list[int], list[int]]:
    """The role's inline and managed policy sizes, at their longest."""
    ref = {"Ref": synth.logical_id(role)}
    inline = [
        iam_size(p["Properties"]["PolicyDocument"])
        for p in synth.resources("AWS::IAM::Policy").values()
        if ref in p["Properties"]["Roles"]
    ]
    managed = [
        iam_size(p["Properties"]["PolicyDocument"])
        for p in synth.resources("AWS::IAM::ManagedPolicy").values()
        if ref in p["Properties"].get("Roles", [])
    ]
    return inline, managed


def listed_count(targets: dict[str, Any]) -> int:
    return sum(
        len(entry["dataSourceIds"])
        for entries in targets.values()
        if isinstance(entries, list)
        for entry in entries
    )


def test_the_targets_file_holds_all_5000_data_sources(many: Synth) -> None:
    targets = json.loads(many.targets_file().read_text(encoding="utf-8"))

    assert listed_count(targets) == DATA_SOURCES
    assert targets == json.loads(many.config.targets_json())


def test_the_poller_s_environment_names_the_file_and_stays_small(many: Synth) -> None:
    resource = many.template_json["Resources"][many.logical_id(many.stack.poller.function)]
    variables = resource["Properties"]["Environment"]["Variables"]

    assert variables["TARGETS_FILE"] == TARGETS_FILE
    assert "TARGETS" not in variables
    # Lambda's 4 KB counts names and values; tokens at their longest
    assert sum(len(name) + len(str(longest(v))) for name, v in variables.items()) < 4096


def test_every_role_s_policies_fit_iam_with_every_name_at_its_longest(many: Synth) -> None:
    roles = [(r, many.logical_id(r)) for r in many.stack.node.find_all() if isinstance(r, iam.Role)]

    for role, role_id in roles:
        inline, managed = policies_of(many, role)
        assert sum(inline) <= IAM_INLINE_POLICY_CHARACTERS, (role_id, inline)
        assert all(size <= MANAGED_POLICY_CHARACTERS for size in managed), (role_id, managed)
        assert len(managed) <= MANAGED_POLICIES_PER_ROLE, role_id


def test_the_poller_s_grants_fit_its_one_inline_policy_with_the_reserve_measured(
    many: Synth,
) -> None:
    # Given the poller's role: one inline policy, no managed overflow
    role = many.stack.poller.auditor.role
    (inline,), managed = policies_of(many, role)
    assert managed == []
    # Then the statements other than the services' grants fit the reserve kept for them
    (policy,) = [
        p
        for p in many.resources("AWS::IAM::Policy").values()
        if {"Ref": many.logical_id(role)} in p["Properties"]["Roles"]
    ]
    service_prefixes = ("kendra:", "qbusiness:", "bedrock:")
    others = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if not any(a.startswith(service_prefixes) for a in _actions(s))
    ]
    assert iam_size({"Version": "2012-10-17", "Statement": others}) <= OTHER_STATEMENTS_RESERVE
    assert inline <= IAM_INLINE_POLICY_CHARACTERS


def test_the_template_fits_cloudformation(many: Synth) -> None:
    template = (many.assembly_dir / "SyncAuditor.template.json").read_bytes()
    resources = many.template_json["Resources"]

    assert len(template) <= TEMPLATE_BYTES
    assert len(resources) <= RESOURCES
    # nothing in the template grows with the data sources: one layer, no per-source resource
    assert len(many.resources("AWS::Lambda::LayerVersion")) == 1


def test_widened_wildcards_say_why_and_cdk_nag_accepts_nothing_else(many: Synth) -> None:
    found = acknowledgments(many)
    poller_policy = "/SyncAuditor/Poll/Poller/Role/DefaultPolicy"
    granted = set().union(*policy_grants(many, many.stack.poller.auditor.role).values())
    wildcards = {r for r in granted if "*" in r and r != "*"}

    assert wildcards  # 5,000 ARNs cannot be named one by one
    for resource in wildcards:
        reason = found[(poller_policy, f"AwsSolutions-IAM5[Resource::{resource}]")]
        assert f"{IAM_INLINE_POLICY_CHARACTERS:,} characters of inline policy" in reason
        assert resource.split("*", 1)[0] in reason
    assert AwsSolutionsChecks(many.app).validate_scope(many.stack).violations == []


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]
