"""The targets file is a layer of its own on the poller: its asset changes exactly when the
targets do, so a deploy updates it then and leaves it (and the code both functions share)
alone otherwise."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.config import load_config
from infra.targets_file import TARGETS_FILE, stage_targets, targets_layer

from .config_support import base
from .conftest import Synth, render

pytestmark = pytest.mark.slow


def layer_key(raw: dict[str, Any]) -> str:
    """The S3 key (content hash) of the targets layer a bare stack makes of `raw`."""
    stack = cdk.Stack(cdk.App(), "Bare")
    targets_layer(stack, "Targets", load_config(raw))
    (layer,) = Template.from_stack(stack).find_resources("AWS::Lambda::LayerVersion").values()
    key: str = layer["Properties"]["Content"]["S3Key"]
    return key


def test_the_same_targets_make_the_same_asset_and_other_targets_another() -> None:
    other_settings = {**base(), "lookbackDays": 60, "tracing": True}
    one_more = copy.deepcopy(base())
    one_more["kendra"][0]["dataSourceIds"].append("one-more")

    key = layer_key(base())

    assert layer_key(copy.deepcopy(base())) == key
    # settings that are not targets travel in variables: they leave the file alone
    assert layer_key(other_settings) == key
    assert layer_key(one_more) != key


def test_the_staged_file_is_the_configuration_s_targets_at_the_path_lambda_mounts() -> None:
    content = load_config(base()).targets_json()

    root = stage_targets(content)

    assert (root / Path(TARGETS_FILE).relative_to("/opt")).read_text(encoding="utf-8") == content
    assert [p.relative_to(root) for p in root.rglob("*") if p.is_file()] == [
        Path(TARGETS_FILE).relative_to("/opt")
    ]
    assert stage_targets(content) == root


def code_of(synth: Synth, function: Any) -> str:
    resource = synth.template_json["Resources"][synth.logical_id(function)]
    return json.dumps(render(resource["Properties"]["Code"]))


def test_a_targets_change_updates_the_layer_but_not_the_code(
    example: Synth, healing: Synth
) -> None:
    # Given two deployments that differ only in their targets (selfHealing on two entries)
    (example_layer,) = example.resources("AWS::Lambda::LayerVersion").values()
    (healing_layer,) = healing.resources("AWS::Lambda::LayerVersion").values()

    # Then the targets layer differs, and the code asset is the same one
    assert example_layer["Properties"]["Content"] != healing_layer["Properties"]["Content"]
    assert code_of(example, example.stack.poller.function) == code_of(
        healing, healing.stack.poller.function
    )


def test_only_the_poller_mounts_the_targets_layer_beside_powertools(example: Synth) -> None:
    (layer_id,) = example.resources("AWS::Lambda::LayerVersion")

    def layers(function: Any) -> list[Any]:
        resource = example.template_json["Resources"][example.logical_id(function)]
        found: list[Any] = resource["Properties"]["Layers"]
        return found

    poller, notifier = (
        layers(example.stack.poller.function),
        layers(example.stack.notifier.function),
    )
    # (CloudFormation gets them in CDK's order; no file of one is in the other, so any works)
    assert sorted(map(json.dumps, poller)) == sorted(
        map(json.dumps, [*notifier, {"Ref": layer_id}])
    )
    assert {"Ref": layer_id} not in notifier
    assert example.resources("AWS::Lambda::LayerVersion")[layer_id]["Properties"][
        "CompatibleArchitectures"
    ] == ["arm64"]
