"""The dashboard: every alarm's state, job outcomes per service, and the auditor's health."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Synth, render

pytestmark = pytest.mark.slow


def dashboard_body(synth: Synth) -> dict[str, Any]:
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()
    body: dict[str, Any] = json.loads(render(dashboard["Properties"]["DashboardBody"]))
    return body


def metrics_on(body: dict[str, Any]) -> set[tuple[str, ...]]:
    """(namespace, metric name, dimension values...) of every metric line on the dashboard."""
    lines = set()
    for widget in body["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            names = [part for part in line if isinstance(part, str)]
            if names and names[0] != "...":
                lines.add(tuple(names))
    return lines


def test_dashboard_shows_outcomes_durations_and_auditor_health_per_service(example: Synth) -> None:
    body = dashboard_body(example)
    lines = metrics_on(body)

    for service in ("kendra", "qbusiness"):
        for metric in (
            "SyncJobsSucceeded", "SyncJobsFailed", "SyncJobsIncomplete", "SyncJobsAborted",
            "DocumentsFailed", "SyncDurationSeconds",
            "DataSourcesPolled", "PollErrors", "ApiCalls", "JobsWritten", "DataSourcesDeferred",
            "TicksCompleted", "AlertsPending", "OldestPendingAlertSeconds",
        ):  # fmt: skip
            assert ("SyncAuditor", metric, "Service", service) in lines
    # A dashboard leaves out the default statistic, Average.
    stats = {
        line[-1].get("stat", "Average")
        for widget in body["widgets"]
        for line in widget.get("properties", {}).get("metrics", [])
        if "SyncDurationSeconds" in line
    }
    assert stats == {"Average", "p90", "Maximum"}
    lambda_metrics = {line[1] for line in lines if line[0] == "AWS/Lambda"}
    assert {"Invocations", "Errors", "Throttles", "Duration", "IteratorAge"} <= lambda_metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName") in {
        line[:3] for line in lines
    }
    assert ("AWS/SNS", "NumberOfNotificationsFailed", "TopicName") in {line[:3] for line in lines}


def test_the_health_widgets_show_the_heartbeat_deferrals_and_pending_alerts(
    example: Synth,
) -> None:
    health = [
        w["properties"]
        for w in dashboard_body(example)["widgets"]
        if "auditor health" in w["properties"].get("title", "")
    ]

    assert [h["title"].split(":")[0] for h in health] == ["kendra", "qbusiness"]
    for widget, service in zip(health, ("kendra", "qbusiness"), strict=True):
        lines = {tuple(p for p in line if isinstance(p, str)) for line in widget["metrics"]}
        for metric in ("TicksCompleted", "DataSourcesDeferred", "AlertsPending"):
            assert ("SyncAuditor", metric, "Service", service) in lines
        (oldest,) = [line for line in widget["metrics"] if "OldestPendingAlertSeconds" in line]
        assert oldest[-1] == {"stat": "Maximum", "yAxis": "right"}


def test_the_dashboard_shows_every_alarm_s_state(example: Synth) -> None:
    alarm_arns = {
        f"<{name}.Arn>" for name, resource in example.resources("AWS::CloudWatch::Alarm").items()
    }

    (status,) = [w for w in dashboard_body(example)["widgets"] if w["type"] == "alarm"]

    assert set(status["properties"]["alarms"]) == alarm_arns


@pytest.mark.parametrize("synth_name", ["example", "variant"])
def test_the_dashboard_name_carries_the_region(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    # Dashboards belong to the account: a second regional deployment needs its own name
    synth: Synth = request.getfixturevalue(synth_name)
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()

    assert render(dashboard["Properties"]["DashboardName"]) == "SyncAuditor-<AWS::Region>"


@pytest.mark.parametrize("synth_name", ["example", "healing"])
def test_dashboard_counts_retries_started_and_skipped_with_the_other_notices(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    (notices,) = [
        w["properties"]
        for w in dashboard_body(synth)["widgets"]
        if w["properties"].get("title", "").startswith("Stuck jobs")
    ]
    lines = {tuple(p for p in line if isinstance(p, str)) for line in notices["metrics"]}

    assert "retries started and skipped" in notices["title"]
    for service in ("kendra", "qbusiness"):
        for metric in ("SyncRetriesStarted", "SyncRetriesSkipped"):
            assert ("SyncAuditor", metric, "Service", service) in lines


def test_dashboard_lists_alerts_and_poll_errors_per_data_source_from_the_logs(
    example: Synth,
) -> None:
    queries = {
        w["properties"]["title"]: w["properties"]["query"]
        for w in dashboard_body(example)["widgets"]
        if w["type"] == "log"
    }
    notifier_logs = example.logical_id(example.stack.notifier.auditor.log_group)
    poller_logs = example.logical_id(example.stack.poller.auditor.log_group)

    alerts = queries["Alerts per data source (notifier log)"]
    assert alerts.startswith(f"SOURCE '<{notifier_logs}>'")
    assert "filter message = 'alert published'" in alerts
    assert "by dataSourceKey" in alerts
    errors = queries["Poll errors per data source (poller log)"]
    assert errors.startswith(f"SOURCE '<{poller_logs}>'")
    assert "filter message = 'data source poll failed'" in errors


def test_per_data_source_metric_search_appears_only_when_switched_on(
    example: Synth, variant: Synth
) -> None:
    def searches(synth: Synth) -> list[str]:
        return [
            line[0]["expression"]
            for w in dashboard_body(synth)["widgets"]
            for line in w.get("properties", {}).get("metrics", [])
            if isinstance(line[0], dict) and "expression" in line[0]
        ]

    assert searches(example) == []
    assert searches(variant) == [
        """SEARCH('{"Search/SyncAudit",DataSourceKey,Service} MetricName="SyncJobsFailed"', 'Sum', 3600)""",
        """SEARCH('{"Search/SyncAudit",DataSourceKey,Service} MetricName="SyncJobsIncomplete"', 'Sum', 3600)""",
    ]
