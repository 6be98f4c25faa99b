"""Where the auditor speaks: the alert topic (one message per job event, from the notifier) and
the alarm topic (the auditor's own health alarms, from CloudWatch), and their subscribers.

Two topics so that one failure reaches each subscriber once: job-event alarms notify nobody
(their events already got a formatted alert), and health alarms go to the alarm topic only.
Both topics are KMS-encrypted with one key and refuse plain HTTP.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.chatbot import SlackChannels, channel_plan
from infra.config import SyncAuditorConfig

CLOUDWATCH: Final = "cloudwatch.amazonaws.com"
# Nothing encrypted with the topic key outlives the topics (SNS keeps no message once
# delivered), so the key goes with the stack after the shortest waiting period KMS allows.
TOPIC_KEY_PENDING_WINDOW: Final = Duration.days(7)


class Alerts(Construct):
    """The alert and alarm topics, their key, email subscriptions and Slack channels."""

    def __init__(self, scope: Construct, construct_id: str, *, config: SyncAuditorConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TopicKey",
            description="sync-auditor: encrypts the alert and alarm topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=TOPIC_KEY_PENDING_WINDOW,
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="sync-auditor alerts",
            master_key=self.key,
            enforce_ssl=True,
        )
        # Named, so the key policy can name it without a reference to it (the topic already
        # refers to the key); the name is the stack's, unique in the region like the stack.
        alarm_topic_name = f"{Stack.of(self).stack_name}-alarms"
        self.alarm_topic = sns.Topic(
            self,
            "AlarmTopic",
            topic_name=alarm_topic_name,
            display_name="sync-auditor alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self._admit_cloudwatch_alarms(
            Stack.of(self).format_arn(service="sns", resource=alarm_topic_name)
        )
        for address in config.alert_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        for address in config.alarm_emails:
            self.alarm_topic.add_subscription(subscriptions.EmailSubscription(address))
        plans = channel_plan(config, self.topic, self.alarm_topic)
        self.slack = SlackChannels(self, "Chatbot", config=config, plans=plans) if plans else None

    def _admit_cloudwatch_alarms(self, alarm_topic_arn: str) -> None:
        """CloudWatch alarms of this account may publish to the alarm topic, and to nothing else
        of this construct: the alert topic carries only what the notifier publishes."""
        # Without these two key actions SNS drops an alarm's message on an encrypted topic; the
        # encryption context SNS passes names the topic, so they serve the alarm topic only.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublishToTheAlarmTopic",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={
                    "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": alarm_topic_arn}
                },
            )
        )
        # Alarms of this account only (confused-deputy protection).
        self.alarm_topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.alarm_topic.topic_arn],
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
