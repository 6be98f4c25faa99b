"""The alert topic, the alarm topic, their key, and who is subscribed to which."""

from __future__ import annotations

from typing import Any

import pytest

from infra.chatbot import channel_plan
from infra.config import SlackChannel, SyncAuditorConfig

from .conftest import Synth, arn, policy_grants, render

pytestmark = pytest.mark.slow

ALERT_CHANNEL = SlackChannel("T0123ABCD", "C0456EFGH")
OPS_CHANNEL = SlackChannel("T0123ABCD", "C0999OPS1")


def topic_policies(synth: Synth) -> dict[str, list[dict[str, Any]]]:
    """Each topic's policy statements, by the topic's logical id."""
    policies: dict[str, list[dict[str, Any]]] = {}
    for policy in synth.resources("AWS::SNS::TopicPolicy").values():
        (topic,) = policy["Properties"]["Topics"]
        policies[topic["Ref"]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return policies


def subscriptions(synth: Synth) -> set[tuple[str, str]]:
    """(topic logical id, email address) of every email subscription."""
    return {
        (s["Properties"]["TopicArn"]["Ref"], s["Properties"]["Endpoint"])
        for s in synth.resources("AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "email"
    }


def channels(synth: Synth) -> dict[str, dict[str, Any]]:
    """Chatbot Slack channel configurations by channel id, their ARNs and names rendered."""
    return {
        c["Properties"]["SlackChannelId"]: render(c["Properties"])
        for c in synth.resources("AWS::Chatbot::SlackChannelConfiguration").values()
    }


# --- topics and key -------------------------------------------------------------------------


@pytest.mark.parametrize("topic", ["topic", "alarm_topic"])
def test_both_topics_are_kms_encrypted_with_the_topic_key_and_refuse_plain_http(
    example: Synth, topic: str
) -> None:
    alerts = example.stack.alerts
    topic_id = example.logical_id(getattr(alerts, topic))

    properties = example.template_json["Resources"][topic_id]["Properties"]
    assert properties["KmsMasterKeyId"] == {"Fn::GetAtt": [example.logical_id(alerts.key), "Arn"]}
    deny = next(s for s in topic_policies(example)[topic_id] if s["Effect"] == "Deny")
    assert deny["Action"] == "sns:Publish"
    assert deny["Resource"] == {"Ref": topic_id}
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_only_the_alarm_topic_admits_cloudwatch_alarms_and_only_this_accounts(
    example: Synth,
) -> None:
    alerts = example.stack.alerts
    policies = topic_policies(example)

    # The alert topic: TLS only, and nobody but the account's own IAM principals may publish
    assert [s["Effect"] for s in policies[example.logical_id(alerts.topic)]] == ["Deny"]
    # The alarm topic: CloudWatch alarms of this account and region
    alarm_topic = example.logical_id(alerts.alarm_topic)
    (allow,) = [s for s in policies[alarm_topic] if s["Effect"] == "Allow"]
    assert allow["Sid"] == "AllowCloudWatchAlarmsOfThisAccount"
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": alarm_topic}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert render(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == arn("cloudwatch", "alarm:*")


def test_the_topic_key_lets_cloudwatch_encrypt_for_the_alarm_topic_only(example: Synth) -> None:
    alerts = example.stack.alerts
    key = example.template_json["Resources"][example.logical_id(alerts.key)]
    alarm_topic = example.template_json["Resources"][example.logical_id(alerts.alarm_topic)]

    cloudwatch = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    (statement,) = cloudwatch
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # SNS passes the topic's ARN as encryption context: the alarm topic's, by its fixed name
    assert alarm_topic["Properties"]["TopicName"] == "SyncAuditor-alarms"
    assert render(statement["Condition"]) == {
        "StringEquals": {"kms:EncryptionContext:aws:sns:topicArn": arn("sns", "SyncAuditor-alarms")}
    }


def test_the_topic_key_rotates_and_goes_with_the_stack(example: Synth) -> None:
    key = example.template_json["Resources"][example.logical_id(example.stack.alerts.key)]

    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["Properties"]["PendingWindowInDays"] == 7
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Delete"


def test_the_notifier_publishes_to_the_alert_topic_only(example: Synth) -> None:
    alerts = example.stack.alerts

    grants = policy_grants(example, example.stack.notifier.auditor.role)

    assert grants["sns:Publish"] == {f"<{example.logical_id(alerts.topic)}>"}


def test_the_stack_outputs_both_topics(example: Synth) -> None:
    outputs = example.template_json["Outputs"]
    alerts = example.stack.alerts

    assert outputs["AlertTopicArn"]["Value"] == {"Ref": example.logical_id(alerts.topic)}
    assert outputs["AlarmTopicArn"]["Value"] == {"Ref": example.logical_id(alerts.alarm_topic)}


# --- email ----------------------------------------------------------------------------------


def test_by_default_the_alert_addresses_also_get_the_alarms(example: Synth) -> None:
    alerts = example.stack.alerts

    assert subscriptions(example) == {
        (example.logical_id(alerts.topic), "search-oncall@example.com"),
        (example.logical_id(alerts.alarm_topic), "search-oncall@example.com"),
    }


def test_alarm_emails_subscribe_other_addresses_to_the_alarm_topic_only(alarms: Synth) -> None:
    alerts = alarms.stack.alerts

    assert subscriptions(alarms) == {
        (alarms.logical_id(alerts.topic), "search-oncall@example.com"),
        (alarms.logical_id(alerts.alarm_topic), "platform-ops@example.com"),
        (alarms.logical_id(alerts.alarm_topic), "sre@example.com"),
    }


def test_without_addresses_nothing_is_subscribed(variant: Synth) -> None:
    variant.template.resource_count_is("AWS::SNS::Subscription", 0)


# --- Slack ----------------------------------------------------------------------------------


def test_one_channel_for_alerts_and_alarms_gets_one_configuration_with_both_topics(
    example: Synth,
) -> None:
    alerts = example.stack.alerts

    (configuration,) = channels(example).values()

    assert configuration["SlackWorkspaceId"] == "T0123ABCD"
    assert configuration["SlackChannelId"] == "C0456EFGH"
    assert configuration["SnsTopicArns"] == [
        f"<{example.logical_id(alerts.topic)}>",
        f"<{example.logical_id(alerts.alarm_topic)}>",
    ]
    assert configuration["LoggingLevel"] == "ERROR"
    assert configuration["UserRoleRequired"] is False
    assert configuration["GuardrailPolicies"] == [
        "arn:<AWS::Partition>:iam::aws:policy/CloudWatchReadOnlyAccess"
    ]


def test_another_alarm_channel_gets_a_configuration_of_its_own_with_the_alarm_topic(
    alarms: Synth,
) -> None:
    alerts = alarms.stack.alerts

    found = channels(alarms)

    assert set(found) == {"C0456EFGH", "C0999OPS1"}
    assert found["C0456EFGH"]["SnsTopicArns"] == [f"<{alarms.logical_id(alerts.topic)}>"]
    assert found["C0999OPS1"]["SnsTopicArns"] == [f"<{alarms.logical_id(alerts.alarm_topic)}>"]
    assert found["C0456EFGH"]["ConfigurationName"] == "SyncAuditor-<AWS::Region>-alerts"
    assert found["C0999OPS1"]["ConfigurationName"] == "SyncAuditor-<AWS::Region>-alarms"
    assert found["C0456EFGH"]["IamRoleArn"] == found["C0999OPS1"]["IamRoleArn"]


@pytest.mark.parametrize(
    ("slack", "alarm_slack", "expected"),
    [
        (ALERT_CHANNEL, ALERT_CHANNEL, [("Slack", "alerts", ALERT_CHANNEL, ("alerts", "alarms"))]),
        (ALERT_CHANNEL, OPS_CHANNEL, [("Slack", "alerts", ALERT_CHANNEL, ("alerts",)), ("AlarmSlack", "alarms", OPS_CHANNEL, ("alarms",))]),
        (ALERT_CHANNEL, None, [("Slack", "alerts", ALERT_CHANNEL, ("alerts",))]),
        (None, OPS_CHANNEL, [("AlarmSlack", "alarms", OPS_CHANNEL, ("alarms",))]),
        (None, None, []),
    ],
    ids=["same", "different", "alarms-null", "alarms-only", "none"],
)  # fmt: skip
def test_each_slack_channel_gets_exactly_the_topics_routed_to_it(
    slack: SlackChannel | None, alarm_slack: SlackChannel | None, expected: list[Any]
) -> None:
    config = SyncAuditorConfig(kendra="all", slack=slack, alarm_slack=alarm_slack)
    topics: Any = {"alerts": "alert-topic", "alarms": "alarm-topic"}

    plans = channel_plan(config, topics["alerts"], topics["alarms"])

    assert [(p.construct_id, p.purpose, p.channel, p.topics) for p in plans] == [
        (construct_id, purpose, channel, tuple(topics[t] for t in routed))
        for construct_id, purpose, channel, routed in expected
    ]


def test_configuration_names_carry_the_region_and_fit_chatbots_limit(example: Synth) -> None:
    from infra.chatbot import configuration_name

    # Chatbot configuration ARNs have no region: the name must tell regions apart
    (configuration,) = channels(example).values()
    assert configuration["ConfigurationName"] == "SyncAuditor-<AWS::Region>-alerts"
    # [A-Za-z0-9-_]{1,128} even for the longest stack name and a long region code
    longest = configuration_name("S" * 128, "alarms", region="ap-southeast-7x-long")
    assert len(longest) <= 128
    assert longest.endswith("-ap-southeast-7x-long-alarms")


def test_the_channel_role_has_exactly_chatbots_notification_permissions(example: Synth) -> None:
    (configuration,) = channels(example).values()
    role_id = configuration["IamRoleArn"].strip("<>").split(".")[0]
    role = example.template_json["Resources"][role_id]["Properties"]

    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "chatbot.amazonaws.com"
    }
    assert "ManagedPolicyArns" not in role
    (policy,) = [
        p
        for p in example.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["cloudwatch:Describe*", "cloudwatch:Get*", "cloudwatch:List*"],
            "Resource": "*",
        }
    ]


