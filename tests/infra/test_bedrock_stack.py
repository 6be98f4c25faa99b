"""Amazon Bedrock Knowledge Bases in the stack: the poller's grants on knowledge bases, what the
functions are told, and the cdk-nag findings, alarms and dashboard column it brings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cdk_nag import AwsSolutionsChecks

from sync_auditor.settings import NotifierSettings, PollerSettings

from .conftest import Synth, arn, policy_grants, synthesize
from .test_alarms import alarms_by_name, expression
from .test_bedrock_config import KB_LISTED, KB_WHOLE, bedrock_config
from .test_compliance import acknowledgments
from .test_dashboard import dashboard_body, metrics_on
from .test_stack import as_deployed, environment_of, poller_as_deployed

pytestmark = pytest.mark.slow

POLLER_POLICY = "/SyncAuditor/Poll/Poller/Role/DefaultPolicy"

# Bedrock alone, discovered: the one service of the deployment.
BEDROCK_ALL_CONFIG: dict[str, Any] = {"bedrock": "all", "alertEmails": ["kb-team@example.com"]}


@pytest.fixture(scope="module")
def bedrock(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(bedrock_config(), tmp_path_factory.mktemp("bedrock"))


@pytest.fixture(scope="module")
def bedrock_all(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(BEDROCK_ALL_CONFIG, tmp_path_factory.mktemp("bedrock-all"))


def bedrock_grants(synth: Synth) -> dict[str, set[str]]:
    grants = policy_grants(synth, synth.stack.poller.auditor.role)
    return {action: grants[action] for action in grants if action.startswith("bedrock:")}


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
        # a name lookup only where the entry lists its data sources by id
        "bedrock:GetDataSource": {listed},
        # a start only where the entry sets selfHealing
        "bedrock:StartIngestionJob": {listed},
    }
    # and nothing else changes: the other services' grants are the example's own
    others = policy_grants(bedrock, bedrock.stack.poller.auditor.role)
    assert {a: r for a, r in others.items() if not a.startswith("bedrock:")} == policy_grants(
        example, example.stack.poller.auditor.role
    )


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
    }


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


def test_the_functions_are_told_about_bedrock(bedrock: Synth, bedrock_all: Synth) -> None:
    poller = environment_of(bedrock, bedrock.stack.poller.function)
    notifier = environment_of(bedrock, bedrock.stack.notifier.function)

    targets = bedrock.targets_file().read_text()
    assert "TARGETS" not in poller
    assert targets == bedrock.config.targets_json()
    assert json.loads(targets)["bedrock"][1] == {
        "knowledgeBaseId": KB_WHOLE,
        "stuckAfterMinutes": 120,
        "expectSyncEveryHours": 24,
    }
    assert notifier["AUDITED_SERVICES"] == "kendra,qbusiness,bedrock"
    assert (
        environment_of(bedrock_all, bedrock_all.stack.notifier.function)["AUDITED_SERVICES"]
        == "bedrock"
    )
    assert json.loads(bedrock_all.targets_file().read_text()) == {
        "kendra": [],
        "qbusiness": [],
        "bedrock": "all",
    }


def test_the_runtime_reads_what_the_stack_tells_it_about_bedrock(
    bedrock: Synth, bedrock_all: Synth
) -> None:
    for synth, services in (
        (bedrock, ("kendra", "qbusiness", "bedrock")),
        (bedrock_all, ("bedrock",)),
    ):
        poller = poller_as_deployed(synth)
        notifier = as_deployed(environment_of(synth, synth.stack.notifier.function))

        assert PollerSettings.from_env(poller).targets == json.loads(
            synth.targets_file().read_text()
        )
        assert NotifierSettings.from_env(notifier).audited_services == services


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


@pytest.mark.parametrize("synth_name", ["bedrock", "bedrock_all"])
def test_aws_solutions_checks_report_no_unacknowledged_finding_with_bedrock(
    request: pytest.FixtureRequest, synth_name: str
) -> None:
    synth: Synth = request.getfixturevalue(synth_name)

    report = AwsSolutionsChecks(synth.app).validate_scope(synth.stack)

    assert [v.rule_name for v in report.violations] == []


def test_scoped_knowledge_bases_need_no_acknowledgment(bedrock: Synth, example: Synth) -> None:
    # Exact knowledge base ARNs: nothing for cdk-nag to accept beyond the example's own
    assert acknowledgments(bedrock) == acknowledgments(example)


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


# --- alarms and dashboard -------------------------------------------------------------------


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


def test_bedrock_alone_is_its_own_heartbeat(bedrock_all: Synth) -> None:
    alarms = alarms_by_name(bedrock_all)

    assert expression(alarms["poller-Heartbeat"]) == "ticksCompleted_bedrock"
    assert not [name for name in alarms if name.startswith(("kendra-", "qbusiness-"))]
    assert "kendra" not in json.dumps(dashboard_body(bedrock_all))


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
