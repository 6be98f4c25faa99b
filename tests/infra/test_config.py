"""The syncAuditor context: every bad value fails with its field path, the value and the allowed form."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import botocore.session
import pytest

import app as cdk_app
from infra import config_alerts as alerts_cfg
from infra import config_checks as checks
from infra import config_targets as targets_cfg
from infra.config import load_config
from infra.functions import _RETENTION_BY_DAYS

from .config_support import ID36, MISSING, base, problem_paths, problems_of, with_value
from .conftest import ROOT

# (field path, bad value, a phrase of the allowed form the message must state)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("syncAuditor.schedule", "every 5 minutes", "rate(<n> minute|minutes"),
    ("syncAuditor.schedule", "rate(1 minutes)", "singular unit only for 1"),
    ("syncAuditor.schedule", "rate(5 minute)", "singular unit only for 1"),
    ("syncAuditor.schedule", "rate(0 minutes)", "rate(5 minutes)"),
    ("syncAuditor.schedule", "rate(5 seconds)", "minute|minutes|hour|hours|day|days"),
    ("syncAuditor.schedule", "cron(0 12 * * *)", "cron(<minutes> <hours>"),
    ("syncAuditor.schedule", "cron(0 12 1 * MON *)", "with ? in day-of-month or day-of-week"),
    ("syncAuditor.schedule", "cron(0 12 * * * *)", "with ? in day-of-month or day-of-week"),
    ("syncAuditor.schedule", "at(2026-12-01T00:00:00)", "cron("),
    ("syncAuditor.schedule", 300, "rate("),
    ("syncAuditor.kendra", "everything", '"all" or a list of Kendra index objects'),
    ("syncAuditor.kendra", {"indexId": ID36}, '"all" or a list of Kendra index objects'),
    ("syncAuditor.kendra[0]", ID36, "a Kendra index object"),
    ("syncAuditor.kendra[0].indexId", "too-short", "exactly 36 characters matching"),
    ("syncAuditor.kendra[0].indexId", "-" + ID36[1:], "[a-zA-Z0-9][a-zA-Z0-9-]*"),
    ("syncAuditor.kendra[0].indexId", ID36.replace("-", "_"), "a Kendra index id"),
    ("syncAuditor.kendra[0].indexId", 36, "a Kendra index id"),
    ("syncAuditor.kendra[0].dataSourceIds", [], "a non-empty list of Kendra data source ids"),
    ("syncAuditor.kendra[0].dataSourceIds", "ds-1", "omit the key to audit every data source"),
    ("syncAuditor.kendra[0].dataSourceIds[0]", "bad id!", "[a-zA-Z0-9][a-zA-Z0-9_-]*"),
    ("syncAuditor.kendra[0].dataSourceIds[0]", "d" * 101, "1 to 100 characters"),
    ("syncAuditor.kendra[0].dataSourceIds[0]", "_leading", "a Kendra data source id"),
    ("syncAuditor.qbusiness", "any", '"all" or a list of Q Business application objects'),
    ("syncAuditor.qbusiness[1]", None, "a Q Business application object"),
    ("syncAuditor.qbusiness[0].applicationId", ID36[:35], "exactly 36 characters"),
    ("syncAuditor.qbusiness[0].applicationId", "x" * 37, "a Q Business application id"),
    ("syncAuditor.qbusiness[0].indexId", ID36.replace("-", "_"), "[a-zA-Z0-9][a-zA-Z0-9-]{35}"),
    ("syncAuditor.qbusiness[0].dataSourceIds[0]", "ds-1", "a Q Business data source id"),
    ("syncAuditor.qbusiness[0].dataSourceIds", [], "a non-empty list"),
    ("syncAuditor.alertStatuses", [], "a non-empty list of terminal sync statuses"),
    ("syncAuditor.alertStatuses", "FAILED", "ABORTED, FAILED, INCOMPLETE, SUCCEEDED"),
    ("syncAuditor.alertStatuses[0]", "SYNCING", "ABORTED, FAILED, INCOMPLETE, SUCCEEDED"),
    ("syncAuditor.alertStatuses[0]", "failed", "terminal sync statuses"),
    ("syncAuditor.alertEmails", "oncall@example.com", "a list of email addresses"),
    ("syncAuditor.alertEmails[0]", "oncall", "email addresses (name@example.com)"),
    ("syncAuditor.alertEmails[0]", "on call@example.com", "email addresses"),
    ("syncAuditor.alertEmails[0]", "oncall@localhost", "email addresses"),
    ("syncAuditor.slack", "T0123ABCD/C0456EFGH", '{"workspaceId": "T...", "channelId": "C..."}'),
    ("syncAuditor.slack.workspaceId", "acme-search", "a Slack workspace (team) id"),
    ("syncAuditor.slack.workspaceId", "acme-search", "e.g. T0123ABCD"),
    ("syncAuditor.slack.workspaceId", "U0123ABCD", "matching T[0-9A-Z]+"),
    ("syncAuditor.slack.channelId", "#search-alerts", "a Slack channel id"),
    ("syncAuditor.slack.channelId", "#search-alerts", "e.g. C0456EFGH"),
    ("syncAuditor.slack.channelId", "U0456EFGH", "matching [CG][A-Za-z0-9]+"),
    ("syncAuditor.lookbackDays", 0, "a whole number from 1 to 365"),
    ("syncAuditor.lookbackDays", 366, "a whole number from 1 to 365"),
    ("syncAuditor.lookbackDays", "30", "a whole number from 1 to 365"),
    ("syncAuditor.lookbackDays", 7.5, "a whole number from 1 to 365"),
    ("syncAuditor.lookbackDays", True, "a whole number from 1 to 365"),
    ("syncAuditor.retentionDays", 0, "not less than lookbackDays=30"),
    ("syncAuditor.retentionDays", 29, "not less than lookbackDays=30"),
    ("syncAuditor.retentionDays", "forever", "or null to keep records forever"),
    ("syncAuditor.metricsNamespace", "", "a CloudWatch namespace"),
    ("syncAuditor.metricsNamespace", "AWS/Kendra", "nor 'AWS/'"),
    ("syncAuditor.metricsNamespace", ":Search", "not starting with ':'"),
    ("syncAuditor.metricsNamespace", "Search$Audit", "letters, digits and . - _ / # : space"),
    ("syncAuditor.metricsNamespace", "N" * 256, "1 to 255 characters"),
    ("syncAuditor.perDataSourceMetrics", "true", "true or false"),
    ("syncAuditor.perDataSourceMetrics", 1, "true or false"),
    ("syncAuditor.maxParallelCalls", 0, "a whole number from 1 to 32"),
    ("syncAuditor.maxParallelCalls", 33, "a whole number from 1 to 32"),
    ("syncAuditor.maxParallelCalls", "8", "a whole number from 1 to 32"),
    ("syncAuditor.retryMode", "legacy", '"standard" or "adaptive"'),
    ("syncAuditor.retryMode", None, '"standard" or "adaptive"'),
    ("syncAuditor.logRetentionDays", 10, "one of 1, 3, 5, 7, 14, 30, 60, 90"),
    ("syncAuditor.logRetentionDays", "90", "(CloudWatch Logs retention)"),
    ("syncAuditor.bytecode", "always", '"auto", "docker" or "none"'),
    ("syncAuditor.bytecode", True, '"auto", "docker" or "none"'),
]


@pytest.mark.parametrize(("path", "value", "form"), BAD_VALUES)
def test_a_bad_value_names_its_field_the_value_and_the_allowed_form(
    path: str, value: Any, form: str
) -> None:
    # Given the shipped configuration with one field spoiled
    config = with_value(base(), path, value)

    # When it is loaded
    message = problems_of(config)

    # Then the message names the field, shows the value and states the allowed form
    assert f"{path}: {json.dumps(value)[:60]}" in message
    assert form in message


# (field path changed, new value or MISSING, the path the message names, its explanation)
STRUCTURE_PROBLEMS: list[tuple[str, Any, str, str]] = [
    ("syncAuditor.schedules", "rate(5 minutes)", "syncAuditor.schedules", "unknown key; allowed keys are schedule, kendra"),
    ("syncAuditor.kendra[0].indexIds", [ID36], "syncAuditor.kendra[0].indexIds", "unknown key; allowed keys are indexId"),
    ("syncAuditor.qbusiness[1].index", ID36, "syncAuditor.qbusiness[1].index", "allowed keys are applicationId, indexId"),
    ("syncAuditor.slack.channel", "C0456EFGH", "syncAuditor.slack.channel", "allowed keys are workspaceId, channelId"),
    ("syncAuditor.kendra[0].indexId", MISSING, "syncAuditor.kendra[0].indexId", "is required"),
    ("syncAuditor.qbusiness[0].applicationId", MISSING, "syncAuditor.qbusiness[0].applicationId", "is required"),
    ("syncAuditor.qbusiness[0].indexId", MISSING, "syncAuditor.qbusiness[0].dataSourceIds", "needs indexId"),
    ("syncAuditor.slack.channelId", MISSING, "syncAuditor.slack.channelId", "is required"),
]  # fmt: skip


@pytest.mark.parametrize(("changed", "value", "named", "explanation"), STRUCTURE_PROBLEMS)
def test_unknown_and_missing_keys_fail_with_their_path(
    changed: str, value: Any, named: str, explanation: str
) -> None:
    message = problems_of(with_value(base(), changed, value))

    assert f"{named}: " in message
    assert explanation in message


@pytest.mark.parametrize(
    ("path", "value", "explanation"),
    [
        (
            "syncAuditor.kendra[2]",
            {"indexId": "5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f"},
            "syncAuditor.kendra[2].indexId: duplicate index '5d6e7f80-9a1b-4c2d-8e3f-4a5b6c7d8e9f'",
        ),
        (
            "syncAuditor.kendra[0].dataSourceIds[2]",
            "7f8e9d0c-1b2a-4c3d-9e4f-5a6b7c8d9e0f",
            "syncAuditor.kendra[0].dataSourceIds[2]: duplicate Kendra data source id",
        ),
        (
            "syncAuditor.qbusiness[2]",
            {"applicationId": "2f3e4d5c-6b7a-4998-8877-665544332211"},
            "syncAuditor.qbusiness[2]: duplicate entry for application",
        ),
        (
            "syncAuditor.qbusiness[2]",
            {"applicationId": "2f3e4d5c-6b7a-4998-8877-665544332211", "indexId": ID36},
            "is also listed without indexId, which already audits all its indices",
        ),
        (
            "syncAuditor.alertStatuses[2]",
            "FAILED",
            "syncAuditor.alertStatuses[2]: duplicate 'FAILED'",
        ),
        (
            "syncAuditor.alertEmails[1]",
            "Search-Oncall@Example.com",
            "syncAuditor.alertEmails[1]: duplicate 'Search-Oncall@Example.com'",
        ),
    ],
)
def test_duplicates_and_overlaps_fail(path: str, value: Any, explanation: str) -> None:
    assert explanation in problems_of(with_value(base(), path, value))


def test_every_problem_is_reported_at_once() -> None:
    # Given four bad fields, two of them in the same Q Business entry
    config = with_value(base(), "syncAuditor.lookbackDays", 0)
    config = with_value(config, "syncAuditor.extra", 1)
    config = with_value(config, "syncAuditor.qbusiness[0].indexId", "idx")
    config = with_value(config, "syncAuditor.qbusiness[0].dataSourceIds[0]", "ds")

    assert problem_paths(config) == [
        "syncAuditor.extra",
        "syncAuditor.qbusiness[0].indexId",
        "syncAuditor.qbusiness[0].dataSourceIds[0]",
        "syncAuditor.lookbackDays",
    ]


@pytest.mark.parametrize("raw", [None, [], "rate(5 minutes)"])
def test_the_context_must_be_an_object(raw: Any) -> None:
    assert "syncAuditor: " in problems_of(raw)
    assert "an object" in problems_of(raw)


@pytest.mark.parametrize("raw", [{}, {"kendra": [], "qbusiness": []}])
def test_a_configuration_that_audits_nothing_fails(raw: dict[str, Any]) -> None:
    assert "nothing to audit" in problems_of(raw)


def test_the_shipped_example_is_valid_and_keeps_the_documented_shape() -> None:
    config = load_config(base())

    assert config.services == ("kendra", "qbusiness")
    assert json.loads(config.targets_json()) == {
        "kendra": base()["kendra"],
        "qbusiness": base()["qbusiness"],
    }


def test_defaults_apply_to_omitted_keys() -> None:
    config = load_config({"kendra": "all"})

    assert config.schedule == "rate(5 minutes)"
    assert config.qbusiness == ()
    assert config.alert_statuses == ("FAILED", "INCOMPLETE")
    assert config.alert_emails == ()
    assert config.slack is None
    assert config.lookback_days == 30
    assert config.retention_days is None
    assert config.metrics_namespace == "SyncAuditor"
    assert config.per_data_source_metrics is False
    assert config.max_parallel_calls == 8
    assert config.retry_mode == "standard"
    assert config.log_retention_days == 90
    assert config.bytecode == "auto"
    assert (config.alarm_emails, config.alarm_slack) == ((), None)
    assert (config.heartbeat_minutes, config.heartbeat_window_minutes) == (None, 15)
    assert json.loads(config.targets_json()) == {"kendra": "all", "qbusiness": []}


@pytest.mark.parametrize(
    "schedule",
    ["rate(1 minute)", "rate(15 minutes)", "rate(1 hour)", "rate(2 days)", "cron(0/15 * * * ? *)",
     "cron(0 8-18 ? * MON-FRI *)", "cron(30 6 L * ? 2027)"],
)  # fmt: skip
def test_schedule_expressions_eventbridge_scheduler_accepts_pass(schedule: str) -> None:
    assert load_config(with_value(base(), "syncAuditor.schedule", schedule)).schedule == schedule


@pytest.mark.parametrize(
    ("form", "service", "operation", "member"),
    [
        (targets_cfg.KENDRA_INDEX_ID, "kendra", "ListDataSourceSyncJobs", "IndexId"),
        (targets_cfg.KENDRA_DATA_SOURCE_ID, "kendra", "ListDataSourceSyncJobs", "Id"),
        (
            targets_cfg.QBUSINESS_APPLICATION_ID,
            "qbusiness",
            "ListDataSourceSyncJobs",
            "applicationId",
        ),
        (targets_cfg.QBUSINESS_INDEX_ID, "qbusiness", "ListDataSourceSyncJobs", "indexId"),
        (
            targets_cfg.QBUSINESS_DATA_SOURCE_ID,
            "qbusiness",
            "ListDataSourceSyncJobs",
            "dataSourceId",
        ),
    ],
)
def test_id_forms_are_the_service_models_own(
    form: checks.IdForm, service: str, operation: str, member: str
) -> None:
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape.members[member]

    assert (form.pattern, form.min_length, form.max_length) == (
        shape.metadata["pattern"],
        shape.metadata["min"],
        shape.metadata["max"],
    )


def test_slack_id_forms_are_narrower_than_chatbots_own() -> None:
    model = botocore.session.get_session().get_service_model("chatbot")
    members = model.operation_model("CreateSlackChannelConfiguration").input_shape.members
    forms = (
        (alerts_cfg.SLACK_WORKSPACE_ID, "SlackTeamId"),
        (alerts_cfg.SLACK_CHANNEL_ID, "SlackChannelId"),
    )
    for form, member in forms:
        assert form.matches(form.example)
        assert re.fullmatch(members[member].metadata["pattern"], form.example)
        assert form.max_length <= members[member].metadata["max"]


def test_log_retention_choices_are_the_apis_and_all_map_to_cdk() -> None:
    model = botocore.session.get_session().get_service_model("logs")
    documented = model.operation_model("PutRetentionPolicy").input_shape.members["retentionInDays"]
    listed = documented.documentation.split("Possible values are:")[1].split("</p>")[0]
    api_values = tuple(int(n) for n in re.findall(r"\d+", listed))

    assert alerts_cfg.LOG_RETENTION_DAYS == api_values
    assert tuple(_RETENTION_BY_DAYS) == api_values


@pytest.mark.slow
def test_a_bad_value_fails_synth_of_the_app_with_the_message(
    no_aws_credentials: dict[str, str],
) -> None:
    # Given the CLI's context with one bad id, passed the way `cdk synth` passes it
    context = cdk_app.cdk_json_context()
    context["syncAuditor"] = with_value(base(), "syncAuditor.kendra[1].indexId", "idx-1")
    env = {**no_aws_credentials, "CDK_CONTEXT_JSON": json.dumps(context)}

    # When app.py runs
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    # Then it fails, naming the field, the value and the allowed form
    assert result.returncode == 1
    assert (
        'syncAuditor.kendra[1].indexId: "idx-1" is not valid; expected a Kendra index id: '
        "exactly 36 characters matching [a-zA-Z0-9][a-zA-Z0-9-]*, e.g. "
    ) in result.stderr


def test_every_key_has_a_row_in_the_readmes_configuration_reference() -> None:
    from infra.config import KNOWN_KEYS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = readme.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]

    assert [key for key in KNOWN_KEYS if f"| `{key}` |" not in reference] == []
