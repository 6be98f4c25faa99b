"""The real notifier handler against moto: the job table's own stream in, SNS to SQS out, the
outbox in the state table. One alert per change, even when batches come again or SNS refuses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from moto import mock_aws

from devkit.tables import create_job_table, create_state_table
from sync_auditor.adapters import clients
from sync_auditor.handlers import notifier
from sync_auditor.observability import metrics
from sync_auditor.settings import DELIVER_PENDING_EVENT
from tests.unit.notifier_builders import (
    KENDRA_KEY,
    QB_KEY,
    FakeLambdaContext,
    emitted_metrics,
    kendra_job,
    qbusiness_job,
)

REGION = "us-east-1"
JOB_TABLE = "sync-auditor-jobs"
STATE_TABLE = "sync-auditor-state"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
_serializer = TypeSerializer()


@dataclass
class World:
    """moto's DynamoDB (with the job table's stream), SNS with an SQS subscriber, and the state
    table; and the notifier wired to them through its environment, as the stack wires it."""

    stream_arn: str
    queue_url: str
    _read_up_to: dict[str, str] = field(default_factory=dict)

    def write(self, job: dict[str, Any]) -> None:
        """Write a job record as the poller would (a whole item: INSERT or MODIFY)."""
        item = {name: _serializer.serialize(value) for name, value in job.items()}
        boto3.client("dynamodb").put_item(TableName=JOB_TABLE, Item=item)

    def stream_batch(self) -> dict[str, Any]:
        """The stream records written since the last call, as Lambda hands them to the handler."""
        streams = boto3.client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        records = []
        for shard in shards:
            shard_id = shard["ShardId"]
            after = self._read_up_to.get(shard_id)
            iterator = streams.get_shard_iterator(
                StreamArn=self.stream_arn,
                ShardId=shard_id,
                **(
                    {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                    if after
                    else {"ShardIteratorType": "TRIM_HORIZON"}
                ),
            )["ShardIterator"]
            for record in streams.get_records(ShardIterator=iterator)["Records"]:
                stream = dict(record["dynamodb"])
                # boto3 parses the timestamp; Lambda sends epoch seconds.
                stream["ApproximateCreationDateTime"] = stream[
                    "ApproximateCreationDateTime"
                ].timestamp()
                records.append({**record, "dynamodb": stream, "eventSourceARN": self.stream_arn})
                self._read_up_to[shard_id] = stream["SequenceNumber"]
        return {"Records": records}

    def alerts(self) -> list[dict[str, Any]]:
        """What the SQS subscriber received since the last call (SNS envelopes, oldest first)."""
        sqs = boto3.client("sqs")
        received = []
        while messages := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return received

    def outbox_entries(self) -> list[dict[str, Any]]:
        return boto3.client("dynamodb").scan(TableName=STATE_TABLE)["Items"]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name, value in FAKE_AWS.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        clients.reset()
        notifier._settings.cache_clear()
        metrics.clear_metrics()
        dynamodb = boto3.client("dynamodb")
        stream_arn = create_job_table(dynamodb, JOB_TABLE)
        create_state_table(dynamodb, STATE_TABLE)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic_arn = sns.create_topic(Name="sync-auditor-alerts")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alert-subscriber")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("ALERT_TOPIC_ARN", topic_arn)
        monkeypatch.setenv("STATE_TABLE_NAME", STATE_TABLE)
        yield World(stream_arn, queue_url)
        notifier._settings.cache_clear()
        clients.reset()


def invoke(batch: dict[str, Any]) -> dict[str, Any]:
    return dict(notifier.handler(batch, FakeLambdaContext()))


def sequence_of(batch: dict[str, Any], data_source_key: str) -> str:
    (record,) = [
        r
        for r in batch["Records"]
        if r["dynamodb"]["Keys"]["dataSourceKey"]["S"] == data_source_key
    ]
    return str(record["dynamodb"]["SequenceNumber"])


class SnsOutage:
    """Makes SNS refuse the publishes of one data source, the way a failing publish surfaces."""

    def __init__(self, data_source_key: str) -> None:
        self.data_source_key = data_source_key
        self.refused = 0

    def __enter__(self) -> SnsOutage:
        clients.client("sns").meta.events.register("provide-client-params.sns.Publish", self._hook)
        return self

    def __exit__(self, *_: object) -> None:
        clients.client("sns").meta.events.unregister(
            "provide-client-params.sns.Publish", self._hook
        )

    def _hook(self, params: dict[str, Any], **_: Any) -> None:
        if params["MessageAttributes"]["dataSourceKey"]["StringValue"] == self.data_source_key:
            self.refused += 1
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "SNS is having a bad day"}},
                "Publish",
            )


def test_one_alert_per_change_into_an_alert_status(world: World, capsys) -> None:
    # Given jobs that start, and then a Kendra failure, a Q Business incomplete, a success,
    # and a progress update that keeps the status
    world.write(kendra_job(status="SYNCING"))
    world.write(qbusiness_job(status="SYNCING"))
    world.write(kendra_job(status="SUCCEEDED", executionId="exec-ok"))
    world.write(kendra_job(status="FAILED"))
    world.write(qbusiness_job(status="INCOMPLETE"))
    world.write(qbusiness_job(status="INCOMPLETE", documentsScanned=121))
    # When the stream's records reach the notifier in one batch
    response = invoke(world.stream_batch())
    # Then every record succeeded and the subscriber got exactly the two alerts
    assert response == {"batchItemFailures": []}
    alerts = world.alerts()
    assert sorted(a["MessageAttributes"]["status"]["Value"] for a in alerts) == [
        "FAILED",
        "INCOMPLETE",
    ]
    # And each carries the machine body (the "sqs" protocol key), the subject and the attributes
    by_key = {a["MessageAttributes"]["dataSourceKey"]["Value"]: a for a in alerts}
    kendra, qbusiness = by_key[KENDRA_KEY], by_key[QB_KEY]
    assert kendra["Subject"] == "Amazon Kendra sync FAILED: Public docs crawler"
    assert kendra["MessageAttributes"]["alertType"]["Value"] == "SYNC_JOB_STATUS"
    body = json.loads(kendra["Message"])
    assert (body["status"], body["previousStatus"], body["errorCode"]) == (
        "FAILED",
        "SYNCING",
        "InternalError",
    )
    assert json.loads(qbusiness["Message"])["applicationName"] == "HR assistant"
    # And the job metrics came out once per terminal change, per service
    emitted = emitted_metrics(capsys.readouterr().out)
    counts = sorted(
        (m.name, m.dimension_values["Service"]) for m in emitted if m.name.startswith("SyncJobs")
    )
    assert counts == [
        ("SyncJobsFailed", "kendra"),
        ("SyncJobsIncomplete", "qbusiness"),
        ("SyncJobsSucceeded", "kendra"),
    ]
    published = sorted(
        m.dimension_values["Service"] for m in emitted if m.name == "AlertsPublished"
    )
    assert published == ["kendra", "qbusiness"]


def test_a_redelivered_batch_publishes_nothing_new(world: World, capsys) -> None:
    # Given a batch with two alerting changes, already handled once
    world.write(kendra_job(status="FAILED"))
    world.write(qbusiness_job(status="INCOMPLETE"))
    batch = world.stream_batch()
    invoke(batch)
    assert len(world.alerts()) == 2
    capsys.readouterr()
    # When Lambda delivers the same batch again
    response = invoke(batch)
    # Then it succeeds without publishing or counting anything again
    assert response == {"batchItemFailures": []}
    assert world.alerts() == []
    assert emitted_metrics(capsys.readouterr().out) == []
    # And the outbox remembers each alert, as sent, for a week, under what it announced
    entries = world.outbox_entries()
    assert sorted(entry["id"]["S"] for entry in entries) == [
        f"outbox#SYNC_JOB_STATUS#{KENDRA_KEY}#exec-1#FAILED",
        f"outbox#SYNC_JOB_STATUS#{QB_KEY}#exec-1#INCOMPLETE",
    ]
    for entry in entries:
        assert "pendingAlert" not in entry and entry["messageId"]["S"]
        ttl = int(entry["expiration"]["N"]) - time.time()
        assert 6.9 * 86_400 < ttl <= 7 * 86_400


def test_an_sns_failure_leaves_that_alert_pending_and_the_sweep_publishes_it_once(
    world: World, capsys
) -> None:
    # Given a batch with a Kendra failure and a Q Business incomplete
    world.write(kendra_job(status="FAILED"))
    world.write(qbusiness_job(status="INCOMPLETE"))
    batch = world.stream_batch()
    # When SNS refuses the Kendra alert
    with SnsOutage(KENDRA_KEY) as outage:
        response = invoke(batch)
        during = invoke(dict(DELIVER_PENDING_EVENT))
    # Then no record failed (the stream moves on), the other alert went out, both jobs counted
    assert outage.refused == 2
    assert response == {"batchItemFailures": []}
    assert [a["MessageAttributes"]["dataSourceKey"]["Value"] for a in world.alerts()] == [QB_KEY]
    emitted = emitted_metrics(capsys.readouterr().out)
    assert sorted(m.name for m in emitted if m.name.startswith("SyncJobs")) == [
        "SyncJobsFailed",
        "SyncJobsIncomplete",
    ]
    # and the sweep during the outage reports it pending, per audited service, zeros included
    assert during == {"sent": 0, "failed": 1, "pending": {"kendra": 1}}
    pending = {
        (m.name, m.dimension_values["Service"]): m.value
        for m in emitted
        if m.name in ("AlertsPending", "OldestPendingAlertSeconds")
    }
    assert pending[("AlertsPending", "kendra")] == 1.0
    assert pending[("AlertsPending", "qbusiness")] == 0.0
    assert pending[("OldestPendingAlertSeconds", "kendra")] >= 0.0
    # When the sweep runs once SNS is back
    assert invoke(dict(DELIVER_PENDING_EVENT)) == {"sent": 1, "failed": 0, "pending": {}}
    # Then the Kendra alert goes out exactly once, and its job is not counted again
    assert [a["MessageAttributes"]["dataSourceKey"]["Value"] for a in world.alerts()] == [
        KENDRA_KEY
    ]
    emitted = emitted_metrics(capsys.readouterr().out)
    assert [m.name for m in emitted if m.name.startswith("SyncJobs")] == []
    assert [m.dimension_values["Service"] for m in emitted if m.name == "AlertsPublished"] == [
        "kendra"
    ]
    # And a redelivery of the batch, or another sweep, publishes nothing
    invoke(batch)
    invoke(dict(DELIVER_PENDING_EVENT))
    assert world.alerts() == []


def test_backfilled_history_and_removals_never_alert(world: World) -> None:
    # Given history recorded by the first deploy's backfill, and a record later removed
    world.write(kendra_job(status="FAILED", backfilled=True))
    world.write(qbusiness_job(status="INCOMPLETE", backfilled=True))
    boto3.client("dynamodb").delete_item(
        TableName=JOB_TABLE,
        Key={"dataSourceKey": {"S": KENDRA_KEY}, "executionId": {"S": "exec-1"}},
    )
    # When the stream reaches the notifier
    response = invoke(world.stream_batch())
    # Then nothing is published and nothing is remembered
    assert response == {"batchItemFailures": []}
    assert world.alerts() == []
    assert world.outbox_entries() == []
