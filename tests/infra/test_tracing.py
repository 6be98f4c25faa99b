"""Tracing on demand: the `tracing` key turns X-Ray active tracing on for both functions; off
(the default) there is no TracingConfig, no X-Ray grant and a Tracer told to do nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import load_config

from .config_support import base, problems_of, with_value
from .conftest import Synth, policy_grants
from .test_compliance import acknowledgments

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
FUNCTIONS = ("poller", "notifier")


def function_properties(synth: Synth, function: str) -> dict[str, Any]:
    construct = getattr(synth.stack, function).function
    properties: dict[str, Any] = synth.template_json["Resources"][synth.logical_id(construct)][
        "Properties"
    ]
    return properties


def test_tracing_is_off_unless_configured() -> None:
    assert load_config(base()).tracing is False
    assert load_config(with_value(base(), "syncAuditor.tracing", True)).tracing is True


@pytest.mark.parametrize("value", ["true", 1, None, {"enabled": True}])
def test_a_tracing_value_other_than_a_boolean_names_the_key_and_the_form(value: Any) -> None:
    message = problems_of(with_value(base(), "syncAuditor.tracing", value))

    assert f"syncAuditor.tracing: {json.dumps(value)} is not valid; expected true or false" in (
        message
    )


def test_a_misspelt_tracing_key_is_refused_and_lists_tracing_as_allowed() -> None:
    message = problems_of(with_value(base(), "syncAuditor.tracingEnabled", True))

    assert "syncAuditor.tracingEnabled: unknown key" in message
    assert "tracing" in message.split("allowed keys are", 1)[1]


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
def test_without_tracing_neither_function_traces_nor_may_write_to_x_ray(
    example: Synth, function: str
) -> None:
    # Given the shipped configuration, which does not set tracing
    properties = function_properties(example, function)
    grants = policy_grants(example, getattr(example.stack, function).auditor.role)

    # Then Lambda does not sample (no TracingConfig: its PassThrough default), the role has no
    # X-Ray action, and Powertools' Tracer is disabled through its own variable
    assert "TracingConfig" not in properties
    assert not XRAY_ACTIONS & set(grants)
    assert properties["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"


@pytest.mark.slow
@pytest.mark.parametrize("function", FUNCTIONS)
def test_with_tracing_both_functions_trace_actively_and_may_write_to_x_ray(
    variant: Synth, function: str
) -> None:
    # Given a configuration with "tracing": true
    assert variant.config.tracing is True
    properties = function_properties(variant, function)
    grants = policy_grants(variant, getattr(variant.stack, function).auditor.role)

    # Then the function traces actively, may put segments (on "*", the only resource X-Ray
    # takes), and the Tracer is left on
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert {action: grants[action] for action in XRAY_ACTIONS} == {a: {"*"} for a in XRAY_ACTIONS}
    assert "POWERTOOLS_TRACE_DISABLED" not in properties["Environment"]["Variables"]


@pytest.mark.slow
def test_the_x_ray_reason_is_acknowledged_only_when_tracing_is_on(
    example: Synth, variant: Synth
) -> None:
    notifier_policy = (
        "/SyncAuditor/Notify/Notifier/Role/DefaultPolicy",
        "AwsSolutions-IAM5[Resource::*]",
    )
    poller_policy = (
        "/SyncAuditor/Poll/Poller/Role/DefaultPolicy",
        "AwsSolutions-IAM5[Resource::*]",
    )
    off, on = acknowledgments(example), acknowledgments(variant)

    # The notifier's "*" is dynamodb:ListStreams either way; X-Ray is named only when traced
    assert "dynamodb:ListStreams" in off[notifier_policy]
    assert "xray:" not in off[notifier_policy]
    assert "xray:PutTraceSegments" in on[notifier_policy]
    # The example poller has no "*" at all without tracing; the variant's names X-Ray too
    assert poller_policy not in off
    assert "xray:PutTraceSegments" in on[poller_policy]
    assert "kendra:ListIndices" in on[poller_policy]
