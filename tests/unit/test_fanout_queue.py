"""The fan-out queue adapter sends a tick's batches within SendMessageBatch's limits."""

from __future__ import annotations

import boto3
from moto import mock_aws

from devkit.esm import create_fanout_queues
from sync_auditor.adapters.fanout_queue import FanOutQueue
from sync_auditor.fanout import split
from sync_auditor.fanout_message import decode
from sync_auditor.model import DataSourceRef

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"


def test_a_tick_of_full_batches_is_sent_whole_and_received_once_each() -> None:
    # Given batches near the message limit (long names), more than one call's bytes together
    name = "n" * 1_000
    fleet = [
        DataSourceRef("kendra", INDEX, f"ds-{n:05d}", data_source_name=name, index_name=name)
        for n in range(2_000)
    ]
    batches = split(fleet, tick="T", shards=4, per_batch=1_000)
    assert len(batches) > 10
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url, _ = create_fanout_queues(sqs, "fanout", 3)
        queue = FanOutQueue(queue_url, client=lambda _: sqs)
        # When sent
        assert queue.send(batches) == len(batches)
        assert queue.waiting() == len(batches)
        # Then every data source arrives, in its batch
        received = []
        while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            for message in messages:
                received += decode(message["Body"]).sources
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert sorted(received) == sorted(fleet)
