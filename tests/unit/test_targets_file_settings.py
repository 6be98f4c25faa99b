"""The poller's targets come from the file TARGETS_FILE names (as deployed) or from TARGETS (the
CLI, the demo, tests); anything else is a SettingsError naming the variable, the path and the form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sync_auditor.settings import PollerSettings, SettingsError

TABLES = {"JOB_TABLE_NAME": "jobs", "STATE_TABLE_NAME": "state"}
TARGETS = {
    "kendra": [{"indexId": "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607", "dataSourceIds": ["web"]}],
    "qbusiness": [],
    "bedrock": "all",
}


def targets_file(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "sync-auditor" / "targets.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def error_of(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as raised:
        PollerSettings.from_env({**TABLES, **env})
    return str(raised.value)


def test_the_targets_are_read_from_the_file_targets_file_names(tmp_path: Path) -> None:
    path = targets_file(tmp_path, json.dumps(TARGETS, separators=(",", ":")))

    settings = PollerSettings.from_env({**TABLES, "TARGETS_FILE": str(path)})

    assert settings.targets == TARGETS


def test_targets_in_the_variable_still_work_without_a_file() -> None:
    settings = PollerSettings.from_env({**TABLES, "TARGETS": json.dumps(TARGETS)})

    assert settings.targets == TARGETS


def test_a_missing_file_names_its_path_and_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "targets.json"

    message = error_of({"TARGETS_FILE": str(missing)})

    assert f"the targets file {str(missing)!r} (environment variable TARGETS_FILE)" in message
    assert "cannot be read" in message
    assert "No such file or directory" in message


def test_a_directory_is_not_a_targets_file(tmp_path: Path) -> None:
    message = error_of({"TARGETS_FILE": str(tmp_path)})

    assert f"the targets file {str(tmp_path)!r}" in message
    assert "cannot be read" in message


def test_a_file_that_is_not_utf8_text_cannot_be_read(tmp_path: Path) -> None:
    path = targets_file(tmp_path, b'{"kendra": "\xff"}')

    assert "cannot be read" in error_of({"TARGETS_FILE": str(path)})


def test_a_file_that_is_not_json_says_so_with_its_path(tmp_path: Path) -> None:
    path = targets_file(tmp_path, '{"kendra": [')

    message = error_of({"TARGETS_FILE": str(path)})

    assert re.search(rf"the targets file {re.escape(repr(str(path)))} .* is not JSON: ", message)


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '"all"',
        '{"elastic": []}',
        '{"kendra": "every"}',
        '{"kendra": {"indexId": "x"}}',
        '{"kendra": ["0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"]}',
    ],
)
def test_json_of_another_form_names_the_path_and_the_expected_form(
    tmp_path: Path, content: str
) -> None:
    path = targets_file(tmp_path, content)

    message = error_of({"TARGETS_FILE": str(path)})

    assert f"the targets file {str(path)!r} (environment variable TARGETS_FILE) must be" in message
    assert '"kendra": "all" | [{...}, ...]' in message
    assert '"bedrock": "all" | [{...}, ...]' in message


def test_both_the_file_and_the_variable_is_ambiguous(tmp_path: Path) -> None:
    path = targets_file(tmp_path, json.dumps(TARGETS))

    message = error_of({"TARGETS_FILE": str(path), "TARGETS": json.dumps(TARGETS)})

    assert "TARGETS_FILE" in message and "TARGETS are both set" in message


def test_neither_the_file_nor_the_variable_names_both() -> None:
    message = error_of({"TARGETS_FILE": " ", "TARGETS": ""})

    assert "TARGETS_FILE (the path of the targets file) or TARGETS" in message
    assert "is required" in message