def test_without_slack_there_is_no_chatbot_and_no_log_retention_function(variant: Synth) -> None:
    variant.template.resource_count_is("AWS::Chatbot::SlackChannelConfiguration", 0)
    variant.template.resource_count_is("Custom::LogRetention", 0)
    assert variant.stack.alerts.slack is None


# --- Chatbot's log groups -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("synth_name", "purposes"),
    [("example", ["alerts"]), ("alarms", ["alarms", "alerts"])],
)
def test_each_chatbot_log_group_keeps_the_configured_retention(
    request: pytest.FixtureRequest, synth_name: str, purposes: list[str]
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    days = 90

    retentions = sorted(
        (p["LogGroupName"], p["LogGroupRegion"], p["RetentionInDays"])
        for p in (render(r["Properties"]) for r in synth.resources("Custom::LogRetention").values())
    )

    assert retentions == [
        (f"/aws/chatbot/SyncAuditor-<AWS::Region>-{purpose}", "us-east-1", days)
        for purpose in purposes
    ]


def test_the_log_retention_function_may_touch_only_the_chatbot_groups_and_its_own(
    example: Synth,
) -> None:
    slack = example.stack.alerts.slack
    assert slack is not None
    (function_id,) = [
        name
        for name, r in example.resources("AWS::Lambda::Function").items()
        if name.startswith("LogRetention")
    ]
    own_group = arn("logs", f"log-group:/aws/lambda/<{function_id}>:*")
    chatbot_group = (
        "arn:<AWS::Partition>:logs:us-east-1:<AWS::AccountId>:"
        "log-group:/aws/chatbot/SyncAuditor-<AWS::Region>-alerts:*"
    )

    grants = policy_grants(example, slack.log_retention_role)

    assert grants == {
        # what CDK's LogRetention adds to whatever role it is given
        "logs:PutRetentionPolicy": {"*"},
        "logs:DeleteRetentionPolicy": {"*"},
        "logs:CreateLogGroup": {chatbot_group, own_group},
        "logs:CreateLogStream": {own_group},
        "logs:PutLogEvents": {own_group},
    }
    role = example.template_json["Resources"][example.logical_id(slack.log_retention_role)]
    assert "ManagedPolicyArns" not in role["Properties"]
    # the custom resource runs only once the function may create the log group
    (retention,) = example.resources("Custom::LogRetention").values()
    assert example.logical_id(slack.log_retention_policy) in retention["DependsOn"]
