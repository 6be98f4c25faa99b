"""cdk-nag AwsSolutions findings this stack accepts, each on the one construct it concerns.

Every acknowledgment names the exact finding (for IAM5 the exact wildcard resource), so a new
wildcard anywhere else still fails `cdk synth`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from infra.chatbot import (
    LOG_RETENTION_FUNCTION_ID,
    NOTIFICATION_PERMISSIONS,
    SlackChannels,
    chatbot_log_group_arn,
    configuration_name,
)
from infra.config import SyncAuditorConfig
from infra.grant_budget import widened_reason, widened_wildcards
from infra.notifier import service_log_groups
from infra.poller import poller_grants

if TYPE_CHECKING:
    from infra.stack import SyncAuditorStack

XRAY_REASON = (
    "xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no "
    "resource-level permissions"
)


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def nag_arn(service: str, resource: str) -> str:
    """An ARN as cdk-nag prints it in IAM5 finding ids (pseudo parameters in angle brackets)."""
    return f"arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"


def _discovery_reason(resource: str) -> str:
    prefix = resource.split("*", 1)[0]
    return (
        'the configuration audits by discovery here (no dataSourceIds or indexId, or "all"): '
        f"what lies under {prefix} is listed at poll time, so its ids are unknown at synth; "
        "the wildcard reaches nothing outside that prefix"
    )


def _acknowledge_slack(slack: SlackChannels) -> None:
    """The Chatbot channel role's template and what CDK's log retention function needs."""
    channel_policy = slack.role.node.find_child("DefaultPolicy")
    template = (
        "Chatbot's 'Notification permissions' policy template, exactly: the CloudWatch reads "
        "that render an alarm notification with its graph; CloudWatch's Describe/Get/List "
        "actions mostly support no resource type, and the guardrail bounds the channel too"
    )
    acknowledge(channel_policy, "AwsSolutions-IAM5[Resource::*]", template)
    for action in NOTIFICATION_PERMISSIONS:
        acknowledge(channel_policy, f"AwsSolutions-IAM5[Action::{action}]", template)
    acknowledge(
        slack.log_retention_role.node.find_child("DefaultPolicy"),
        "AwsSolutions-IAM5[Resource::*]",
        "CDK's LogRetention function grants its role logs:PutRetentionPolicy and "
        "logs:DeleteRetentionPolicy on * itself, whatever role it is given; it only sets the "
        "retention of the Chatbot log groups named in its custom resources",
    )
    function_id = Stack.of(slack).get_logical_id(
        Stack.of(slack).node.find_child(LOG_RETENTION_FUNCTION_ID).node.find_child("Resource")  # type: ignore[arg-type]
    )
    log_group_reason = (
        "a log group as IAM matches it (log-group:<name>:*): this one named group and its "
        "streams, nothing else"
    )
    stack_name = Stack.of(slack).stack_name
    for plan in slack.plans:
        name = configuration_name(stack_name, plan.purpose, region="<AWS::Region>")
        group = chatbot_log_group_arn(name, "<AWS::Partition>", "<AWS::AccountId>")
        acknowledge(
            slack.log_retention_policy,
            f"AwsSolutions-IAM5[Resource::{group}]",
            "the Chatbot configuration's own log group (in us-east-1, where Chatbot logs): "
            + log_group_reason,
        )
    acknowledge(
        slack.log_retention_policy,
        f"AwsSolutions-IAM5[Resource::{nag_arn('logs', f'log-group:/aws/lambda/<{function_id}>:*')}]",
        f"the log retention function's own log group, which it creates on its first run: {log_group_reason}",
    )


def acknowledge_findings(stack: SyncAuditorStack, config: SyncAuditorConfig) -> None:
    """Acknowledge the findings this design accepts; anything else still fails synth."""
    poller, notifier = stack.poller, stack.notifier
    if stack.alerts.slack is not None:
        _acknowledge_slack(stack.alerts.slack)
    poller_policy = poller.auditor.role.node.find_child("DefaultPolicy")
    notifier_policy = notifier.auditor.role.node.find_child("DefaultPolicy")

    # The services' own grants, in cdk-nag's notation: each "*" says why, each other wildcard
    # is discovery under a prefix.
    grants = poller_grants(config, nag_arn)
    xray = [XRAY_REASON] if config.tracing else []
    star_reasons = [*xray, *(g.star_reason for g in grants if g.star_reason)]
    if star_reasons:
        acknowledge(poller_policy, "AwsSolutions-IAM5[Resource::*]", "; ".join(star_reasons))
    wildcards = {
        resource for g in grants for resource in g.resources if "*" in resource and resource != "*"
    }
    # Wildcards made because the listed ARNs would not fit IAM's policy size say so.
    widened = widened_wildcards(config, nag_arn)
    for resource in sorted(wildcards):
        acknowledge(
            poller_policy,
            f"AwsSolutions-IAM5[Resource::{resource}]",
            widened_reason(resource) if resource in widened else _discovery_reason(resource),
        )

    acknowledge(
        notifier_policy,
        "AwsSolutions-IAM5[Resource::*]",
        "; ".join(
            [
                *xray,
                "dynamodb:ListStreams, which the stream event source needs, supports no "
                "resource-level permissions",
            ]
        ),
    )
    for group in service_log_groups(config, lambda name: nag_arn("logs", f"log-group:{name}")):
        if group.endswith("/*"):
            reason = (
                'the service is audited as "all": its indexes / applications are discovered at '
                "poll time, so the failure-reason read (logs:FilterLogEvents) gets the "
                "service's own log group prefix and nothing else"
            )
        else:
            reason = (
                "logs:FilterLogEvents authorizes a log group as log-group:<name>:*; the "
                "wildcard is that one named group's log streams, nothing else"
            )
        acknowledge(notifier_policy, f"AwsSolutions-IAM5[Resource::{group}]", reason)
    for function, schedule_role in (
        (poller.function, poller.schedule_role),
        (notifier.function, notifier.sweep.role),
    ):
        function_id = Stack.of(function).get_logical_id(function.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            schedule_role,
            f"AwsSolutions-IAM5[Resource::<{function_id}.Arn>:*]",
            "grantInvoke adds the function's qualified ARNs: the wildcard covers versions and "
            "aliases of this schedule's own function only",
        )
    for queue, role in (
        (poller.dead_letter_queue, "EventBridge Scheduler's dead-letter queue for the poll target"),
        (
            notifier.sweep.dead_letter_queue,
            "EventBridge Scheduler's dead-letter queue for the sweep",
        ),
        (notifier.failure_queue, "the notifier stream event source's on-failure destination"),
        *(
            [(poller.fan_out.dead_letter_queue, "the fan-out queue's redrive target")]
            if poller.fan_out is not None
            else []
        ),
    ):
        acknowledge(
            queue,
            "AwsSolutions-SQS3",
            f"this queue is itself a dead-letter queue ({role}), which cdk-nag only recognizes "
            "for SQS redrive; it is alarmed on depth",
        )
