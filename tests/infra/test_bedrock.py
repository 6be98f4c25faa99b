"""Amazon Bedrock Knowledge Bases on the infra side: its configuration, the poller's grants on
knowledge bases, TARGETS, and the alarms, dashboard and cdk-nag findings it brings."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import botocore.session
import pytest
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import ManualArgs, lint_file

import app as cdk_app
from infra import config_targets as targets_cfg
from infra.config import ConfigError, load_config
from infra.config_checks import IdForm

from .conftest import Synth, arn, policy_grants, synthesize
from .test_alarms import alarms_by_name, expression
from .test_compliance import IGNORED_CFN_LINT_RULES, acknowledgments
from .test_config import MISSING, base, problems_of, with_value
from .test_dashboard import dashboard_body, metrics_on
from .test_stack import environment_of

KB_LISTED = "KB12AB34CD"
DATA_SOURCES = ("DS56EF78GH", "DS90IJ12KL")
KB_WHOLE = "KB34MN56OP"
POLLER_POLICY = "/SyncAuditor/Poll/Poller/Role/DefaultPolicy"
BEDROCK_ACTIONS = (
    "bedrock:ListIngestionJobs",
    "bedrock:GetIngestionJob",
    "bedrock:ListDataSources",
    "bedrock:StartIngestionJob",
    "bedrock:ListKnowledgeBases",
    "bedrock:GetDataSource",
)


def bedrock_config() -> dict[str, Any]:
    """The cdk.json example plus two knowledge bases: one listing its data sources with
    self-healing on, one whole with its own watch settings."""
    config: dict[str, Any] = copy.deepcopy(cdk_app.cdk_json_context()["syncAuditor"])
    config["bedrock"] = [
        {"knowledgeBaseId": KB_LISTED, "dataSourceIds": list(DATA_SOURCES), "selfHealing": {}},
        {"knowledgeBaseId": KB_WHOLE, "stuckAfterMinutes": 120, "expectSyncEveryHours": 24},
    ]
    return config


# Bedrock alone, discovered: the one service of the deployment.
BEDROCK_ALL_CONFIG: dict[str, Any] = {"bedrock": "all", "alertEmails": ["kb-team@example.com"]}


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(bedrock_config(), tmp_path_factory.mktemp("bedrock"))


@pytest.fixture(scope="module")
def bedrock_all(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(BEDROCK_ALL_CONFIG, tmp_path_factory.mktemp("bedrock-all"))


# --- configuration --------------------------------------------------------------------------

HEALING_FORM = 'an object {"maxRetriesPerDay": 1-24, "backoffMinutes": 1-720}'

# (field path, bad value, a phrase of the allowed form the message must state)
BAD_VALUES: list[tuple[str, Any, str]] = [
    ("syncAuditor.bedrock", "everything", '"all" or a list of Bedrock knowledge base objects'),
    ("syncAuditor.bedrock", {"knowledgeBaseId": KB_WHOLE}, '"all" or a list of Bedrock knowledge base objects'),
    ("syncAuditor.bedrock[0]", KB_LISTED, "a Bedrock knowledge base object"),
    ("syncAuditor.bedrock[0].knowledgeBaseId", "KB12AB34C", "exactly 10 characters matching [0-9a-zA-Z]{10}"),
    ("syncAuditor.bedrock[0].knowledgeBaseId", "KB12AB34CDE", "exactly 10 characters"),
    ("syncAuditor.bedrock[0].knowledgeBaseId", "KB12-AB34C", "a Bedrock knowledge base id"),
    ("syncAuditor.bedrock[0].knowledgeBaseId", 1234567890, "a Bedrock knowledge base id"),
    ("syncAuditor.bedrock[0].knowledgeBaseId", None, "e.g. KB12AB34CD"),
    ("syncAuditor.bedrock[0].dataSourceIds", [], "a non-empty list of Bedrock data source ids"),
    ("syncAuditor.bedrock[0].dataSourceIds", DATA_SOURCES[0], "omit the key to audit every data source"),
    ("syncAuditor.bedrock[0].dataSourceIds[1]", "ds_90ij12k", "a Bedrock data source id: exactly 10 characters"),
    ("syncAuditor.bedrock[1].stuckAfterMinutes", 4, "a whole number from 5 to 10080"),
    ("syncAuditor.bedrock[1].stuckAfterMinutes", "120", "a whole number from 5 to 10080"),
    ("syncAuditor.bedrock[1].expectSyncEveryHours", 2161, "a whole number from 1 to 2160"),
    ("syncAuditor.bedrock[0].selfHealing", True, HEALING_FORM),
    ("syncAuditor.bedrock[0].selfHealing.maxRetriesPerDay", 25, "a whole number from 1 to 24"),
    ("syncAuditor.bedrock[0].selfHealing.backoffMinutes", 0, "a whole number from 1 to 720"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "form"), BAD_VALUES)
def test_a_bad_bedrock_value_names_its_field_the_value_and_the_allowed_form(
    path: str, value: Any, form: str
) -> None:
    # Given the Bedrock configuration with one field spoiled
    config = with_value(bedrock_config(), path, value)

    # When it is loaded
    error = pytest.raises(ConfigError, load_config, config).value

    # Then that is the one problem, with its path, the value and the allowed form
    assert len(error.problems) == 1
    assert error.problems[0].startswith(f"{path}: {json.dumps(value)} is not valid; expected ")
    assert form in error.problems[0]


@pytest.mark.parametrize(
    ("changed", "value", "explanation"),
    [
        ("syncAuditor.bedrock[0].knowledgeBaseId", MISSING, "syncAuditor.bedrock[0].knowledgeBaseId: is required"),
        ("syncAuditor.bedrock[1].indexId", KB_LISTED, "syncAuditor.bedrock[1].indexId: unknown key; allowed keys are knowledgeBaseId, dataSourceIds, stuckAfterMinutes, expectSyncEveryHours, selfHealing"),
        # the same knowledge base whole twice, or whole and by data source: its data sources twice
        ("syncAuditor.bedrock[2]", {"knowledgeBaseId": KB_WHOLE}, f"syncAuditor.bedrock[2].knowledgeBaseId: duplicate knowledge base '{KB_WHOLE}': list each knowledge base once (with all its dataSourceIds, or none to audit all)"),
        ("syncAuditor.bedrock[2]", {"knowledgeBaseId": KB_WHOLE, "dataSourceIds": ["DS00AA11BB"]}, f"syncAuditor.bedrock[2].knowledgeBaseId: duplicate knowledge base '{KB_WHOLE}'"),
        ("syncAuditor.bedrock[0].dataSourceIds[2]", DATA_SOURCES[0], f"syncAuditor.bedrock[0].dataSourceIds[2]: duplicate Bedrock data source id '{DATA_SOURCES[0]}'"),
    ],
)  # fmt: skip
def test_missing_unknown_and_overlapping_bedrock_entries_fail_with_their_path(
    changed: str, value: Any, explanation: str
) -> None:
    error = pytest.raises(ConfigError, load_config, with_value(bedrock_config(), changed, value))

    (problem,) = error.value.problems
    assert problem.startswith(explanation)


def test_bedrock_all_audits_every_knowledge_base_and_is_passed_on_as_such() -> None:
    config = load_config({"bedrock": "all"})

    assert config.services == ("bedrock",)
    assert config.bedrock == "all"
    # the first two services' keys are always in TARGETS; Bedrock's only when configured
    assert json.loads(config.targets_json()) == {"kendra": [], "qbusiness": [], "bedrock": "all"}


def test_bedrock_comes_after_the_other_services_wherever_it_is_written() -> None:
    raw = {"bedrock": "all", **base()}

    assert load_config(raw).services == ("kendra", "qbusiness", "bedrock")


def test_targets_carry_the_bedrock_entries_as_configured_with_defaults_spelled_out() -> None:
    raw = bedrock_config()

    targets = json.loads(load_config(raw).targets_json())

    assert targets["bedrock"] == [
        {
            "knowledgeBaseId": KB_LISTED,
            "dataSourceIds": list(DATA_SOURCES),
            "selfHealing": {"maxRetriesPerDay": 3, "backoffMinutes": 15},
        },
        {"knowledgeBaseId": KB_WHOLE, "stuckAfterMinutes": 120, "expectSyncEveryHours": 24},
    ]
    assert (targets["kendra"], targets["qbusiness"]) == (raw["kendra"], raw["qbusiness"])
    # And TARGETS is itself a valid configuration that means the same
    assert load_config(base() | targets) == load_config(raw)


def test_a_bedrock_entry_with_self_healing_turns_self_healing_on() -> None:
    raw = {"bedrock": [{"knowledgeBaseId": KB_WHOLE, "selfHealing": {"backoffMinutes": 60}}]}

    config = load_config(raw)

    assert config.self_healing_enabled is True
    assert isinstance(config.bedrock, tuple)
    assert config.bedrock[0].settings.self_healing == targets_cfg.SelfHealingSettings(3, 60)


@pytest.mark.parametrize("raw", [{"bedrock": []}, {"kendra": [], "qbusiness": [], "bedrock": []}])
def test_nothing_to_audit_names_bedrock_too(raw: dict[str, Any]) -> None:
    assert (
        'syncAuditor: nothing to audit: set "kendra", "qbusiness" and/or "bedrock" to a list of '
        'targets or "all"'
    ) in problems_of(raw)


def test_too_many_listed_bedrock_data_sources_name_bedrock_and_how_to_shorten() -> None:
    # Given 40 knowledge bases listing ten data sources each (~19 KB of JSON)
    many = [
        {"knowledgeBaseId": f"KB{n:08d}", "dataSourceIds": [f"DS{n:04d}{d:04d}" for d in range(10)]}
        for n in range(40)
    ]

    message = problems_of(with_value(base(), "syncAuditor.bedrock", many))

    assert "syncAuditor.kendra + syncAuditor.qbusiness + syncAuditor.bedrock: the targets take" in (
        message
    )
    assert "List whole indexes, applications or knowledge bases (omit dataSourceIds / indexId)" in (
        message
    )


@cache
def bedrock_agent_model() -> Any:
    return botocore.session.get_session().get_service_model("bedrock-agent")


@pytest.mark.parametrize(
    ("form", "operation", "member"),
    [
        (targets_cfg.BEDROCK_KNOWLEDGE_BASE_ID, operation, "knowledgeBaseId")
        for operation in ("ListIngestionJobs", "GetIngestionJob", "StartIngestionJob", "ListDataSources")
    ]
    + [
        (targets_cfg.BEDROCK_DATA_SOURCE_ID, operation, "dataSourceId")
        for operation in ("ListIngestionJobs", "GetIngestionJob", "StartIngestionJob")
    ],
)  # fmt: skip
def test_bedrock_id_forms_are_the_service_model_s_own(
    form: IdForm, operation: str, member: str
) -> None:
    shape = bedrock_agent_model().operation_model(operation).input_shape.members[member]

    # The model gives no min/max for these ids: the pattern's {10} is their length
    assert form.pattern == shape.metadata["pattern"] == "[0-9a-zA-Z]{10}"
    assert "min" not in shape.metadata and "max" not in shape.metadata
    assert (form.min_length, form.max_length) == (10, 10)
    assert form.matches(form.example)


# --- the stack ------------------------------------------------------------------------------


def bedrock_grants(synth: Synth) -> dict[str, set[str]]:
    grants = policy_grants(synth, synth.stack.poller.auditor.role)
    return {action: grants[action] for action in BEDROCK_ACTIONS if action in grants}


@pytest.mark.slow
def test_the_poller_may_read_and_restart_exactly_the_configured_knowledge_bases(
    bedrock: Synth, example: Synth
) -> None:
    listed = arn("bedrock", f"knowledge-base/{KB_LISTED}")
    whole = arn("bedrock", f"knowledge-base/{KB_WHOLE}")

    grants = bedrock_grants(bedrock)

    # Bedrock's only resource type is the knowledge base: no data source narrows a grant
    assert grants == {
        "bedrock:ListIngestionJobs": {listed, whole},
        # failureReasons come only from GetIngestionJob
        "bedrock:GetIngestionJob": {listed, whole},
        # discovery only where the entry lists no data sources
        "bedrock:ListDataSources": {whole},
        # a start only where the entry sets selfHealing
        "bedrock:StartIngestionJob": {listed},
    }
    # and nothing else changes: the other services' grants are the example's own
    others = policy_grants(bedrock, bedrock.stack.poller.auditor.role)
    assert {a: r for a, r in others.items() if not a.startswith("bedrock:")} == policy_grants(
        example, example.stack.poller.auditor.role
    )


@pytest.mark.slow
def test_discovering_every_knowledge_base_adds_list_knowledge_bases_on_star_and_no_start(
    bedrock_all: Synth,
) -> None:
    every_base = arn("bedrock", "knowledge-base/*")

    grants = policy_grants(bedrock_all, bedrock_all.stack.poller.auditor.role)

    assert bedrock_grants(bedrock_all) == {
        "bedrock:ListIngestionJobs": {every_base},
        "bedrock:GetIngestionJob": {every_base},
        "bedrock:ListDataSources": {every_base},
        "bedrock:ListKnowledgeBases": {"*"},
    }
    assert not [a for a in grants if a.startswith(("kendra:", "qbusiness:"))]
    assert {a for a, resources in grants.items() if "*" in resources} == {
        "bedrock:ListKnowledgeBases",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


@pytest.mark.slow
def test_bedrock_adds_nothing_to_the_notifier(
    bedrock: Synth, bedrock_all: Synth, example: Synth
) -> None:
    # Its failure reasons come from the API through the poller, not from log groups
    assert policy_grants(bedrock, bedrock.stack.notifier.auditor.role) == policy_grants(
        example, example.stack.notifier.auditor.role
    )
    alone = policy_grants(bedrock_all, bedrock_all.stack.notifier.auditor.role)
    assert "logs:FilterLogEvents" not in alone
    assert not [a for a in alone if a.startswith("bedrock:")]


@pytest.mark.slow
def test_the_functions_are_told_about_bedrock(bedrock: Synth, bedrock_all: Synth) -> None:
    poller = environment_of(bedrock, bedrock.stack.poller.function)
    notifier = environment_of(bedrock, bedrock.stack.notifier.function)

    assert poller["TARGETS"] == bedrock.config.targets_json()
    assert json.loads(poller["TARGETS"])["bedrock"][1] == {
        "knowledgeBaseId": KB_WHOLE,
        "stuckAfterMinutes": 120,
        "expectSyncEveryHours": 24,
    }
    assert ": " not in poller["TARGETS"]
    assert notifier["AUDITED_SERVICES"] == "kendra,qbusiness,bedrock"
    assert (
        environment_of(bedrock_all, bedrock_all.stack.notifier.function)["AUDITED_SERVICES"]
        == "bedrock"
    )
    assert json.loads(
        environment_of(bedrock_all, bedrock_all.stack.poller.function)["TARGETS"]
    ) == {
        "kendra": [],
        "qbusiness": [],
        "bedrock": "all",
    }


@pytest.mark.slow
def test_the_descriptions_name_the_audited_services(bedrock: Synth, bedrock_all: Synth) -> None:
    poller = bedrock.template_json["Resources"][bedrock.logical_id(bedrock.stack.poller.function)]

    assert bedrock.template_json["Description"] == (
        "sync-auditor: audits Amazon Kendra, Amazon Q Business and Amazon Bedrock Knowledge Bases "
        "data source syncs"
    )
    assert poller["Properties"]["Description"] == (
        "sync-auditor: records Kendra / Q Business / Bedrock sync jobs in the job table"
    )
    assert "Bedrock" in bedrock_all.template_json["Description"]
    assert "Kendra" not in bedrock_all.template_json["Description"]


# --- compliance -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("synth_name", ["bedrock", "bedrock_all"])
def test_aws_solutions_checks_report_no_unacknowledged_finding_with_bedrock(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    report = AwsSolutionsChecks(synth.app).validate_scope(synth.stack)

    assert [v.rule_name for v in report.violations] == []


@pytest.mark.slow
def test_scoped_knowledge_bases_need_no_acknowledgment(bedrock: Synth, example: Synth) -> None:
    # Exact knowledge base ARNs: nothing for cdk-nag to accept beyond the example's own
    assert acknowledgments(bedrock) == acknowledgments(example)


@pytest.mark.slow
def test_discovery_acknowledgments_say_why_bedrock_needs_its_wildcards(bedrock_all: Synth) -> None:
    found = acknowledgments(bedrock_all)
    granted = set().union(
        *policy_grants(bedrock_all, bedrock_all.stack.poller.auditor.role).values()
    )
    poller_wildcards = {
        rule.removeprefix("AwsSolutions-IAM5[Resource::").removesuffix("]")
        for (path, rule) in found
        if path == POLLER_POLICY
    }

    assert "bedrock:ListKnowledgeBases" in found[(POLLER_POLICY, "AwsSolutions-IAM5[Resource::*]")]
    every_base = arn("bedrock", "knowledge-base/*")
    assert (
        "listed at poll time"
        in found[(POLLER_POLICY, f"AwsSolutions-IAM5[Resource::{every_base}]")]
    )
    assert poller_wildcards == {"*", every_base}
    assert poller_wildcards <= granted
    # the notifier reads no log group, so it accepts no log group wildcard
    assert [rule for (path, rule) in found if path.startswith("/SyncAuditor/Notify/Notifier")] == [
        "AwsSolutions-IAM5[Resource::*]"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("synth_name", ["bedrock", "bedrock_all"])
def test_cfn_lint_reports_nothing_with_bedrock(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    # Its W3037 knows every bedrock action: a misspelt one in a grant would show here
    synth: Synth = request.getfixturevalue(synth_name)
    template = synth.assembly_dir / "SyncAuditor.template.json"

    matches = lint_file(template, config=ManualArgs(ignore_checks=IGNORED_CFN_LINT_RULES))

    assert [str(match) for match in matches] == []


# --- alarms and dashboard -------------------------------------------------------------------


@pytest.mark.slow
def test_bedrock_gets_the_per_service_alarms_on_service_bedrock(bedrock: Synth) -> None:
    alarms = alarms_by_name(bedrock)

    for metric in (
        "SyncJobsFailed", "SyncJobsIncomplete", "SyncJobsStuck", "DataSourcesSilent",
        "SyncRetriesSkipped", "PollErrors",
    ):  # fmt: skip
        alarm = alarms[f"bedrock-{metric}"]
        assert (alarm["Namespace"], alarm["MetricName"]) == ("SyncAuditor", metric)
        assert alarm["Dimensions"] == [{"Name": "Service", "Value": "bedrock"}]
    # per service: 5 job-event alarms (self-healing is on) and PollErrors; 13 health alarms
    assert len(alarms) == 3 * (5 + 1) + 13
    assert expression(alarms["poller-Heartbeat"]) == (
        "SUM([ticksCompleted_kendra, ticksCompleted_qbusiness, ticksCompleted_bedrock])"
    )


@pytest.mark.slow
def test_bedrock_alone_is_its_own_heartbeat(bedrock_all: Synth) -> None:
    alarms = alarms_by_name(bedrock_all)

    assert expression(alarms["poller-Heartbeat"]) == "ticksCompleted_bedrock"
    assert not [name for name in alarms if name.startswith(("kendra-", "qbusiness-"))]
    assert "kendra" not in json.dumps(dashboard_body(bedrock_all))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("synth_name", "services"),
    [("bedrock", ("kendra", "qbusiness", "bedrock")), ("bedrock_all", ("bedrock",))],
)
def test_the_dashboard_has_a_bedrock_column(
    request: pytest.FixtureRequest, synth_name: str, services: tuple[str, ...]
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)
    body = dashboard_body(synth)

    lines = metrics_on(body)
    for metric in ("SyncJobsFailed", "SyncJobsIncomplete", "DocumentsFailed", "PollErrors"):
        assert ("SyncAuditor", metric, "Service", "bedrock") in lines
    # one column per service, across the dashboard's 24 units
    for kind in ("sync outcomes", "auditor health"):
        widgets = [w for w in body["widgets"] if kind in w["properties"].get("title", "")]
        assert [w["properties"]["title"].split(":")[0] for w in widgets] == list(services)
        assert {w["width"] for w in widgets} == {24 // len(services)}
