"""The app's context, resolved without synthesizing: the stack name, and which of cdk.json,
-c syncAuditorFile=PATH and -c syncAuditor=JSON supplies the configuration."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import app as cdk_app
from infra.app_context import (
    CDK_JSON_SOURCE,
    DEFAULT_STACK_NAME,
    StackNameError,
    config_object,
    resolve,
    stack_name,
)
from infra.config import ConfigError, load_config
from sync_auditor_cli.queries import DEFAULT_STACK


@pytest.fixture
def cdk_json() -> dict[str, Any]:
    """The context as the CDK CLI hands it over with no -c: cdk.json's, syncAuditor an object."""
    return copy.deepcopy(cdk_app.cdk_json_context())


def dev_config(cdk_json: dict[str, Any]) -> dict[str, Any]:
    """Another configuration than cdk.json's, so the test can tell which one won."""
    config = copy.deepcopy(cdk_json["syncAuditor"])
    config["lookbackDays"] = 7
    config["kendra"] = "all"
    return config


def test_without_overrides_the_stack_is_the_default_one_from_cdk_json(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    resolved = resolve(cdk_json.get, tmp_path)

    assert resolved.stack_name == DEFAULT_STACK_NAME == cdk_app.STACK_NAME == "SyncAuditor"
    assert resolved.source == CDK_JSON_SOURCE
    assert resolved.config == load_config(cdk_json["syncAuditor"])


def test_the_clis_default_stack_is_the_apps_default_stack() -> None:
    # A renamed default would leave `sync-auditor history` looking for a stack nobody deployed.
    assert DEFAULT_STACK == DEFAULT_STACK_NAME


@pytest.mark.parametrize("name", ["sync-auditor-dev", "SyncAuditorProd", "a", "a" * 128])
def test_a_cloudformation_stack_name_is_taken(name: str) -> None:
    assert stack_name(name) == name


@pytest.mark.parametrize("name", ["", "1dev", "-dev", "sync_auditor", "dev.stack", "a" * 129, 7])
def test_a_bad_stack_name_names_the_key_the_value_and_the_form(name: Any) -> None:
    with pytest.raises(StackNameError) as raised:
        stack_name(name)

    message = str(raised.value)
    assert "stackName" in message
    assert json.dumps(name)[:40] in message
    assert "[A-Za-z][A-Za-z0-9-]*" in message
    assert "at most 128 characters" in message
    # app.py reports every context problem the same way.
    assert isinstance(raised.value, ConfigError)


def test_a_bad_stack_name_fails_the_app_before_any_stack_is_built(
    cdk_json: dict[str, Any],
) -> None:
    cdk_json["stackName"] = "dev_stack"

    with pytest.raises(StackNameError, match='"dev_stack" is not valid'):
        cdk_app.create_app(cdk_json)


@pytest.mark.parametrize("wrap", ["bare", "keyed", "cdk.json"])
def test_a_config_file_wins_over_cdk_json_in_each_of_its_forms(
    cdk_json: dict[str, Any], tmp_path: Path, wrap: str
) -> None:
    config = dev_config(cdk_json)
    content = {
        "bare": config,
        "keyed": {"syncAuditor": config},
        "cdk.json": {"app": "python app.py", "context": {"syncAuditor": config}},
    }[wrap]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "dev.json").write_text(json.dumps(content))
    cdk_json["syncAuditorFile"] = "config/dev.json"

    resolved = resolve(cdk_json.get, tmp_path)

    assert resolved.config == load_config(config)
    assert resolved.config.lookback_days == 7
    assert resolved.source == "config/dev.json (syncAuditorFile)"


def test_the_file_reader_is_the_one_audit_config_uses(cdk_json: dict[str, Any]) -> None:
    config = dev_config(cdk_json)

    assert config_object({"context": {"syncAuditor": config}}) == config
    assert config_object({"syncAuditor": config}) == config
    assert config_object(config) == config


def test_a_missing_config_file_is_named_with_where_relative_paths_start(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    cdk_json["syncAuditorFile"] = "config/prod.json"

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    message = str(raised.value)
    assert f"no file {tmp_path / 'config' / 'prod.json'}" in message
    assert f"a relative path is from {tmp_path}" in message


def test_a_config_file_that_is_not_json_says_where(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "dev.json").write_text('{\n  "kendra": "all",\n}\n')
    cdk_json["syncAuditorFile"] = "dev.json"

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    assert "dev.json is not JSON" in str(raised.value)
    assert "(line 3, column 1)" in str(raised.value)


def test_an_invalid_value_in_a_config_file_names_the_file_and_the_field(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    config = dev_config(cdk_json)
    config["lookbackDays"] = 0
    (tmp_path / "dev.json").write_text(json.dumps(config))
    cdk_json["syncAuditorFile"] = "dev.json"

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    message = str(raised.value)
    assert message.startswith("invalid syncAuditor configuration in dev.json (syncAuditorFile):")
    assert "syncAuditor.lookbackDays: 0 is not valid; expected a whole number from 1 to 365" in (
        message
    )


def test_an_empty_file_path_is_refused(cdk_json: dict[str, Any], tmp_path: Path) -> None:
    cdk_json["syncAuditorFile"] = ""

    with pytest.raises(ConfigError, match="expected the path of a JSON file"):
        resolve(cdk_json.get, tmp_path)


def test_json_given_with_c_is_parsed_and_wins_over_cdk_json(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    config = dev_config(cdk_json)
    # What `-c syncAuditor='{...}'` arrives as: the CLI passes -c values as strings.
    cdk_json["syncAuditor"] = json.dumps(config)

    resolved = resolve(cdk_json.get, tmp_path)

    assert resolved.config == load_config(config)
    assert resolved.source == "-c syncAuditor"


def test_json_given_with_c_that_does_not_parse_says_where_and_how_to_quote(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    cdk_json["syncAuditor"] = "{kendra: all}"

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    message = str(raised.value)
    assert "invalid syncAuditor configuration in -c syncAuditor" in message
    assert '"{kendra: all}" is not JSON' in message
    assert "(column 2)" in message


def test_an_invalid_value_in_c_json_names_the_option_and_the_field(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    cdk_json["syncAuditor"] = json.dumps({"kendra": "all", "schedule": "every 5 minutes"})

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    assert str(raised.value).startswith("invalid syncAuditor configuration in -c syncAuditor:")
    assert "syncAuditor.schedule" in str(raised.value)


def test_a_file_and_c_json_together_are_refused_not_one_silently_dropped(
    cdk_json: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "dev.json").write_text(json.dumps(dev_config(cdk_json)))
    cdk_json["syncAuditorFile"] = "dev.json"
    cdk_json["syncAuditor"] = json.dumps(dev_config(cdk_json))

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    assert "syncAuditorFile and syncAuditor are both given on the command line" in str(raised.value)


def test_cdk_json_errors_still_say_cdk_json(cdk_json: dict[str, Any], tmp_path: Path) -> None:
    cdk_json["syncAuditor"]["retryMode"] = "legacy"

    with pytest.raises(ConfigError) as raised:
        resolve(cdk_json.get, tmp_path)

    assert str(raised.value).startswith("invalid syncAuditor configuration in cdk.json context:")
