"""Fan-out of a tick (the `fanOut` configuration): the FIFO queue the scheduled poller sends a
tick's batches to, its alarmed DLQ, and the poller's event source mapping on it.

The runtime side is sync_auditor/fanout*.py: one FIFO message group per shard, so SQS never
hands two batches of one shard to two invocations at once; MaximumConcurrency bounds the
consumers, each pacing itself at maxRequestsPerSecond / maxConcurrency per service.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config_fanout import FanOutConfig
from infra.config_schedule import rate_minutes
from infra.functions import failure_queue

# AWS's guidance for a Lambda event source: visibility at least six times the timeout, so a
# batch is not delivered again while its invocation (and Lambda's own retries) still run.
VISIBILITY_TIMEOUTS: Final = 6
# Deliveries of a failing batch before it is kept in the DLQ (alarmed at its first message).
MAX_RECEIVE_COUNT: Final = 3


class FanOut(Construct):
    """The queue, its DLQ, and the function's mapping on it; the function may send to it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        role: iam.IRole,
        timeout: Duration,
        schedule: str,
        config: FanOutConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = failure_queue(self, "DeadLetterQueue", fifo=True)
        self.queue = sqs.Queue(
            self,
            "Queue",
            fifo=True,
            # Batches carry data source ids and names, no job record: SQS-managed keys suffice.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUTS * timeout.to_seconds()),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
        )
        # The plan sends; the mapping's receive, delete, visibility and attributes are its own
        # grant (SqsEventSource adds them).
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn])
        )
        function.add_event_source(
            sources.SqsEventSource(
                self.queue,
                # One batch per invocation: its time budget is the whole invocation's.
                batch_size=1,
                max_concurrency=config.max_concurrency,
                report_batch_item_failures=True,
            )
        )
        interval = rate_minutes(schedule)
        for name, value in (
            ("FANOUT_QUEUE_URL", self.queue.queue_url),
            ("FANOUT_MAX_CONCURRENCY", str(config.max_concurrency)),
            ("FANOUT_SOURCES_PER_BATCH", str(config.sources_per_batch)),
            ("FANOUT_TICK_SECONDS", str(60 * interval if interval else 0)),
        ):
            function.add_environment(name, value)
