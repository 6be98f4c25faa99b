"""Who hears the auditor's own alarms (alarmEmails, alarmSlack) and when its heartbeat fires
(heartbeatMinutes, or the window the schedule gives)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import SlackChannel, load_config
from infra.config_schedule import heartbeat_minutes

from .config_support import base, problem_list, problem_paths, problems_of, with_value

OPS_SLACK = {"workspaceId": "T0123ABCD", "channelId": "C0999OPS1"}


def test_without_alarm_keys_the_alarms_reach_whoever_gets_the_alerts() -> None:
    # Given the shipped example, which sets alertEmails and slack only
    config = load_config(base())

    # Then the health alarms go to the same address and channel
    assert config.alarm_emails == ("search-oncall@example.com",)
    assert config.alarm_slack == config.slack == SlackChannel("T0123ABCD", "C0456EFGH")


def test_with_no_alert_recipients_nobody_gets_alarms_by_default() -> None:
    config = load_config({"kendra": "all"})

    assert (config.alarm_emails, config.alarm_slack) == ((), None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [([], ()), (["ops@example.com", "sre@example.com"], ("ops@example.com", "sre@example.com"))],
    ids=["none", "others"],
)
def test_alarm_emails_replace_the_alert_addresses(value: list[str], expected: tuple[str]) -> None:
    config = load_config(with_value(base(), "syncAuditor.alarmEmails", value))

    assert config.alarm_emails == expected
    assert config.alert_emails == ("search-oncall@example.com",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), (OPS_SLACK, SlackChannel("T0123ABCD", "C0999OPS1"))],
    ids=["none", "another-channel"],
)
def test_alarm_slack_replaces_the_alert_channel(
    value: dict[str, str] | None, expected: SlackChannel | None
) -> None:
    config = load_config(with_value(base(), "syncAuditor.alarmSlack", value))

    assert config.alarm_slack == expected
    assert config.slack == SlackChannel("T0123ABCD", "C0456EFGH")


# (field path, bad value, a phrase of the allowed form the message must state)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("syncAuditor.alarmEmails", "ops@example.com", "a list of email addresses"),
    ("syncAuditor.alarmEmails", None, "a list of email addresses"),
    ("syncAuditor.alarmSlack", "T0123ABCD/C0999OPS1", '{"workspaceId": "T...", "channelId": "C..."}'),
    ("syncAuditor.alarmSlack", [], "null or {"),
    ("syncAuditor.heartbeatMinutes", 14, "a whole number from 15 to 10080"),
    ("syncAuditor.heartbeatMinutes", 10081, "a whole number from 15 to 10080"),
    ("syncAuditor.heartbeatMinutes", "60", "minutes without a completed poll"),
    ("syncAuditor.heartbeatMinutes", 60.0, "a whole number"),
    ("syncAuditor.heartbeatMinutes", True, "a whole number"),
    ("syncAuditor.heartbeatMinutes", None, "1440 for a cron schedule"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "form"), BAD_VALUES)
def test_a_bad_alarm_value_names_its_field_the_value_and_the_allowed_form(
    path: str, value: Any, form: str
) -> None:
    message = problems_of(with_value(base(), path, value))

    assert f"{path}: {json.dumps(value)} is not valid; expected" in message
    assert form in message


@pytest.mark.parametrize(
    ("changed", "value", "named", "explanation"),
    [
        ("syncAuditor.alarmSlack", {"channelId": "C0999OPS1"}, "syncAuditor.alarmSlack.workspaceId", "is required"),
        ("syncAuditor.alarmSlack", {**OPS_SLACK, "name": "ops"}, "syncAuditor.alarmSlack.name", "unknown key"),
        ("syncAuditor.alarmSlack", {**OPS_SLACK, "channelId": "#ops"}, "syncAuditor.alarmSlack.channelId", "a Slack channel id"),
        ("syncAuditor.alarmEmails", ["a@example.com", "A@Example.com"], "syncAuditor.alarmEmails[1]", "duplicate 'A@Example.com'"),
        ("syncAuditor.alarmEmails", ["ops"], "syncAuditor.alarmEmails[0]", '"ops" is not valid; expected email addresses (name@example.com)'),
        ("syncAuditor.heartbeat", 60, "syncAuditor.heartbeat", "allowed keys are schedule"),
    ],
)  # fmt: skip
def test_alarm_keys_are_checked_like_the_alert_keys(
    changed: str, value: Any, named: str, explanation: str
) -> None:
    message = problems_of(with_value(base(), changed, value))

    assert f"{named}: " in message
    assert explanation in message


@pytest.mark.parametrize(
    ("schedule", "minutes"),
    [
        ("rate(1 minute)", 15),  # never under 15: a tick runs up to 5 minutes
        ("rate(5 minutes)", 15),
        ("rate(10 minutes)", 30),
        ("rate(1 hour)", 180),
        ("rate(8 hours)", 1440),
        ("rate(1 day)", 3 * 1440),
        ("rate(3 days)", 7 * 1440),  # CloudWatch evaluates at most 7 days
        ("cron(0/15 * * * ? *)", 1440),
        ("cron(0 8-18 ? * MON-FRI *)", 1440),
    ],
)
def test_the_heartbeat_window_is_three_rate_intervals_or_a_day_for_a_cron(
    schedule: str, minutes: int
) -> None:
    config = load_config(with_value(base(), "syncAuditor.schedule", schedule))

    assert config.heartbeat_minutes is None
    assert config.heartbeat_window_minutes == heartbeat_minutes(schedule) == minutes


@pytest.mark.parametrize(
    ("schedule", "minutes"),
    [("cron(0/15 * * * ? *)", 60), ("cron(0 8-18 ? * MON-FRI *)", 3 * 1440), ("rate(5 minutes)", 15), ("rate(1 hour)", 120)],
)  # fmt: skip
def test_heartbeat_minutes_sets_the_window(schedule: str, minutes: int) -> None:
    raw = with_value(base(), "syncAuditor.schedule", schedule)
    raw = with_value(raw, "syncAuditor.heartbeatMinutes", minutes)

    assert load_config(raw).heartbeat_window_minutes == minutes


def test_a_heartbeat_shorter_than_two_rate_intervals_is_refused() -> None:
    raw = with_value(base(), "syncAuditor.schedule", "rate(1 hour)")
    raw = with_value(raw, "syncAuditor.heartbeatMinutes", 90)

    assert problem_list(raw) == [
        "syncAuditor.heartbeatMinutes: 90 is not valid; expected at least 120 with schedule "
        "rate(1 hour): two of its intervals, or the alarm fires between two healthy polls "
        "(omit the key to get 180)"
    ]


def test_a_bad_schedule_is_reported_once_not_again_through_the_heartbeat() -> None:
    raw = with_value(base(), "syncAuditor.schedule", "every hour")
    raw = with_value(raw, "syncAuditor.heartbeatMinutes", 60)

    assert problem_paths(raw) == ["syncAuditor.schedule"]
