"""The `fanOut` configuration: its validation, and the queue, DLQ, alarm, mapping and grant
it adds to the stack (nothing without it)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import app as cdk_app
from infra.config import ConfigError, load_config
from infra.config_fanout import FanOutConfig
from sync_auditor.fanout import FanOutSettings
from tests.infra.conftest import Synth, synthesize
from tests.infra.test_alarms import alarms_by_name
from tests.infra.test_stack import as_deployed, environment_of

CONCURRENCY = 10


@pytest.fixture(scope="module")
def fanned(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    config: dict[str, Any] = copy.deepcopy(cdk_app.cdk_json_context()["syncAuditor"])
    config["fanOut"] = {"maxConcurrency": CONCURRENCY}
    return synthesize(config, tmp_path_factory.mktemp("fanout"))


def queues(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        name: queue["Properties"]
        for name, queue in synth.resources("AWS::SQS::Queue").items()
        if queue["Properties"].get("FifoQueue")
    }


def test_the_fifo_queue_is_encrypted_redriven_and_outlasts_six_timeouts(fanned: Synth) -> None:
    fan_out = fanned.stack.poller.fan_out
    assert fan_out is not None
    queue_id, dlq_id = (
        fanned.logical_id(fan_out.queue),
        fanned.logical_id(fan_out.dead_letter_queue),
    )
    fifo = queues(fanned)
    assert set(fifo) == {queue_id, dlq_id}
    queue = fifo[queue_id]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["VisibilityTimeout"] == 6 * 300
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    assert fifo[dlq_id]["SqsManagedSseEnabled"] is True
    # TLS only, on both
    for name in (queue_id, dlq_id):
        fanned.template.has_resource_properties(
            "AWS::SQS::QueuePolicy",
            {
                "Queues": [{"Ref": name}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Deny",
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            "Principal": {"AWS": "*"},
                            "Action": "sqs:*",
                        }
                    ]
                },
            },
        )


def test_the_poller_consumes_one_batch_at_a_time_at_bounded_concurrency(fanned: Synth) -> None:
    fan_out = fanned.stack.poller.fan_out
    assert fan_out is not None
    fanned.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "EventSourceArn": {"Fn::GetAtt": [fanned.logical_id(fan_out.queue), "Arn"]},
            "FunctionName": {"Ref": fanned.logical_id(fanned.stack.poller.function)},
            "BatchSize": 1,
            "ScalingConfig": {"MaximumConcurrency": CONCURRENCY},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )


def test_the_poller_may_send_to_the_queue_and_nothing_more_than_the_mapping_needs(
    fanned: Synth,
) -> None:
    fan_out = fanned.stack.poller.fan_out
    assert fan_out is not None
    queue_arn = {"Fn::GetAtt": [fanned.logical_id(fan_out.queue), "Arn"]}
    (policy,) = [
        p
        for p in fanned.resources("AWS::IAM::Policy").values()
        if any(
            s.get("Resource") == queue_arn for s in p["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    actions = set()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        if statement.get("Resource") == queue_arn:
            listed = statement["Action"]
            actions |= {listed} if isinstance(listed, str) else set(listed)
    assert actions == {
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
    }


def test_the_dlq_is_alarmed(fanned: Synth) -> None:
    fan_out = fanned.stack.poller.fan_out
    assert fan_out is not None
    alarm = alarms_by_name(fanned)["fanout-dlq-Depth"]
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert {
        "Name": "QueueName",
        "Value": {"Fn::GetAtt": [fanned.logical_id(fan_out.dead_letter_queue), "QueueName"]},
    } in alarm["Dimensions"]


def test_the_environment_is_what_the_runtime_reads(fanned: Synth) -> None:
    variables = as_deployed(environment_of(fanned, fanned.stack.poller.function))
    variables["FANOUT_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo"
    settings = FanOutSettings.from_env(variables)
    assert settings == FanOutSettings(variables["FANOUT_QUEUE_URL"], CONCURRENCY, 0, 300)


def test_without_fan_out_there_is_no_queue_and_no_mapping(example: Synth) -> None:
    assert example.stack.poller.fan_out is None
    assert queues(example) == {}
    assert example.resources("AWS::Lambda::EventSourceMapping").keys() == {
        k
        for k, v in example.resources("AWS::Lambda::EventSourceMapping").items()
        if "Stream" in str(v["Properties"]["EventSourceArn"])
    }
    assert "FANOUT_QUEUE_URL" not in environment_of(example, example.stack.poller.function)


BASE = {"kendra": "all"}


def test_the_fan_out_key_is_read() -> None:
    config = load_config({**BASE, "fanOut": {"maxConcurrency": 4, "sourcesPerBatch": 200}})
    assert config.fan_out == FanOutConfig(4, 200)
    assert load_config(BASE).fan_out is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10, "syncAuditor.fanOut: 10 is not valid; expected an object"),
        ({}, "syncAuditor.fanOut.maxConcurrency: required"),
        (
            {"maxConcurrency": 1},
            "syncAuditor.fanOut.maxConcurrency: 1 is not valid; expected a whole number from 2 to 1000",
        ),
        ({"maxConcurrency": "4"}, 'syncAuditor.fanOut.maxConcurrency: "4" is not valid'),
        (
            {"maxConcurrency": 4, "sourcesPerBatch": 0},
            "syncAuditor.fanOut.sourcesPerBatch: 0 is not valid; expected a whole number from 1 to 1000",
        ),
        ({"maxConcurrency": 4, "shards": 3}, "syncAuditor.fanOut.shards: unknown key"),
    ],
)
def test_a_bad_fan_out_names_the_field_the_value_and_the_form(value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({**BASE, "fanOut": value})
    assert any(problem.startswith(message) for problem in raised.value.problems), raised.value
