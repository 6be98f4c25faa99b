"""What `cdk deploy` creates: properties of the synthesized template, not resource counts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from aws_cdk.assertions import Match

from devkit import tables as local_tables
from sync_auditor import table_schema as schema
from sync_auditor.model import DataSourceRef
from sync_auditor.policies import SelfHealing, policy_for
from sync_auditor.settings import DELIVER_PENDING_EVENT, NotifierSettings, PollerSettings
from sync_auditor.stream_filter import NOTICE_FILTER_PATTERNS, NOTIFIER_FILTER_PATTERNS

from .conftest import Synth, arn, policy_grants, render

pytestmark = pytest.mark.slow

KENDRA_INDEX = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"
KENDRA_DATA_SOURCES = (
    "7f8e9d0c-1b2a-4c3d-9e4f-5a6b7c8d9e0f",
    "a1b2c3d4-e5f6-4a7b-8c9d-e0f1a2b3c4d5",
)
KENDRA_WHOLE_INDEX = "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"
QB_APP = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
QB_INDEX = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b"
QB_DATA_SOURCE = "6b5a4f3e-2d1c-4b0a-9f8e-7d6c5b4a3f2e"
QB_WHOLE_APP = "2f3e4d5c-6b7a-4998-8877-665544332211"

# Actions that support no resource type: the only ones that may be granted on "*".
NO_RESOURCE_TYPE = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "dynamodb:ListStreams",
    "kendra:ListIndices",
    "qbusiness:ListApplications",
}


def the_one(synth: Synth, resource_type: str, **match: Any) -> tuple[str, dict[str, Any]]:
    found = synth.template.find_resources(resource_type, match or None)
    assert len(found) == 1, f"expected one {resource_type}, found {list(found)}"
    return next(iter(found.items()))


def environment_of(synth: Synth, function: Any) -> dict[str, Any]:
    resource = synth.template_json["Resources"][synth.logical_id(function)]
    variables: dict[str, Any] = resource["Properties"]["Environment"]["Variables"]
    return variables


def poller_as_deployed(synth: Synth) -> dict[str, str]:
    """The poller's variables as Lambda would see them, TARGETS_FILE at its layer's file."""
    variables = as_deployed(environment_of(synth, synth.stack.poller.function))
    return variables | {"TARGETS_FILE": str(synth.targets_file())}


def as_deployed(variables: dict[str, Any]) -> dict[str, str]:
    """The variables as Lambda would see them, with a plausible value for each token."""
    return {
        name: value if isinstance(value, str) else f"deployed-{render(value)}"
        for name, value in variables.items()
    }


# --- tables ---------------------------------------------------------------------------------


def test_job_table_keys_and_indexes_are_the_ones_devkit_creates_locally(example: Synth) -> None:
    # Given the arguments devkit passes to CreateTable for the local job table
    calls: list[dict[str, Any]] = []

    class Recorder:
        def create_table(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return {"TableDescription": {"LatestStreamArn": "arn:stream"}}

    local_tables.create_job_table(Recorder(), "jobs")
    (local,) = calls

    # Then the stack declares the same keys, attributes, indexes and stream
    props = example.template_json["Resources"][example.logical_id(example.stack.tables.job_table)][
        "Properties"
    ]
    assert props["KeySchema"] == local["KeySchema"]
    by_name = lambda items: sorted(items, key=lambda i: i["AttributeName"])  # noqa: E731
    assert by_name(props["AttributeDefinitions"]) == by_name(local["AttributeDefinitions"])
    assert sorted(props["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]) == sorted(
        local["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]
    )
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["BillingMode"] == local["BillingMode"] == "PAY_PER_REQUEST"


def test_job_table_indexes_serve_the_audit_questions(example: Synth) -> None:
    example.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "KeySchema": [
                {"AttributeName": "dataSourceKey", "KeyType": "HASH"},
                {"AttributeName": "executionId", "KeyType": "RANGE"},
            ],
            "GlobalSecondaryIndexes": Match.array_equals(
                [
                    {
                        "IndexName": "byDataSource",
                        "KeySchema": [
                            {"AttributeName": "dataSourceKey", "KeyType": "HASH"},
                            {"AttributeName": "startTime", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    },
                    {
                        "IndexName": "byStatus",
                        "KeySchema": [
                            {"AttributeName": "status", "KeyType": "HASH"},
                            {"AttributeName": "startTime", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    },
                ]
            ),
        },
    )


@pytest.mark.parametrize("table", ["job_table", "state_table"])
def test_both_tables_are_encrypted_recoverable_protected_and_retained(
    example: Synth, table: str
) -> None:
    tables = example.stack.tables
    resource = example.template_json["Resources"][example.logical_id(getattr(tables, table))]

    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    props = resource["Properties"]
    assert props["SSESpecification"] == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Fn::GetAtt": [example.logical_id(tables.key), "Arn"]},
    }
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_table_key_rotates_and_outlives_the_stack(example: Synth) -> None:
    key = example.template_json["Resources"][example.logical_id(example.stack.tables.key)]

    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


def test_state_table_has_its_key_ttl_stream_and_index_as_devkit_creates_it(example: Synth) -> None:
    resource = example.template_json["Resources"][
        example.logical_id(example.stack.tables.state_table)
    ]

    assert resource["Properties"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert resource["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": schema.STATE_TTL,
        "Enabled": True,
    }
    # Notices reach the notifier through its stream, as devkit creates it locally
    calls: list[dict[str, Any]] = []

    class Recorder:
        def create_table(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return {"TableDescription": {"LatestStreamArn": "arn:stream"}}

    local_tables.create_state_table(Recorder(), "state")
    (local,) = calls
    assert resource["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert local["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    # and the outbox's index, as devkit creates it locally
    by_name = lambda items: sorted(items, key=lambda i: i["AttributeName"])  # noqa: E731
    assert by_name(resource["Properties"]["AttributeDefinitions"]) == by_name(
        local["AttributeDefinitions"]
    )
    assert resource["Properties"]["KeySchema"] == local["KeySchema"]
    assert resource["Properties"]["GlobalSecondaryIndexes"] == local["GlobalSecondaryIndexes"]


def test_state_table_has_the_sparse_pending_alerts_index_the_sweep_queries(
    example: Synth,
) -> None:
    resource = example.template_json["Resources"][
        example.logical_id(example.stack.tables.state_table)
    ]
    props = resource["Properties"]

    assert props["GlobalSecondaryIndexes"] == [
        {
            "IndexName": schema.PENDING_ALERTS_INDEX,
            "KeySchema": [
                {"AttributeName": schema.PENDING_ALERT, "KeyType": "HASH"},
                {"AttributeName": schema.CREATED_AT, "KeyType": "RANGE"},
            ],
            "Projection": {
                "ProjectionType": "INCLUDE",
                "NonKeyAttributes": list(schema.PENDING_ALERTS_PROJECTION),
            },
        }
    ]
    # the bodies stay out of the index: what the sweep lists and ages, nothing more
    assert "message" not in schema.PENDING_ALERTS_PROJECTION
    assert sorted(props["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "createdAt", "AttributeType": "S"},
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "pendingAlert", "AttributeType": "S"},
    ]


def test_job_records_never_expire_unless_retention_is_configured(
    example: Synth, variant: Synth
) -> None:
    def job_table(synth: Synth) -> dict[str, Any]:
        props: dict[str, Any] = synth.template_json["Resources"][
            synth.logical_id(synth.stack.tables.job_table)
        ]["Properties"]
        return props

    assert "TimeToLiveSpecification" not in job_table(example)
    assert job_table(variant)["TimeToLiveSpecification"] == {
        "AttributeName": "expiresAt",
        "Enabled": True,
    }


# --- functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "handler", "timeout"),
    [("poller", "sync_auditor.handlers.poller.handler", 300), ("notifier", "sync_auditor.handlers.notifier.handler", 60)],
)  # fmt: skip
def test_functions_run_python_3_14_on_arm_with_tracing_logs_and_the_powertools_layer(
    example: Synth, function: str, handler: str, timeout: int
) -> None:
    construct = getattr(example.stack, function)
    props = example.template_json["Resources"][example.logical_id(construct.function)]["Properties"]
    (parameter,) = [
        p for p in example.template_json["Parameters"] if p.startswith("SsmParameterValue")
    ]

    assert props["Handler"] == handler
    assert props["Runtime"] == "python3.14"
    assert props["Architectures"] == ["arm64"]
    assert props["Timeout"] == timeout
    assert {"Ref": parameter} in props["Layers"]
    assert props["LoggingConfig"] == {
        "LogGroup": {"Ref": example.logical_id(construct.auditor.log_group)}
    }
    assert "ReservedConcurrentExecutions" not in props
    assert example.template_json["Parameters"][parameter] == {
        "Type": "AWS::SSM::Parameter::Value<String>",
        "Default": "/aws/service/powertools/python/arm64/python3.14/3.37.0",
    }


def test_log_groups_keep_the_configured_retention(example: Synth, variant: Synth) -> None:
    for synth, days in ((example, 90), (variant, 30)):
        groups = synth.resources("AWS::Logs::LogGroup")
        assert [g["Properties"]["RetentionInDays"] for g in groups.values()] == [days, days]


def test_each_function_has_its_own_role_with_no_managed_policy(example: Synth) -> None:
    roles = {
        render(
            example.template_json["Resources"][example.logical_id(c.function)]["Properties"]["Role"]
        )
        for c in (example.stack.poller, example.stack.notifier)
    }

    assert len(roles) == 2
    for role in example.resources("AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


def test_poller_environment_is_what_poller_settings_reads(example: Synth) -> None:
    # Given the poller's variables as Lambda would see them
    variables = environment_of(example, example.stack.poller.function)
    tables = example.stack.tables

    # Then they hold the tables, the validated targets and the knobs...
    assert variables["JOB_TABLE_NAME"] == {"Ref": example.logical_id(tables.job_table)}
    assert variables["STATE_TABLE_NAME"] == {"Ref": example.logical_id(tables.state_table)}
    assert variables["TARGETS_FILE"] == "/opt/sync-auditor/targets.json"
    assert "TARGETS" not in variables
    assert json.loads(example.targets_file().read_text()) == {
        "kendra": [
            {"indexId": KENDRA_INDEX, "dataSourceIds": list(KENDRA_DATA_SOURCES)},
            {"indexId": KENDRA_WHOLE_INDEX},
        ],
        "qbusiness": [
            {"applicationId": QB_APP, "indexId": QB_INDEX, "dataSourceIds": [QB_DATA_SOURCE]},
            {"applicationId": QB_WHOLE_APP},
        ],
    }
    assert PollerSettings.from_env(poller_as_deployed(example)).targets == json.loads(
        example.targets_file().read_text()
    )
    assert "RETENTION_DAYS" not in variables
    assert "POWERTOOLS_IDEMPOTENCY_DISABLED" not in variables

    # ...and the runtime's own parser accepts them
    settings = PollerSettings.from_env(poller_as_deployed(example))
    assert settings.lookback_days == 30
    assert settings.retention_days is None
    assert settings.max_parallel_calls == 8
    assert settings.deadline_margin_seconds == 20
    assert (settings.retry_mode, settings.max_attempts) == ("standard", 5)
    assert variables["POWERTOOLS_SERVICE_NAME"] == "sync-auditor"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "SyncAuditor"


def test_variant_poller_environment_carries_every_knob(variant: Synth) -> None:
    variables = environment_of(variant, variant.stack.poller.function)

    settings = PollerSettings.from_env(poller_as_deployed(variant))

    assert settings.targets == {"kendra": "all", "qbusiness": "all"}
    assert (settings.lookback_days, settings.retention_days) == (60, 400)
    assert (settings.max_parallel_calls, settings.retry_mode) == (16, "adaptive")
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Search/SyncAudit"


def test_notifier_environment_is_what_notifier_settings_reads(
    example: Synth, variant: Synth
) -> None:
    variables = environment_of(example, example.stack.notifier.function)

    assert set(variables) == {
        "ALERT_TOPIC_ARN",
        "STATE_TABLE_NAME",
        "ALERT_STATUSES",
        "PER_DATA_SOURCE_METRICS",
        "JOB_TABLE_NAME",
        "RECOVERY_NOTICES",
        "RETRY_MODE",
        "MAX_ATTEMPTS",
        "AUDITED_SERVICES",
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_TRACE_DISABLED",  # tracing is off unless configured
    }
    assert variables["ALERT_TOPIC_ARN"] == {"Ref": example.logical_id(example.stack.alerts.topic)}
    settings = NotifierSettings.from_env(as_deployed(variables))
    assert settings.alert_statuses == {"FAILED", "INCOMPLETE"}
    assert settings.per_data_source_metrics is False
    assert settings.recovery_notices is True
    assert settings.audited_services == ("kendra", "qbusiness")
    assert variables["JOB_TABLE_NAME"] == {
        "Ref": example.logical_id(example.stack.tables.job_table)
    }

    variant_settings = NotifierSettings.from_env(
        as_deployed(environment_of(variant, variant.stack.notifier.function))
    )
    assert variant_settings.alert_statuses == {"FAILED", "INCOMPLETE", "ABORTED"}
    assert variant_settings.per_data_source_metrics is True
    assert variant_settings.retry_mode == "adaptive"


# --- poller schedule and permissions --------------------------------------------------------


def scheduled(synth: Synth, name: str) -> tuple[dict[str, Any], Any, Any, Any]:
    """The schedule resource ("poll" or "sweep") with its function, role and dead-letter queue."""
    stack = synth.stack
    function, role, queue, schedule = {
        "poll": (
            stack.poller.function,
            stack.poller.schedule_role,
            stack.poller.dead_letter_queue,
            stack.poller.schedule,
        ),
        "sweep": (
            stack.notifier.function,
            stack.notifier.sweep.role,
            stack.notifier.sweep.dead_letter_queue,
            stack.notifier.sweep.schedule,
        ),
    }[name]
    properties = synth.template_json["Resources"][synth.logical_id(schedule)]["Properties"]
    return properties, function, role, queue


def test_the_stack_has_exactly_the_poll_and_the_sweep_schedules(example: Synth) -> None:
    targets = {
        s["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]
        for s in example.resources("AWS::Scheduler::Schedule").values()
    }

    assert targets == {
        example.logical_id(example.stack.poller.function),
        example.logical_id(example.stack.notifier.function),
    }


@pytest.mark.parametrize("name", ["poll", "sweep"])
def test_each_schedule_invokes_its_function_with_bounded_retries_and_its_own_dlq(
    example: Synth, name: str
) -> None:
    schedule, function, role, queue = scheduled(example, name)
    target = schedule["Target"]

    assert schedule["State"] == "ENABLED"
    assert target["Arn"] == {"Fn::GetAtt": [example.logical_id(function), "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [example.logical_id(queue), "Arn"]}}
    assert target["RoleArn"] == {"Fn::GetAtt": [example.logical_id(role), "Arn"]}


def test_poller_runs_on_the_configured_schedule(example: Synth, variant: Synth) -> None:
    assert scheduled(example, "poll")[0]["ScheduleExpression"] == "rate(5 minutes)"
    assert "Input" not in scheduled(example, "poll")[0]["Target"]
    assert scheduled(variant, "poll")[0]["ScheduleExpression"] == "cron(0/15 * * * ? *)"


@pytest.mark.parametrize("synth_name", ["example", "variant"])
def test_the_sweep_runs_every_five_minutes_with_the_event_the_notifier_reads_as_a_sweep(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    schedule, *_ = scheduled(synth, "sweep")

    # whatever the poll schedule: pending alerts must not wait for the next poll
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(schedule["Target"]["Input"]) == DELIVER_PENDING_EVENT


@pytest.mark.parametrize("function", ["poller", "notifier"])
def test_a_failed_scheduled_invocation_is_not_retried_by_lambda(
    example: Synth, function: str
) -> None:
    # The next tick or sweep repeats the work; a Lambda retry would only overlap it.
    example.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": example.logical_id(getattr(example.stack, function).function)},
            "MaximumRetryAttempts": 0,
        },
    )


@pytest.mark.parametrize("name", ["poll", "sweep"])
def test_each_schedule_role_invokes_only_its_function_and_writes_only_its_dlq(
    example: Synth, name: str
) -> None:
    _, function, role, queue = scheduled(example, name)
    resource = example.template_json["Resources"][example.logical_id(role)]
    function_arn = f"<{example.logical_id(function)}.Arn>"

    (trust,) = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert render(trust["Condition"]) == {
        "StringEquals": {
            "aws:SourceAccount": "<AWS::AccountId>",
            "aws:SourceArn": arn("scheduler", "schedule-group/default"),
        }
    }
    assert policy_grants(example, role) == {
        "lambda:InvokeFunction": {function_arn, f"{function_arn}:*"},
        "sqs:SendMessage": {f"<{example.logical_id(queue)}.Arn>"},
    }


def test_poller_role_grants_exactly_the_calls_its_targets_need(example: Synth) -> None:
    tables = example.stack.tables
    job = f"<{example.logical_id(tables.job_table)}.Arn>"
    state = f"<{example.logical_id(tables.state_table)}.Arn>"
    kendra_index = arn("kendra", f"index/{KENDRA_INDEX}")
    whole_index = arn("kendra", f"index/{KENDRA_WHOLE_INDEX}")
    app = arn("qbusiness", f"application/{QB_APP}")
    whole_app = arn("qbusiness", f"application/{QB_WHOLE_APP}")

    grants = policy_grants(example, example.stack.poller.auditor.role)

    assert grants == {
        "logs:CreateLogStream": {
            f"<{example.logical_id(example.stack.poller.auditor.log_group)}.Arn>"
        },
        "logs:PutLogEvents": {
            f"<{example.logical_id(example.stack.poller.auditor.log_group)}.Arn>"
        },
        # the calls the poll makes, each on its exact table or index ARN
        "dynamodb:BatchGetItem": {job, state},
        "dynamodb:GetItem": {job, state},
        "dynamodb:PutItem": {job, state},
        "dynamodb:Query": {f"{job}/index/byDataSource"},
        "dynamodb:UpdateItem": {state},
        "kms:Decrypt": {f"<{example.logical_id(tables.key)}.Arn>"},
        "kms:DescribeKey": {f"<{example.logical_id(tables.key)}.Arn>"},
        "kms:Encrypt": {f"<{example.logical_id(tables.key)}.Arn>"},
        "kms:GenerateDataKey": {f"<{example.logical_id(tables.key)}.Arn>"},
        # explicit data sources: the index and each data source; a whole index: all its sources
        "kendra:ListDataSourceSyncJobs": {
            kendra_index,
            *(f"{kendra_index}/data-source/{ds}" for ds in KENDRA_DATA_SOURCES),
            whole_index,
            f"{whole_index}/data-source/*",
        },
        "kendra:ListDataSources": {whole_index},
        # the names of the data sources listed by id (discovery lists the others')
        "kendra:DescribeDataSource": {
            kendra_index,
            *(f"{kendra_index}/data-source/{ds}" for ds in KENDRA_DATA_SOURCES),
        },
        # application, index and data source are all required resources of this action
        "qbusiness:ListDataSourceSyncJobs": {
            app,
            f"{app}/index/{QB_INDEX}",
            f"{app}/index/{QB_INDEX}/data-source/{QB_DATA_SOURCE}",
            whole_app,
            f"{whole_app}/index/*",
            f"{whole_app}/index/*/data-source/*",
        },
        "qbusiness:ListDataSources": {whole_app, f"{whole_app}/index/*"},
        "qbusiness:ListIndices": {whole_app},
        "qbusiness:GetDataSource": {
            app,
            f"{app}/index/{QB_INDEX}",
            f"{app}/index/{QB_INDEX}/data-source/{QB_DATA_SOURCE}",
        },
    }


def test_table_key_is_usable_only_through_dynamodb(example: Synth) -> None:
    example.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": example.logical_id(example.stack.poller.auditor.role)}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": [
                                    "kms:Decrypt",
                                    "kms:DescribeKey",
                                    "kms:Encrypt",
                                    "kms:GenerateDataKey",
                                ],
                                "Condition": {
                                    "StringEquals": {
                                        "kms:ViaService": {
                                            "Fn::Join": [
                                                "",
                                                [
                                                    "dynamodb.",
                                                    {"Ref": "AWS::Region"},
                                                    ".amazonaws.com",
                                                ],
                                            ]
                                        }
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )


def test_discovery_of_every_index_and_application_adds_only_the_listing_calls(
    variant: Synth,
) -> None:
    grants = policy_grants(variant, variant.stack.poller.auditor.role)

    assert grants["kendra:ListIndices"] == {"*"}
    assert grants["kendra:ListDataSources"] == {arn("kendra", "index/*")}
    assert grants["kendra:ListDataSourceSyncJobs"] == {
        arn("kendra", "index/*"),
        arn("kendra", "index/*/data-source/*"),
    }
    apps = arn("qbusiness", "application/*")
    assert grants["qbusiness:ListApplications"] == {"*"}
    assert grants["qbusiness:ListIndices"] == {apps}
    assert grants["qbusiness:ListDataSources"] == {apps, f"{apps}/index/*"}
    assert grants["qbusiness:ListDataSourceSyncJobs"] == {
        apps,
        f"{apps}/index/*",
        f"{apps}/index/*/data-source/*",
    }


def test_self_healing_entries_may_start_syncs_of_exactly_their_own_data_sources(
    example: Synth, healing: Synth
) -> None:
    # Given self-healing on the Kendra index that lists two data sources and on the whole
    # Q Business application, and off on the other two entries
    kendra_index = arn("kendra", f"index/{KENDRA_INDEX}")
    whole_app = arn("qbusiness", f"application/{QB_WHOLE_APP}")

    # When the poller's role is read
    grants = policy_grants(healing, healing.stack.poller.auditor.role)

    # Then it may start syncs on those entries' resources, in the shapes the list call uses...
    assert grants.pop("kendra:StartDataSourceSyncJob") == {
        kendra_index,
        *(f"{kendra_index}/data-source/{ds}" for ds in KENDRA_DATA_SOURCES),
    }
    assert grants.pop("qbusiness:StartDataSourceSyncJob") == {
        whole_app,
        f"{whole_app}/index/*",
        f"{whole_app}/index/*/data-source/*",
    }
    # ...and nothing else changes: the quota counter uses the UpdateItem it already has
    assert grants == policy_grants(example, example.stack.poller.auditor.role)


@pytest.mark.parametrize("synth_name", ["example", "variant"])
def test_without_self_healing_nothing_may_start_a_sync(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    assert "StartDataSourceSyncJob" not in json.dumps(synth.template_json)


def test_the_notifier_never_starts_a_sync(example: Synth, healing: Synth) -> None:
    grants = policy_grants(healing, healing.stack.notifier.auditor.role)

    assert not [action for action in grants if "Start" in action]
    assert grants == policy_grants(example, example.stack.notifier.auditor.role)


def test_poller_targets_carry_self_healing_as_the_runtime_reads_it(healing: Synth) -> None:
    # Given the healing configuration's TARGETS as the poller parses it
    targets = PollerSettings.from_env(poller_as_deployed(healing)).targets

    def policy(source: DataSourceRef) -> SelfHealing | None:
        return policy_for(targets, source, stuck_after_minutes=360).self_healing

    # Then both settings are spelled out, defaults included, only on the entries that set them
    assert [t.get("selfHealing") for t in targets["kendra"]] == [
        {"maxRetriesPerDay": 3, "backoffMinutes": 15},
        None,
    ]
    assert [t.get("selfHealing") for t in targets["qbusiness"]] == [
        None,
        {"maxRetriesPerDay": 5, "backoffMinutes": 30},
    ]
    # And the runtime's policy gives each data source its entry's settings, or none
    assert policy(DataSourceRef("kendra", KENDRA_INDEX, KENDRA_DATA_SOURCES[1])) == SelfHealing()
    assert policy(DataSourceRef("kendra", KENDRA_WHOLE_INDEX, "any-source")) is None
    assert (
        policy(DataSourceRef("qbusiness", QB_INDEX, QB_DATA_SOURCE, application_id=QB_APP)) is None
    )
    assert policy(
        DataSourceRef("qbusiness", QB_INDEX, QB_DATA_SOURCE, application_id=QB_WHOLE_APP)
    ) == SelfHealing(max_retries_per_day=5, backoff=timedelta(minutes=30))


@pytest.mark.parametrize("synth_name", ["example", "variant", "healing"])
def test_no_function_may_scan_delete_or_use_star_where_a_resource_exists(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    for construct in (synth.stack.poller, synth.stack.notifier):
        grants = policy_grants(synth, construct.auditor.role)
        assert "dynamodb:Scan" not in grants
        # table indexes are granted by name, never as index/*
        assert not [
            resource
            for action, resources in grants.items()
            if action.startswith("dynamodb:")
            for resource in resources
            if resource.endswith("/index/*")
        ]
        assert not any(action.endswith("*") for action in grants)
        assert {
            action for action, resources in grants.items() if "*" in resources
        } <= NO_RESOURCE_TYPE
        assert "dynamodb:DeleteItem" not in grants


# --- notifier -------------------------------------------------------------------------------


def test_notifier_reads_the_stream_through_the_shared_filter_with_bounded_failure_handling(
    example: Synth,
) -> None:
    notifier = example.stack.notifier
    mappings = example.resources("AWS::Lambda::EventSourceMapping")
    assert len(mappings) == 2
    (props,) = [
        m["Properties"]
        for m in mappings.values()
        if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        == example.logical_id(example.stack.tables.job_table)
    ]

    assert props["EventSourceArn"] == {
        "Fn::GetAtt": [example.logical_id(example.stack.tables.job_table), "StreamArn"]
    }
    assert props["FunctionName"] == {"Ref": example.logical_id(notifier.function)}
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert patterns == list(NOTIFIER_FILTER_PATTERNS)
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == 5
    assert props["MaximumRecordAgeInSeconds"] == 6 * 3600
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BatchSize"] == 10
    assert props["ParallelizationFactor"] == 1
    assert props["DestinationConfig"] == {
        "OnFailure": {
            "Destination": {"Fn::GetAtt": [example.logical_id(notifier.failure_queue), "Arn"]}
        }
    }


def test_notifier_takes_only_notice_inserts_from_the_state_table(example: Synth) -> None:
    mappings = example.resources("AWS::Lambda::EventSourceMapping")
    (props,) = [
        m["Properties"]
        for m in mappings.values()
        if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        == example.logical_id(example.stack.tables.state_table)
    ]
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert patterns == list(NOTICE_FILTER_PATTERNS)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["MaximumRetryAttempts"] == 5
    assert "OnFailure" in props["DestinationConfig"]


def test_notifier_role_publishes_alerts_and_keeps_its_outbox_only(example: Synth) -> None:
    stack = example.stack
    state = f"<{example.logical_id(stack.tables.state_table)}.Arn>"
    table_key = f"<{example.logical_id(stack.tables.key)}.Arn>"
    topic_key = f"<{example.logical_id(stack.alerts.key)}.Arn>"
    stream = f"<{example.logical_id(stack.tables.job_table)}.StreamArn>"
    state_stream = f"<{example.logical_id(stack.tables.state_table)}.StreamArn>"
    failures = f"<{example.logical_id(stack.notifier.failure_queue)}.Arn>"
    log_group = f"<{example.logical_id(stack.notifier.auditor.log_group)}.Arn>"
    jobs = f"<{example.logical_id(stack.tables.job_table)}.Arn>"

    grants = policy_grants(example, stack.notifier.auditor.role)

    assert grants == {
        "logs:CreateLogStream": {log_group},
        "logs:PutLogEvents": {log_group},
        "sns:Publish": {f"<{example.logical_id(stack.alerts.topic)}>"},
        "kms:GenerateDataKey": {topic_key, table_key},
        "kms:Decrypt": {topic_key, table_key},
        "kms:DescribeKey": {table_key},
        "kms:Encrypt": {table_key},
        # the outbox (no DeleteItem: nothing is deleted, sent alerts are marked)
        "dynamodb:GetItem": {state},
        "dynamodb:PutItem": {state},
        "dynamodb:UpdateItem": {state, jobs},
        "dynamodb:Query": {f"{jobs}/index/byDataSource", f"{state}/index/pendingAlerts"},
        # Failure reasons: the audited indexes' and applications' log groups, by name, in
        # the form IAM matches a log group in (log-group:<name>:*)
        "logs:FilterLogEvents": {
            arn("logs", f"log-group:/aws/kendra/{index}:*")
            for index in (KENDRA_INDEX, KENDRA_WHOLE_INDEX)
        }
        | {arn("logs", f"log-group:/aws/qbusiness/{app}:*") for app in (QB_APP, QB_WHOLE_APP)},
        "dynamodb:DescribeStream": {stream, state_stream},
        "dynamodb:GetRecords": {stream, state_stream},
        "dynamodb:GetShardIterator": {stream, state_stream},
        "dynamodb:ListStreams": {"*"},
        "sqs:SendMessage": {failures},
        "sqs:GetQueueAttributes": {failures},
        "sqs:GetQueueUrl": {failures},
    }


def construct_at(synth: Synth, path: str) -> Any:
    """The stack's construct at a dotted attribute path, e.g. notifier.sweep.dead_letter_queue."""
    construct: Any = synth.stack
    for attribute in path.split("."):
        construct = getattr(construct, attribute)
    return construct


@pytest.mark.parametrize(
    "queue",
    ["poller.dead_letter_queue", "notifier.sweep.dead_letter_queue", "notifier.failure_queue"],
)
def test_dead_letter_queues_are_encrypted_and_refuse_plain_http(example: Synth, queue: str) -> None:
    queue_id = example.logical_id(construct_at(example, queue))

    resource = example.template_json["Resources"][queue_id]
    assert resource["Properties"]["SqsManagedSseEnabled"] is True
    assert resource["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    example.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sqs:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )
