"""cdk-nag's AwsSolutions pack and cfn-lint pass; every accepted finding says exactly why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file

from infra.chatbot import LOG_RETENTION_FUNCTION_ID

from .conftest import Synth, arn, policy_grants

pytestmark = pytest.mark.slow

# cfn-lint's one finding on CDK output: a DependsOn the GetAtt already implies. Harmless.
IGNORED_CFN_LINT_RULES = ["W3005"]


@pytest.mark.parametrize("synth_name", ["example", "variant", "healing", "alarms"])
def test_aws_solutions_checks_report_no_unacknowledged_finding(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    report = AwsSolutionsChecks(synth.app).validate_scope(synth.stack)

    assert [
        (violation.rule_name, [r.construct_path for r in violation.violating_resources])
        for violation in report.violations
    ] == []


def acknowledgments(synth: Synth) -> dict[tuple[str, str], str]:
    """(construct path, rule id) -> reason, as recorded in the cloud assembly."""
    metadata = json.loads((synth.assembly_dir / "SyncAuditor.metadata.json").read_text())
    found = {}
    for path, entries in metadata.items():
        for entry in entries:
            if entry["type"] == "aws:cdk:acknowledged-rules":
                for rule, reason in entry["data"].items():
                    found[(path, rule.removeprefix("Annotation::"))] = reason
    return found


def test_each_acknowledgment_is_one_specific_finding_on_one_construct(example: Synth) -> None:
    function = example.logical_id(example.stack.poller.function)
    notifier = example.logical_id(example.stack.notifier.function)
    poller_policy = "/SyncAuditor/Poll/Poller/Role/DefaultPolicy"
    whole_index = arn("kendra", "index/5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f/data-source/*")
    whole_app = arn("qbusiness", "application/2f3e4d5c-6b7a-4998-8877-665544332211/index/*")

    log_retention = example.stack.get_logical_id(
        example.stack.node.find_child(LOG_RETENTION_FUNCTION_ID).node.find_child("Resource")  # type: ignore[arg-type]
    )
    chatbot = "/SyncAuditor/Alerts/Chatbot"

    found = acknowledgments(example)

    assert set(found) == {
        # the Chatbot channel role: the "Notification permissions" template, exactly
        (f"{chatbot}/ChatbotRole/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]"),
        *(
            (
                f"{chatbot}/ChatbotRole/DefaultPolicy",
                f"AwsSolutions-IAM5[Action::cloudwatch:{verb}*]",
            )
            for verb in ("Describe", "Get", "List")
        ),
        # CDK's log retention function: its own * grant, the Chatbot log group, its own
        (f"{chatbot}/LogRetentionRole/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]"),
        (
            f"{chatbot}/LogRetentionPolicy",
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:us-east-1:<AWS::AccountId>:"
            "log-group:/aws/chatbot/SyncAuditor-<AWS::Region>-alerts:*]",
        ),
        (
            f"{chatbot}/LogRetentionPolicy",
            f"AwsSolutions-IAM5[Resource::{arn('logs', f'log-group:/aws/lambda/<{log_retention}>:*')}]",
        ),
        ("/SyncAuditor/Poll/ScheduleDeadLetterQueue", "AwsSolutions-SQS3"),
        ("/SyncAuditor/Notify/FailureQueue", "AwsSolutions-SQS3"),
        ("/SyncAuditor/Notify/SweepScheduleDeadLetterQueue", "AwsSolutions-SQS3"),
        ("/SyncAuditor/Poll/ScheduleRole", f"AwsSolutions-IAM5[Resource::<{function}.Arn>:*]"),
        (
            "/SyncAuditor/Notify/SweepScheduleRole",
            f"AwsSolutions-IAM5[Resource::<{notifier}.Arn>:*]",
        ),
        # (no "*" for the poller: nothing of the example is "all", and tracing is off)
        (poller_policy, f"AwsSolutions-IAM5[Resource::{whole_index}]"),
        (poller_policy, f"AwsSolutions-IAM5[Resource::{whole_app}]"),
        (poller_policy, f"AwsSolutions-IAM5[Resource::{whole_app}/data-source/*]"),
        ("/SyncAuditor/Notify/Notifier/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]"),
        # FilterLogEvents on each audited index's / application's own log group
        *(
            (
                "/SyncAuditor/Notify/Notifier/Role/DefaultPolicy",
                f"AwsSolutions-IAM5[Resource::{arn('logs', f'log-group:/aws/{group}:*')}]",
            )
            for group in (
                "kendra/0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607",
                "kendra/5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f",
                "qbusiness/3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
                "qbusiness/2f3e4d5c-6b7a-4998-8877-665544332211",
            )
        ),
    }
    reasons = list(found.values())
    assert all(len(reason) >= 60 for reason in reasons)
    assert (
        "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"
        in found[(poller_policy, f"AwsSolutions-IAM5[Resource::{whole_index}]")]
    )
    assert (
        "dynamodb:ListStreams"
        in found[
            ("/SyncAuditor/Notify/Notifier/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]")
        ]
    )


@pytest.mark.parametrize("synth_name", ["example", "variant", "healing", "alarms"])
def test_every_acknowledged_wildcard_is_one_the_poller_is_actually_granted(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    granted = set().union(*policy_grants(synth, synth.stack.poller.auditor.role).values())

    acknowledged = {
        rule.removeprefix("AwsSolutions-IAM5[Resource::").removesuffix("]")
        for (path, rule) in acknowledgments(synth)
        if path == "/SyncAuditor/Poll/Poller/Role/DefaultPolicy"
    }

    assert acknowledged <= granted
    assert {resource for resource in granted if "*" in resource} <= acknowledged


def test_self_healing_adds_no_acknowledgment_of_its_own(example: Synth, healing: Synth) -> None:
    # The starts reach only resources the list calls of the same entries already reach, so
    # each wildcard is the one acknowledged for discovery, for the same reason.
    assert acknowledgments(healing) == acknowledgments(example)


def test_discovery_acknowledgments_say_why_star_is_needed(variant: Synth) -> None:
    reason = acknowledgments(variant)[
        ("/SyncAuditor/Poll/Poller/Role/DefaultPolicy", "AwsSolutions-IAM5[Resource::*]")
    ]

    assert "kendra:ListIndices" in reason
    assert "qbusiness:ListApplications" in reason


@pytest.mark.parametrize("synth_name", ["example", "variant", "healing", "alarms"])
def test_cfn_lint_reports_nothing(request: pytest.FixtureRequest, synth_name: str) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    template = Path(synth.assembly_dir) / "SyncAuditor.template.json"

    matches = lint_file(template, config=ManualArgs(ignore_checks=IGNORED_CFN_LINT_RULES))

    assert [str(match) for match in matches] == []
