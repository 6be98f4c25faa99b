"""The whole auditor on 127.0.0.1: moto (DynamoDB with streams, SNS, SQS) and the Kendra + Q Business
simulator, with the real handlers wired the way the stack wires them. No AWS account involved.

Used by the demo, the integration tests and the benchmark.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from devkit.lambda_context import LocalContext
from devkit.simulator import Simulator
from devkit.stream_pump import PumpReport, StreamPump
from devkit.tables import create_job_table, create_state_table
from sync_auditor.adapters import clients, job_logs
from sync_auditor.stream_filter import NOTICE_FILTER_PATTERNS, NOTIFIER_FILTER_PATTERNS

REGION = "us-east-1"
JOB_TABLE = "sync-auditor-jobs"
STATE_TABLE = "sync-auditor-state"
TOPIC = "sync-auditor-alerts"
ALERT_EMAIL = "search-oncall@example.com"

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_SERVICE_NAME": "sync-auditor",
    "POWERTOOLS_METRICS_NAMESPACE": "SyncAuditor",
}


@dataclass
class Loopback:
    moto_url: str
    simulator: Simulator
    stream_arn: str
    topic_arn: str
    queue_url: str
    env: dict[str, str]
    state_stream_arn: str = ""
    _pump: StreamPump | None = field(default=None, repr=False)
    _notice_pump: StreamPump | None = field(default=None, repr=False)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.moto_url)

    def configure(self, targets: dict[str, Any], **settings: Any) -> None:
        """Set the poller's and notifier's environment as the stack would."""
        os.environ["TARGETS"] = json.dumps(targets)
        for name, value in settings.items():
            os.environ[name] = str(value)
        _forget_cached_settings()

    def poll(self, timeout_seconds: float = 300.0) -> dict[str, Any]:
        """One schedule tick: invoke the real poller handler."""
        from sync_auditor.handlers import poller

        return poller.handler(
            {}, LocalContext(function_name="poller", timeout_seconds=timeout_seconds)
        )

    def sweep(self) -> dict[str, Any]:
        """One run of the outbox sweep: the notifier invoked as its schedule invokes it."""
        from sync_auditor.handlers import notifier
        from sync_auditor.settings import DELIVER_PENDING_EVENT

        return notifier.handler(  # type: ignore[no-any-return]
            dict(DELIVER_PENDING_EVENT), LocalContext(function_name="notifier")
        )

    def notify(self) -> PumpReport:
        """Deliver what the stream holds to the real notifier handler, as Lambda would."""
        from sync_auditor.handlers import notifier

        if self._pump is None:
            self._pump = StreamPump(
                self.client("dynamodbstreams"),
                self.stream_arn,
                notifier.handler,
                filter_patterns=NOTIFIER_FILTER_PATTERNS,
            )
        if self._notice_pump is None and self.state_stream_arn:
            # The stack's second event source: notices inserted into the state table.
            self._notice_pump = StreamPump(
                self.client("dynamodbstreams"),
                self.state_stream_arn,
                notifier.handler,
                filter_patterns=NOTICE_FILTER_PATTERNS,
            )
        report = self._pump.drain()
        if self._notice_pump is not None:
            notices = self._notice_pump.drain()
            report.delivered += notices.delivered
            report.invocations += notices.invocations
            report.filtered_out += notices.filtered_out
            report.failed_to_destination += notices.failed_to_destination
        return report

    def stream_records(self) -> list[dict[str, Any]]:
        """Every record on the job table's stream so far, as Lambda hands them to the handler."""
        reader = StreamPump(self.client("dynamodbstreams"), self.stream_arn, lambda e, c: None)
        return [{**r, "eventSourceARN": self.stream_arn} for r in reader.read_new_records()]

    def received_alerts(self) -> list[dict[str, Any]]:
        """Every SNS notification the SQS subscriber received since the last call (SNS envelope)."""
        sqs = self.client("sqs")
        alerts = []
        while True:
            response = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = response.get("Messages", [])
            if not messages:
                return alerts
            for message in messages:
                alerts.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def published(self) -> list[dict[str, Any]]:
        """What was published to the topic, per protocol, as moto's SNS recorded it (the email and
        Slack subscribers' view; moto records but does not send those deliveries)."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns import sns_backends

        topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[self.topic_arn]
        return [
            {
                "messageId": message_id,
                "subject": subject,
                "message": message,
                "attributes": attributes,
            }
            for message_id, message, subject, attributes, _group in topic.sent_notifications
        ]

    def job_records(self) -> list[dict[str, Any]]:
        from sync_auditor.adapters.job_table import from_item

        paginator = self.client("dynamodb").get_paginator("scan")
        return [
            from_item(item)
            for page in paginator.paginate(TableName=JOB_TABLE)
            for item in page["Items"]
        ]


def _forget_cached_settings() -> None:
    from sync_auditor.handlers import notifier, poller

    for module in (poller, notifier):
        cached = getattr(module, "_settings", None)
        if cached is not None and hasattr(cached, "cache_clear"):
            cached.cache_clear()


@contextmanager
def loopback(simulator_seed: int = 0) -> Iterator[Loopback]:
    """Start moto and the simulator on 127.0.0.1, create the stack's resources, set the environment;
    everything is stopped and the environment restored on exit."""
    saved = dict(os.environ)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    # moto's backends live in this process, not in the server: start from an empty account.
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"))  # noqa: S310
    simulator = Simulator(seed=simulator_seed)
    simulator.start()
    try:
        env = {
            **FAKE_CREDENTIALS,
            "AWS_ENDPOINT_URL": moto_url,
            "AWS_ENDPOINT_URL_KENDRA": simulator.url,
            "AWS_ENDPOINT_URL_BEDROCK_AGENT": simulator.url,
            "AWS_ENDPOINT_URL_QBUSINESS": simulator.url,
            "JOB_TABLE_NAME": JOB_TABLE,
            "STATE_TABLE_NAME": STATE_TABLE,
        }
        os.environ.update(env)
        clients.reset()
        job_logs.logs_client.cache_clear()
        dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_url)
        stream_arn = create_job_table(dynamodb, JOB_TABLE)
        state_stream_arn = create_state_table(dynamodb, STATE_TABLE)
        sns = boto3.client("sns", region_name=REGION, endpoint_url=moto_url)
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=moto_url)
        topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
        queue_url = sqs.create_queue(QueueName="alert-subscriber")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        sns.subscribe(TopicArn=topic_arn, Protocol="email", Endpoint=ALERT_EMAIL)
        os.environ["ALERT_TOPIC_ARN"] = topic_arn
        env["ALERT_TOPIC_ARN"] = topic_arn
        _forget_cached_settings()
        yield Loopback(moto_url, simulator, stream_arn, topic_arn, queue_url, env, state_stream_arn)
    finally:
        simulator.stop()
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        clients.reset()
        job_logs.logs_client.cache_clear()
        _forget_cached_settings()
