"""The alert topic (KMS-encrypted, TLS only) and its subscribers: email and Slack via AWS Chatbot."""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws, Stack
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.config import SyncAuditorConfig

CLOUDWATCH: Final = "cloudwatch.amazonaws.com"
# Bounds anyone typing in the Slack channel: the channel role itself has no permissions.
CHATBOT_GUARDRAIL: Final = "CloudWatchReadOnlyAccess"


class Alerts(Construct):
    """Where alerts (from the notifier) and alarm notifications (from CloudWatch) go."""

    def __init__(self, scope: Construct, construct_id: str, *, config: SyncAuditorConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description="sync-auditor: encrypts the alert topic",
            enable_key_rotation=True,
        )
        # CloudWatch alarms publish as the service principal; without these two actions on the
        # key, SNS drops their messages on an encrypted topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="sync-auditor alerts",
            master_key=self.key,
            enforce_ssl=True,
        )
        # Alarms of this account only (confused-deputy protection).
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {
                        "aws:SourceArn": (
                            f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
                        )
                    },
                },
            )
        )
        for address in config.alert_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))

        if config.slack is not None:
            # Notifications only: Chatbot needs no AWS permission to post what SNS delivers.
            role = iam.Role(
                self,
                "ChatbotRole",
                assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
                description="sync-auditor Slack channel: delivers notifications, runs nothing",
            )
            chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=f"{Stack.of(self).stack_name}-alerts"[:128],
                slack_workspace_id=config.slack.workspace_id,
                slack_channel_id=config.slack.channel_id,
                notification_topics=[self.topic],
                role=role,
                guardrail_policies=[
                    iam.ManagedPolicy.from_aws_managed_policy_name(CHATBOT_GUARDRAIL)
                ],
                user_role_required=False,
                logging_level=chatbot.LoggingLevel.ERROR,
            )
