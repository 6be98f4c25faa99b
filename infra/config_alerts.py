"""The alerting part of the syncAuditor context: alert statuses and recipients, the alarm
recipients, the metrics namespace and log retention."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from infra.config_checks import (
    CONTEXT_KEY,
    IdForm,
    Problems,
    check_keys,
    email_list,
    flag,
    id_value,
    is_int,
    string_list,
)
from sync_auditor.model import TERMINAL_STATUSES

# chatbot CreateSlackChannelConfiguration allows [0-9A-Z]{1,255} / [A-Za-z0-9]+; Slack's own
# ids add the prefix (T: workspace; C: channel, G: older private channel), which catches the
# common mistake of pasting a channel name or a user id.
SLACK_WORKSPACE_ID: Final = IdForm("Slack workspace (team) id", "T[0-9A-Z]+", 2, 255, "T0123ABCD")
SLACK_CHANNEL_ID: Final = IdForm("Slack channel id", "[CG][A-Za-z0-9]+", 2, 255, "C0456EFGH")

# Values the CloudWatch Logs PutRetentionPolicy API accepts.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
# Only terminal statuses reach the notifier (stream_filter.py), so only they can alert.
ALERT_STATUS_CHOICES: Final = tuple(sorted(TERMINAL_STATUSES))

SLACK_FORM: Final = 'null or {"workspaceId": "T...", "channelId": "C..."}'

_NAMESPACE_CHARS: Final = re.compile(r"[0-9A-Za-z.\-_/#: ]{1,255}")


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


def field_path(key: str) -> str:
    return f"{CONTEXT_KEY}.{key}"


def slack_channel(problems: Problems, path: str, value: Any) -> SlackChannel | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(path, value, SLACK_FORM)
        return None
    check_keys(problems, path, value, ("workspaceId", "channelId"))
    ids = {}
    for key, form in (("workspaceId", SLACK_WORKSPACE_ID), ("channelId", SLACK_CHANNEL_ID)):
        if key not in value:
            problems.note(f"{path}.{key}", "is required")
        else:
            ids[key] = id_value(problems, f"{path}.{key}", value[key], form)
    if ids.get("workspaceId") and ids.get("channelId"):
        return SlackChannel(str(ids["workspaceId"]), str(ids["channelId"]))
    return None


def metrics_namespace(problems: Problems, path: str, value: Any) -> str | None:
    form = (
        "1 to 255 characters of letters, digits and . - _ / # : space, not starting with ':' "
        "nor 'AWS/' (a CloudWatch namespace)"
    )
    if (
        isinstance(value, str)
        and _NAMESPACE_CHARS.fullmatch(value)
        and not value.startswith(":")
        and not value.startswith("AWS/")
    ):
        return value
    problems.add(path, value, form)
    return None


def alert_values(problems: Problems, raw: dict[str, Any]) -> dict[str, Any]:
    """Who hears of what: alerts, their recipients, metrics and logs."""
    values: dict[str, Any] = {}
    if "alertStatuses" in raw:
        values["alert_statuses"] = string_list(
            problems,
            field_path("alertStatuses"),
            raw["alertStatuses"],
            lambda s: s in ALERT_STATUS_CHOICES,
            f"terminal sync statuses ({', '.join(ALERT_STATUS_CHOICES)})",
            allow_empty=False,
        )
    if "alertEmails" in raw:
        values["alert_emails"] = email_list(problems, field_path("alertEmails"), raw["alertEmails"])
    if "slack" in raw:
        values["slack"] = slack_channel(problems, field_path("slack"), raw["slack"])
    if "metricsNamespace" in raw:
        values["metrics_namespace"] = metrics_namespace(
            problems, field_path("metricsNamespace"), raw["metricsNamespace"]
        )
    if "perDataSourceMetrics" in raw:
        values["per_data_source_metrics"] = flag(
            problems, field_path("perDataSourceMetrics"), raw["perDataSourceMetrics"]
        )
    if "logRetentionDays" in raw:
        days = raw["logRetentionDays"]
        if is_int(days) and days in LOG_RETENTION_DAYS:
            values["log_retention_days"] = days
        else:
            problems.add(
                field_path("logRetentionDays"),
                days,
                f"one of {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch Logs retention)",
            )
    if "recoveryNotices" in raw:
        values["recovery_notices"] = flag(
            problems, field_path("recoveryNotices"), raw["recoveryNotices"]
        )
    return values | _alarm_recipients(problems, raw, values)


def _alarm_recipients(
    problems: Problems, raw: dict[str, Any], alerts: dict[str, Any]
) -> dict[str, Any]:
    """Who gets the health alarms: by default whoever gets the alerts (an operator who set
    only alertEmails still hears that the auditor stopped); [] / null opt out."""
    emails = alerts.get("alert_emails", ())
    if "alarmEmails" in raw:
        emails = email_list(problems, field_path("alarmEmails"), raw["alarmEmails"])
    channel = alerts.get("slack")
    if "alarmSlack" in raw:
        channel = slack_channel(problems, field_path("alarmSlack"), raw["alarmSlack"])
    return {"alarm_emails": emails, "alarm_slack": channel}
