"""From stream record to actions: which changes alert, which emit metrics, and what runs once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from botocore.exceptions import ClientError

from sync_auditor import notify
from sync_auditor.alert_message import AlertMessage
from sync_auditor.job_metrics import MetricSet
from sync_auditor.settings import NotifierSettings
from tests.unit.fakes import FakeOutbox
from tests.unit.notifier_builders import (
    KENDRA_KEY,
    QB_KEY,
    insert,
    kendra_job,
    modify,
    qbusiness_job,
    remove,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:sync-alerts"
SETTINGS = NotifierSettings(topic_arn=TOPIC, state_table="state")


class Recorder:
    """Stands in for SNS, the metric emitter and the outbox, and remembers."""

    def __init__(self, fail_publish: bool = False) -> None:
        self.fail_publish = fail_publish
        self.published: list[tuple[str, AlertMessage]] = []
        self.metric_sets: list[MetricSet] = []
        self.outbox = FakeOutbox()

    @property
    def done(self) -> dict[str, Any]:
        """Outbox entries by effect id."""
        return dict(self.outbox.entries)

    def publish(self, topic_arn: str, message: AlertMessage) -> str:
        if self.fail_publish:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "Publish")
        self.published.append((topic_arn, message))
        return f"message-{len(self.published)}"

    def emit(self, metric_sets: Any) -> None:
        self.metric_sets.extend(metric_sets)

    def process(self, raw: dict[str, Any], settings: NotifierSettings = SETTINGS):
        return notify.process_record(
            DynamoDBRecord(raw),
            settings,
            publish=self.publish,
            emit_metrics=self.emit,
            store=self.outbox,
        )

    @property
    def metric_names(self) -> list[str]:
        return [m.name for s in self.metric_sets for m in s.metrics]

    @property
    def alert_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(json.loads(m.message)["sqs"]) for _, m in self.published]


def test_a_change_into_failed_publishes_one_alert_and_emits_metrics() -> None:
    # Given a running Kendra job that turned FAILED
    sns = Recorder()
    record = modify(kendra_job(status="SYNCING"), kendra_job(status="FAILED"))
    # When the record is processed
    result = sns.process(record)
    # Then one alert went to the topic, saying what changed
    assert result == {
        "alerted": True,
        "delivery": "sent",
        "messageId": "message-1",
        "metricSets": 2,
    }
    ((topic, message),) = sns.published
    assert topic == TOPIC
    assert message.subject == "Amazon Kendra sync FAILED: Public docs crawler"
    assert message.attributes["dataSourceKey"] == KENDRA_KEY
    (body,) = sns.alert_bodies
    assert (body["status"], body["previousStatus"]) == ("FAILED", "SYNCING")
    # And the job's metrics and the alert count were emitted
    assert "SyncJobsFailed" in sns.metric_names
    assert "AlertsPublished" in sns.metric_names


def test_a_job_first_seen_already_failed_alerts() -> None:
    sns = Recorder()
    sns.process(insert(kendra_job(status="FAILED")))
    (body,) = sns.alert_bodies
    assert (body["status"], body["previousStatus"]) == ("FAILED", None)


def test_incomplete_alerts() -> None:
    sns = Recorder()
    sns.process(modify(qbusiness_job(status="SYNCING"), qbusiness_job(status="INCOMPLETE")))
    assert [m.attributes["status"] for _, m in sns.published] == ["INCOMPLETE"]
    assert sns.published[0][1].attributes["dataSourceKey"] == QB_KEY
    assert "SyncJobsIncomplete" in sns.metric_names


def test_succeeded_emits_metrics_without_an_alert() -> None:
    sns = Recorder()
    result = sns.process(modify(kendra_job(status="SYNCING"), kendra_job(status="SUCCEEDED")))
    assert sns.published == []
    assert result == {
        "alerted": False,
        "delivery": "recorded",
        "messageId": None,
        "metricSets": 1,
    }
    assert "SyncJobsSucceeded" in sns.metric_names
    assert "AlertsPublished" not in sns.metric_names


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(
            modify(kendra_job(status="FAILED"), kendra_job(status="FAILED", revision=3)),
            id="status unchanged",
        ),
        pytest.param(insert(kendra_job(status="FAILED", backfilled=True)), id="backfilled"),
        pytest.param(
            modify(
                kendra_job(status="SYNCING", backfilled=True),
                kendra_job(status="FAILED", backfilled=True),
            ),
            id="backfilled, later modified",
        ),
        pytest.param(remove(kendra_job(status="FAILED")), id="remove"),
        pytest.param(insert(kendra_job(status="SYNCING")), id="open status"),
        pytest.param(
            modify(kendra_job(status="SYNCING"), kendra_job(status="SYNCING_INDEXING")),
            id="open to open",
        ),
    ],
)
def test_records_that_change_nothing_do_nothing(record: dict[str, Any]) -> None:
    # Given a record that is not a change into a status worth acting on
    sns = Recorder()
    # When it is processed
    result = sns.process(record)
    # Then nothing is published or emitted, and the outbox is not even asked
    assert result is None
    assert (sns.published, sns.metric_sets, sns.done) == ([], [], {})


def test_configured_alert_statuses_decide_what_alerts() -> None:
    # Given alerts configured for ABORTED only
    settings = NotifierSettings(
        topic_arn=TOPIC, state_table="s", alert_statuses=frozenset({"ABORTED"})
    )
    sns = Recorder()
    # When a job fails and another is aborted
    sns.process(insert(kendra_job(status="FAILED")), settings)
    sns.process(insert(kendra_job(status="ABORTED", executionId="exec-2")), settings)
    # Then only the aborted one alerts, and both are counted
    assert [m.attributes["status"] for _, m in sns.published] == ["ABORTED"]
    assert {"SyncJobsFailed", "SyncJobsAborted"} <= set(sns.metric_names)


def test_a_redelivered_record_publishes_once() -> None:
    # Given the same stream record delivered twice (a retried batch)
    sns = Recorder()
    record = modify(kendra_job(status="SYNCING"), kendra_job(status="FAILED"))
    # When both deliveries are processed
    first = sns.process(record)
    second = sns.process(record)
    # Then one alert went out, and the second delivery found it recorded and did nothing
    assert len(sns.published) == 1
    assert first["delivery"] == "sent" and second["delivery"] == "duplicate"
    assert sns.metric_names.count("SyncJobsFailed") == 1


def test_a_refused_publish_leaves_the_alert_pending_and_counts_the_job_once() -> None:
    # Given SNS refusing the publish
    sns = Recorder(fail_publish=True)
    record = modify(kendra_job(status="SYNCING"), kendra_job(status="FAILED"))
    # When the record is processed, and processed again (a redelivery)
    first = sns.process(record)
    sns.process(record)
    # Then the record is done (no stream retry), the alert waits in the outbox, and the job's
    # metrics were emitted once; no alert was counted as published
    assert first is not None and first["delivery"] == "pending"
    (entry,) = sns.done.values()
    assert entry.pending and entry.last_error_code == "InternalError"
    assert entry.message is not None and entry.message.attributes["status"] == "FAILED"
    assert sns.metric_names.count("SyncJobsFailed") == 1
    assert "AlertsPublished" not in sns.metric_names


def test_a_status_the_job_was_in_before_is_not_announced_again() -> None:
    # Given an execution the API reported FAILED, then SUCCEEDED, then FAILED again
    sns = Recorder()
    history = [
        {"status": s, "observedAt": f"2026-11-22T11:0{n}:00Z"}
        for n, s in enumerate(["SYNCING", "FAILED", "SUCCEEDED", "FAILED"])
    ]
    flipped = modify(
        kendra_job(status="SUCCEEDED", statusHistory=history[:3]),
        kendra_job(status="FAILED", statusHistory=history),
    )
    # When the flip back is processed
    result = sns.process(flipped)
    # Then nothing is announced or counted: the FAILED alert went out the first time
    assert result is None
    assert (sns.published, sns.metric_sets) == ([], [])


def test_metrics_follow_the_per_data_source_setting() -> None:
    settings = NotifierSettings(topic_arn=TOPIC, state_table="s", per_data_source_metrics=True)
    sns = Recorder()
    sns.process(modify(kendra_job(status="SYNCING"), kendra_job(status="FAILED")), settings)
    per_source = [s for s in sns.metric_sets if "DataSourceKey" in s.dimension_sets[0]]
    (by_source,) = per_source
    assert by_source.dimension_sets == ({"Service": "kendra", "DataSourceKey": KENDRA_KEY},)
    assert [m.name for m in by_source.metrics] == ["SyncJobsFailed"]
    assert all(len(s.dimension_sets) == 1 for s in sns.metric_sets)


@pytest.mark.parametrize(
    "job",
    [
        pytest.param(kendra_job(service="opensearch"), id="unknown service"),
        pytest.param(kendra_job(service="qbusiness"), id="service disagrees with key"),
        pytest.param(kendra_job(dataSourceKey="kendra#only-index"), id="malformed key"),
    ],
)
def test_records_off_contract_fail_instead_of_alerting(job: dict[str, Any]) -> None:
    sns = Recorder()
    with pytest.raises(ValueError):
        sns.process(insert(job))
    assert sns.published == []


def test_a_record_without_a_status_fails() -> None:
    record = insert(kendra_job())
    del record["dynamodb"]["NewImage"]["status"]
    with pytest.raises(ValueError, match="no NewImage status"):
        Recorder().process(record)
