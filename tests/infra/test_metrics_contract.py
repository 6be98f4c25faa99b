"""Alarms and dashboard watch exactly the metrics the functions emit.

CloudWatch matches a metric by namespace, name and its full dimension set: an alarm that
names one dimension too many or too few watches nothing and never fires. So the EMF the
runtime prints is compared with every custom metric the template references.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from sync_auditor import alert_message, job_metrics
from sync_auditor.handlers import poller
from sync_auditor.model import TERMINAL_STATUSES
from sync_auditor.poll_report import PollReport

from .conftest import Synth
from .test_dashboard import dashboard_body

pytestmark = pytest.mark.slow

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def emitted(output: str) -> set[MetricKey]:
    """(namespace, metric name, dimensions) of every metric in the EMF documents printed."""
    keys = set()
    for line in output.splitlines():
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, document[name]) for name in dimension_set)
                for metric in directive["Metrics"]:
                    keys.add((directive["Namespace"], metric["Name"], dimensions))
    return keys


def a_job(service: str, status: str) -> dict[str, Any]:
    return {
        "service": service,
        "status": status,
        "dataSourceKey": f"{service}#index#source",
        "durationSeconds": Decimal(30),
        **{name: Decimal(1) for name in job_metrics.DOCUMENT_METRICS},
    }


@pytest.fixture
def runtime_metrics(capsys: pytest.CaptureFixture[str]) -> set[MetricKey]:
    """What one poll, one terminal job of every status, one notice of every type and one
    outbox sweep emit, for both services."""
    capsys.readouterr()
    summary = poller._summary(
        PollReport(), {"kendra": 1, "qbusiness": 1}, {"kendra": 0, "qbusiness": 0}
    )
    poller.emit_metrics(summary)
    job_metrics.emit(
        [
            metric_set
            for service in ("kendra", "qbusiness")
            for status in sorted(TERMINAL_STATUSES)
            for metric_set in job_metrics.for_terminal_change(
                a_job(service, status), per_data_source=True
            )
        ]
        + [
            job_metrics.notice_count(alert_type, service)
            for service in ("kendra", "qbusiness")
            for alert_type in sorted(job_metrics.NOTICE_METRICS)
        ]
        + [job_metrics.pending_alerts(service, 0, 0) for service in ("kendra", "qbusiness")]
    )
    return emitted(capsys.readouterr().out)


def custom_metrics_watched(alarm: dict[str, Any]) -> list[MetricKey]:
    """Every custom (not AWS/) metric an alarm reads: its own, or each input of its math."""
    metrics = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
    return [
        (
            m["Namespace"],
            m["MetricName"],
            frozenset((d["Name"], d["Value"]) for d in m.get("Dimensions", [])),
        )
        for m in metrics or [alarm]
        if not m["Namespace"].startswith("AWS/")
    ]


@pytest.mark.parametrize("synth_name", ["example", "healing"])
def test_every_alarm_on_a_custom_metric_watches_an_emitted_one(
    request: pytest.FixtureRequest, synth_name: str, runtime_metrics: set[MetricKey]
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    custom = {
        a["Properties"]["AlarmName"]: custom_metrics_watched(a["Properties"])
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
    }

    # the heartbeat, the pending alerts and the deferrals included (metric-math alarms)
    assert {"SyncAuditor-poller-Heartbeat", "SyncAuditor-PendingAlerts"} <= {
        name for name, keys in custom.items() if keys
    }
    for name, keys in custom.items():
        assert set(keys) <= runtime_metrics, name


def test_every_custom_metric_on_the_dashboard_is_emitted(
    example: Synth, runtime_metrics: set[MetricKey]
) -> None:
    charted = set()
    for widget in dashboard_body(example)["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            names = [part for part in line if isinstance(part, str)]
            if names and names[0] == "SyncAuditor":
                namespace, metric, *pairs = names
                dimensions = frozenset(zip(pairs[::2], pairs[1::2], strict=True))
                charted.add((namespace, metric, dimensions))

    assert len(charted) >= 22
    assert charted <= runtime_metrics


def test_every_alert_type_has_its_own_metric_on_the_dashboard(example: Synth) -> None:
    body = json.dumps(dashboard_body(example))
    assert set(job_metrics.NOTICE_METRICS) == set(alert_message.ALERT_TYPES) - {"SYNC_JOB_STATUS"}
    for metric in job_metrics.NOTICE_METRICS.values():
        assert f'"{metric}"' in body


def test_the_per_data_source_search_matches_the_emitted_dimension_names(
    runtime_metrics: set[MetricKey],
) -> None:
    per_source = {
        frozenset(name for name, _ in dims)
        for _, metric, dims in runtime_metrics
        if metric == "SyncJobsFailed" and len(dims) > 1
    }

    # The dashboard's SEARCH schema is {namespace, DataSourceKey, Service}.
    assert per_source == {frozenset({"DataSourceKey", "Service"})}
