"""Slack delivery through AWS Chatbot (Amazon Q Developer in chat applications): one channel
configuration per Slack channel, the channel role, and the retention of Chatbot's log groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aws_cdk import Aws, CfnResource, Stack
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import SlackChannel, SyncAuditorConfig
from infra.functions import log_retention

# Bounds anyone typing in the Slack channel: the channel role itself only reads CloudWatch.
CHATBOT_GUARDRAIL: Final = "CloudWatchReadOnlyAccess"
# Chatbot's "Notification permissions" policy template: what it reads to render an alarm
# notification with its graph. The template is these three wildcards on "*", nothing more.
NOTIFICATION_PERMISSIONS: Final = ("cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*")
# Chatbot writes its logs to /aws/chatbot/<configuration name> in us-east-1, whatever the
# region of the configuration (CDK's log retention support targets that region too).
CHATBOT_LOG_REGION: Final = "us-east-1"
# Configuration names: [A-Za-z0-9-_]{1,128}. Chatbot configuration ARNs have no region, so the
# name carries it (a second regional deployment in the account must not collide). Region codes
# are at most 14 characters today; 20 leaves room.
CONFIGURATION_NAME_MAX: Final = 128
REGION_CODE_MAX: Final = 20
# The function of CDK's LogRetention custom resource: one per stack, at the stack's root.
LOG_RETENTION_FUNCTION_ID: Final = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a"


def configuration_name(stack_name: str, purpose: str, region: str = Aws.REGION) -> str:
    """<stack>-<region>-<purpose>, the stack name shortened so the whole fits 128 characters."""
    room = CONFIGURATION_NAME_MAX - REGION_CODE_MAX - len(purpose) - 2
    return f"{stack_name[:room]}-{region}-{purpose}"


def chatbot_log_group_arn(
    name: str, partition: str = Aws.PARTITION, account: str = Aws.ACCOUNT_ID
) -> str:
    """A Chatbot configuration's log group, as IAM matches it (log-group:<name>:*)."""
    return f"arn:{partition}:logs:{CHATBOT_LOG_REGION}:{account}:log-group:/aws/chatbot/{name}:*"


@dataclass(frozen=True)
class ChannelPlan:
    construct_id: str
    purpose: str
    channel: SlackChannel
    topics: tuple[sns.ITopic, ...]


def channel_plan(
    config: SyncAuditorConfig, alert_topic: sns.ITopic, alarm_topic: sns.ITopic
) -> list[ChannelPlan]:
    """One configuration per Slack channel: alerts and alarms share one when they go to the
    same channel, so that channel has one configuration, one role and one log group."""
    if config.slack is not None and config.slack == config.alarm_slack:
        return [ChannelPlan("Slack", "alerts", config.slack, (alert_topic, alarm_topic))]
    plans = []
    if config.slack is not None:
        plans.append(ChannelPlan("Slack", "alerts", config.slack, (alert_topic,)))
    if config.alarm_slack is not None:
        plans.append(ChannelPlan("AlarmSlack", "alarms", config.alarm_slack, (alarm_topic,)))
    return plans


class SlackChannels(Construct):
    """The channel configurations, their shared channel role, and their logs' retention."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: SyncAuditorConfig,
        plans: Sequence[ChannelPlan],
    ) -> None:
        super().__init__(scope, construct_id)
        stack_name = Stack.of(self).stack_name
        self.plans = tuple(plans)
        self.role = iam.Role(
            self,
            "ChatbotRole",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description="sync-auditor Slack channels: reads CloudWatch to render notifications",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=list(NOTIFICATION_PERMISSIONS), resources=["*"])
        )
        # CDK's LogRetention custom resource (a Lambda function) sets the retention; it gets
        # this role instead of one with the managed AWSLambdaBasicExecutionRole.
        self.log_retention_role = iam.Role(
            self,
            "LogRetentionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="sync-auditor: sets the retention of the Chatbot log groups",
        )
        self.configurations: list[chatbot.SlackChannelConfiguration] = []
        for plan in plans:
            self.configurations.append(
                chatbot.SlackChannelConfiguration(
                    self,
                    plan.construct_id,
                    slack_channel_configuration_name=configuration_name(stack_name, plan.purpose),
                    slack_workspace_id=plan.channel.workspace_id,
                    slack_channel_id=plan.channel.channel_id,
                    notification_topics=list(plan.topics),
                    role=self.role,
                    guardrail_policies=[
                        iam.ManagedPolicy.from_aws_managed_policy_name(CHATBOT_GUARDRAIL)
                    ],
                    user_role_required=False,
                    logging_level=chatbot.LoggingLevel.ERROR,
                    log_retention=log_retention(config.log_retention_days),
                    log_retention_role=self.log_retention_role,
                )
            )
        self.log_retention_policy = self._log_retention_policy()

    def _log_retention_policy(self) -> iam.Policy:
        """What the LogRetention function does besides the PutRetentionPolicy / DeleteRetention-
        Policy on "*" that CDK grants it: create the Chatbot log groups (it creates a group that
        does not exist yet) and its own log group, and write its own logs.

        A policy of its own, not the role's default policy: the function depends on that one,
        and this one names the function, so sharing it would be a circular dependency.
        """
        function = Stack.of(self).node.find_child(LOG_RETENTION_FUNCTION_ID)
        function_resource = function.node.find_child("Resource")
        if not isinstance(function_resource, CfnResource):
            raise TypeError(f"{LOG_RETENTION_FUNCTION_ID} has no function resource")
        own_group = (
            f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
            f"log-group:/aws/lambda/{function_resource.ref}:*"
        )
        chatbot_groups = [
            chatbot_log_group_arn(c.slack_channel_configuration_name) for c in self.configurations
        ]
        policy = iam.Policy(
            self,
            "LogRetentionPolicy",
            roles=[self.log_retention_role],
            statements=[
                iam.PolicyStatement(actions=["logs:CreateLogGroup"], resources=chatbot_groups),
                iam.PolicyStatement(
                    actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[own_group],
                ),
            ],
        )
        # The custom resources call the function, which needs this policy by then.
        for configuration in self.configurations:
            configuration.node.find_child("LogRetention").node.add_dependency(policy)
        return policy
