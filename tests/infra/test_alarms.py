"""The alarms: what each watches, when it fires, what it says, and whom it notifies.

One failure, one message per subscriber: no alarm ever notifies the alert topic, job-event
alarms notify nobody, and health alarms notify the alarm topic (ALARM and OK).
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Synth, render

pytestmark = pytest.mark.slow

ALL_SYNTHS = ["example", "variant", "healing", "alarms"]
JOB_EVENT_METRICS = ("SyncJobsFailed", "SyncJobsIncomplete", "SyncJobsStuck", "DataSourcesSilent")
DEPLOYMENT_HEALTH = (
    "poller-Heartbeat",
    "DataSourcesDeferred",
    "poller-Duration",
    "poller-Errors",
    "poller-Throttles",
    "notifier-Errors",
    "notifier-Throttles",
    "schedule-dlq-Depth",
    "sweep-dlq-Depth",
    "notifier-failures-Depth",
    "notifier-IteratorAge",
    "PendingAlerts",
    "alert-topic-DeliveryFailures",
)
ACTION_KEYS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def alarms_by_name(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"].removeprefix("SyncAuditor-"): a["Properties"]
        for a in synth.resources("AWS::CloudWatch::Alarm").values()
    }


def job_event_alarms(synth: Synth) -> set[str]:
    """Per audited service; the retry alarm only where self-healing is on."""
    config = synth.config
    metrics = JOB_EVENT_METRICS + (("SyncRetriesSkipped",) if config.self_healing_enabled else ())
    return {f"{service}-{metric}" for service in config.services for metric in metrics}


def health_alarms(synth: Synth) -> set[str]:
    return set(DEPLOYMENT_HEALTH) | {f"{s}-PollErrors" for s in synth.config.services}


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics a metric-math alarm reads (MetricStat of each input)."""
    return [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]


def expression(alarm: dict[str, Any]) -> str:
    (math,) = [m for m in alarm["Metrics"] if "Expression" in m]
    assert math["ReturnData"] is not False
    return str(math["Expression"])


# --- routing --------------------------------------------------------------------------------


