"""Amazon Bedrock Knowledge Bases in the syncAuditor context: every bad value fails with its
field path, the value and the allowed form, and TARGETS carries the entries as configured."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import botocore.session
import pytest

import app as cdk_app
from infra import config_targets as targets_cfg
from infra.config import load_config
from infra.config_checks import IdForm

from .config_support import MISSING, base, problem_list, problems_of, with_value

KB_LISTED = "KB12AB34CD"
DATA_SOURCES = ("DS56EF78GH", "DS90IJ12KL")
KB_WHOLE = "KB34MN56OP"


def bedrock_config() -> dict[str, Any]:
    """The cdk.json example plus two knowledge bases: one listing its data sources with
    self-healing on, one whole with its own watch settings."""
    config: dict[str, Any] = copy.deepcopy(cdk_app.cdk_json_context()["syncAuditor"])
    config["bedrock"] = [
        {"knowledgeBaseId": KB_LISTED, "dataSourceIds": list(DATA_SOURCES), "selfHealing": {}},
        {"knowledgeBaseId": KB_WHOLE, "stuckAfterMinutes": 120, "expectSyncEveryHours": 24},
    ]
    return config


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
    (problem,) = problem_list(config)

    # Then that is the one problem, with its path, the value and the allowed form
    assert problem.startswith(f"{path}: {json.dumps(value)} is not valid; expected ")
    assert form in problem


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
    (problem,) = problem_list(with_value(bedrock_config(), changed, value))
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


def test_many_listed_bedrock_data_sources_are_no_longer_refused() -> None:
    # Given 40 knowledge bases listing ten data sources each (~19 KB of JSON, which Lambda's
    # 4 KB of variables could not carry; the targets now travel in a file)
    many = [
        {"knowledgeBaseId": f"KB{n:08d}", "dataSourceIds": [f"DS{n:04d}{d:04d}" for d in range(10)]}
        for n in range(40)
    ]

    targets = json.loads(
        load_config(with_value(base(), "syncAuditor.bedrock", many)).targets_json()
    )

    assert targets["bedrock"] == many


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