@pytest.mark.parametrize("synth_name", ALL_SYNTHS)
def test_no_alarm_ever_notifies_the_alert_topic(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    alert_topic = {"Ref": synth.logical_id(synth.stack.alerts.topic)}

    for name, alarm in alarms_by_name(synth).items():
        for key in ACTION_KEYS:
            assert alert_topic not in alarm.get(key, []), (name, key)


@pytest.mark.parametrize("synth_name", ALL_SYNTHS)
def test_every_alarm_is_either_a_job_event_alarm_or_a_health_alarm(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    assert set(alarms_by_name(synth)) == job_event_alarms(synth) | health_alarms(synth)
    assert not job_event_alarms(synth) & health_alarms(synth)


@pytest.mark.parametrize("synth_name", ["example", "healing", "alarms"])
def test_job_event_alarms_notify_nobody(request: pytest.FixtureRequest, synth_name: str) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    alarms = alarms_by_name(synth)

    assert job_event_alarms(synth)
    for name in job_event_alarms(synth):
        assert not [key for key in ACTION_KEYS if key in alarms[name]], name
        assert (
            "State only, notifies nobody: each one already got its own alert"
            in (alarms[name]["AlarmDescription"])
        )


@pytest.mark.parametrize("synth_name", ALL_SYNTHS)
def test_health_alarms_notify_the_alarm_topic_on_alarm_and_ok(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    alarm_topic = [{"Ref": synth.logical_id(synth.stack.alerts.alarm_topic)}]
    alarms = alarms_by_name(synth)

    for name in health_alarms(synth):
        assert alarms[name]["AlarmActions"] == alarms[name]["OKActions"] == alarm_topic, name
        assert "InsufficientDataActions" not in alarms[name]


@pytest.mark.parametrize("synth_name", ALL_SYNTHS)
def test_every_description_says_what_the_alarm_means_and_what_to_do(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    for name, alarm in alarms_by_name(synth).items():
        meaning, _, runbook = alarm["AlarmDescription"].partition(". Runbook: ")
        assert meaning.startswith("sync-auditor: ") and len(meaning) > 40, name
        assert runbook.endswith(".") and len(runbook) > 20, name
        assert len(alarm["AlarmDescription"]) <= 1024


@pytest.mark.parametrize("synth_name", ALL_SYNTHS)
def test_every_alarm_window_is_within_cloudwatchs_limits(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    for name, alarm in alarms_by_name(synth).items():
        periods = (
            [alarm["Period"]] if "Period" in alarm else [m["Period"] for m in metric_stats(alarm)]
        )
        for period in periods:
            window = period * alarm["EvaluationPeriods"]
            assert period % 60 == 0, name
            assert window <= (86_400 if period < 3600 else 604_800), name
        assert alarm.get("DatapointsToAlarm", 1) <= alarm["EvaluationPeriods"]


# --- a dead auditor is never silent ---------------------------------------------------------


@pytest.mark.parametrize(
    ("synth_name", "window_minutes", "services"),
    [
        ("example", 15, ["kendra", "qbusiness"]),  # rate(5 minutes): three intervals
        ("variant", 1440, ["kendra", "qbusiness"]),  # a cron: a day by default
        ("alarms", 90, ["kendra"]),  # a cron with heartbeatMinutes: 90
    ],
)
def test_the_heartbeat_fires_when_no_poll_completed_in_its_window_and_on_missing_data(
    request: pytest.FixtureRequest, synth_name: str, window_minutes: int, services: list[str]
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    namespace = synth.config.metrics_namespace

    alarm = alarms_by_name(synth)["poller-Heartbeat"]

    # One alarm for the deployment: the services' TicksCompleted summed (one service: itself)
    ids = [f"ticksCompleted_{s}" for s in services]
    assert expression(alarm) == (ids[0] if len(ids) == 1 else f"SUM([{', '.join(ids)}])")
    assert [
        (m["Metric"]["Namespace"], m["Metric"]["MetricName"], m["Metric"]["Dimensions"], m["Stat"], m["Period"])
        for m in metric_stats(alarm)
    ] == [
        (namespace, "TicksCompleted", [{"Name": "Service", "Value": s}], "Sum", window_minutes * 60)
        for s in services
    ]  # fmt: skip
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert alarm["EvaluationPeriods"] == 1
    # When every input is missing the expression is missing too: that is ALARM
    assert alarm["TreatMissingData"] == "breaching"
    assert f"no poll completed in the last {window_minutes} minutes" in alarm["AlarmDescription"]


def test_pending_alerts_alarm_after_ten_minutes_or_when_the_sweep_stops_reporting(
    example: Synth,
) -> None:
    alarm = alarms_by_name(example)["PendingAlerts"]

    assert expression(alarm) == (
        "MAX([oldestPendingAlertSeconds_kendra, oldestPendingAlertSeconds_qbusiness])"
    )
    assert {
        (m["Metric"]["MetricName"], m["Metric"]["Dimensions"][0]["Value"], m["Stat"], m["Period"])
        for m in metric_stats(alarm)
    } == {
        ("OldestPendingAlertSeconds", "kendra", "Maximum", 600),
        ("OldestPendingAlertSeconds", "qbusiness", "Maximum", 600),
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        600,
    )
    # The sweep runs every 5 minutes and always reports: two runs fit one period, and a
    # period without data means the sweep stopped
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["TreatMissingData"] == "breaching"


@pytest.mark.parametrize(
    ("synth_name", "tick_seconds"),
    [("example", 300), ("variant", 480 * 60), ("alarms", 30 * 60)],
)
def test_data_sources_deferred_three_poll_intervals_in_a_row_alarm_once_for_all_services(
    request: pytest.FixtureRequest, synth_name: str, tick_seconds: int
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    alarm = alarms_by_name(synth)["DataSourcesDeferred"]

    assert expression(alarm) in (
        "SUM([dataSourcesDeferred_kendra, dataSourcesDeferred_qbusiness])",
        "dataSourcesDeferred_kendra",
    )
    assert {(m["Metric"]["MetricName"], m["Stat"], m["Period"]) for m in metric_stats(alarm)} == {
        ("DataSourcesDeferred", "Sum", tick_seconds)
    }
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        1,
    )
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 3)
    assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize(("synth_name", "tick_seconds"), [("example", 300), ("alarms", 1800)])
def test_a_poller_running_near_its_timeout_alarms(
    request: pytest.FixtureRequest, synth_name: str, tick_seconds: int
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    function = {"Ref": synth.logical_id(synth.stack.poller.function)}

    alarm = alarms_by_name(synth)["poller-Duration"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "Duration")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function}]
    assert (alarm["Statistic"], alarm["Period"]) == ("Maximum", tick_seconds)
    # 80% of the 5-minute timeout, in milliseconds; the poll itself stops 20 s before it
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "GreaterThanOrEqualToThreshold",
        240_000,
    )
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 2)
    assert alarm["TreatMissingData"] == "notBreaching"


def test_failed_sns_deliveries_of_alerts_alarm(example: Synth) -> None:
    topic_id = example.logical_id(example.stack.alerts.topic)

    alarm = alarms_by_name(example)["alert-topic-DeliveryFailures"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SNS", "NumberOfNotificationsFailed")
    assert alarm["Dimensions"] == [
        {"Name": "TopicName", "Value": {"Fn::GetAtt": [topic_id, "TopicName"]}}
    ]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"


# --- the other alarms -----------------------------------------------------------------------


@pytest.mark.parametrize("service", ["kendra", "qbusiness"])
def test_job_events_and_poll_errors_alarm_per_service_on_the_emf_metrics(
    example: Synth, service: str
) -> None:
    alarms = alarms_by_name(example)

    for metric in (*JOB_EVENT_METRICS, "PollErrors"):
        alarm = alarms[f"{service}-{metric}"]
        assert alarm["Namespace"] == "SyncAuditor"
        assert alarm["MetricName"] == metric
        assert alarm["Dimensions"] == [{"Name": "Service", "Value": service}]
        assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize("function", ["poller", "notifier"])
def test_function_errors_and_throttles_alarm(example: Synth, function: str) -> None:
    alarms = alarms_by_name(example)
    function_ref = {"Ref": example.logical_id(getattr(example.stack, function).function)}

    for metric in ("Errors", "Throttles"):
        alarm = alarms[f"{function}-{metric}"]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", metric)
        assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": function_ref}]
        assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 1)
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


@pytest.mark.parametrize(
    ("alarm_name", "queue"),
    [("schedule-dlq-Depth", "poller.dead_letter_queue"), ("sweep-dlq-Depth", "notifier.sweep.dead_letter_queue"), ("notifier-failures-Depth", "notifier.failure_queue")],
)  # fmt: skip
def test_any_message_in_a_dead_letter_queue_alarms(
    example: Synth, alarm_name: str, queue: str
) -> None:
    construct: Any = example.stack
    for attribute in queue.split("."):
        construct = getattr(construct, attribute)

    alarm = alarms_by_name(example)[alarm_name]

    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [example.logical_id(construct), "QueueName"]}}
    ]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_a_notifier_falling_behind_the_stream_alarms(example: Synth) -> None:
    alarm = alarms_by_name(example)["notifier-IteratorAge"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Lambda", "IteratorAge")
    assert alarm["Dimensions"] == [
        {
            "Name": "FunctionName",
            "Value": {"Ref": example.logical_id(example.stack.notifier.function)},
        }
    ]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Maximum", 600_000)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == 2


@pytest.mark.parametrize("service", ["kendra", "qbusiness"])
def test_a_failure_self_healing_could_not_retry_is_state_per_service(
    healing: Synth, service: str
) -> None:
    alarm = alarms_by_name(healing)[f"{service}-SyncRetriesSkipped"]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("SyncAuditor", "SyncRetriesSkipped")
    assert alarm["Dimensions"] == [{"Name": "Service", "Value": service}]
    assert (alarm["Statistic"], alarm["Period"], alarm["Threshold"]) == ("Sum", 300, 1)
    assert alarm["TreatMissingData"] == "notBreaching"
    assert not [key for key in ACTION_KEYS if key in alarm]
    assert alarm["AlarmDescription"].startswith(
        f"sync-auditor: {service} failed sync jobs that self-healing could not retry "
        "(retry quota reached or start refused). State only"
    )


@pytest.mark.parametrize("synth_name", ["example", "variant", "alarms"])
def test_without_self_healing_there_is_no_retry_alarm(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    assert not [name for name in alarms_by_name(synth) if "Retries" in name]


def test_alarms_follow_the_configured_namespace_and_services(
    example: Synth, variant: Synth, healing: Synth, alarms: Synth
) -> None:
    # per service: 4 job-event alarms and PollErrors; for the deployment: the 13 health ones
    assert len(alarms_by_name(example)) == 2 * (4 + 1) + 13
    assert len(alarms_by_name(alarms)) == 1 * (4 + 1) + 13
    assert set(alarms_by_name(healing)) - set(alarms_by_name(example)) == {
        "kendra-SyncRetriesSkipped",
        "qbusiness-SyncRetriesSkipped",
    }
    for alarm in alarms_by_name(variant).values():
        namespaces = (
            {m["Metric"]["Namespace"] for m in metric_stats(alarm)}
            if "Metrics" in alarm
            else {alarm["Namespace"]}
        )
        assert namespaces <= {"Search/SyncAudit", "AWS/Lambda", "AWS/SQS", "AWS/SNS"}
    assert not [
        name for name, alarm in alarms_by_name(alarms).items() if "qbusiness" in str(render(alarm))
    ]
