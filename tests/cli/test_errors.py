"""Bad input and a broken environment: one line that says what to do, the documented exit
code, and never a traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from sync_auditor_cli.main import main
from tests.cli.support import (
    FAILED_RUN,
    INDEX,
    NOW,
    REGION,
    TABLE,
    WEB,
    Result,
    record_history,
    run,
)


def assert_one_line_error(result: Result, code: int, *fragments: str) -> None:
    assert result.code == code
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith("sync-auditor: error: ")
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err


@pytest.fixture
def recorded_aws() -> Iterator[None]:
    with mock_aws():
        record_history()
        yield


@pytest.mark.usefixtures("recorded_aws")
class TestUnknownDataSource:
    def test_history_of_a_data_source_with_no_record_exits_254(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        result = run(capsys, "history", f"kendra#{INDEX}#no-such-source", "--table", TABLE)

        assert_one_line_error(
            result, 254, f"unknown data source 'kendra#{INDEX}#no-such-source'", "check the ids"
        )

    def test_show_in_a_data_source_with_no_record_exits_254(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        result = run(
            capsys,
            "show",
            "x-1",
            *("--application", "app", "--index", "idx", "--data-source", "ds"),
            *("--table", TABLE),
        )

        assert_one_line_error(result, 254, "unknown data source 'qbusiness#app#idx#ds'")


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["history", "kendra#only-one-part"], ["'kendra#only-one-part' is not 'kendra#<indexId>"]),
        (["history"], ["which data source?", "--kendra-index ID --data-source ID"]),
        (["history", "--data-source", "ds"], ["--data-source do not name one data source"]),
        (
            ["history", WEB.key, "--kendra-index", INDEX],
            ["give the dataSourceKey or --kendra-index, not both"],
        ),
        (["show", WEB.key, "w-1", "extra"], ["expected [DATA_SOURCE_KEY] EXECUTION_ID, got 3"]),
        (
            ["history", WEB.key, "--since", "7days"],
            ["--since '7days' is not a duration", "30m, 12h, 7d, 2w"],
        ),
        (["history", WEB.key, "--since", "0d"], ["--since '0d' is not a duration"]),
        (
            ["failures", "--from", "yesterday"],
            ["--from 'yesterday' is not a date or time", "2026-11-22T06:00:00Z"],
        ),
        (["failures", "--to", "2026-02-30"], ["--to '2026-02-30' is not a date or time"]),
        (
            ["failures", "--from", "2026-11-22", "--to", "2026-11-01"],
            ["--from '2026-11-22' is after --to '2026-11-01'"],
        ),
        (["failures", "--since", "7d", "--from", "2026-11-01"], ["--since cannot be combined"]),
    ],
)
def test_malformed_input_fails_before_any_aws_call(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    # No moto here: a call to AWS would fail differently, so these are checked offline.
    result = run(capsys, *argv, "--table", TABLE)

    assert_one_line_error(result, 252, *fragments)


def test_argparse_rejects_an_unknown_status_with_exit_252(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["failures", "--status", "FAILD"])

    assert exited.value.code == 252
    assert "'FAILD' is not a sync status; allowed: ABORTED, FAILED" in capsys.readouterr().err


@pytest.fixture
def no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no AWS credentials anywhere (and no instance metadata to ask)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
        empty = tmp_path / name.lower()
        empty.write_text("")
        monkeypatch.setenv(name, str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.usefixtures("no_credentials")
@pytest.mark.parametrize(
    "argv",
    [
        ["history", WEB.key, "--table", TABLE],
        ["failures", "--table", TABLE],
        ["show", WEB.key, "w-1", "--table", TABLE],
        ["history", WEB.key],  # the stack lookup is the first call
    ],
)
def test_missing_credentials(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    result = run(capsys, *argv)

    assert_one_line_error(result, 253, "no AWS credentials found", "aws sso login", "--profile")


def test_an_unknown_profile(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures", "--table", TABLE, "--profile", "no-such-profile")

    assert_one_line_error(result, 253, "AWS profile 'no-such-profile' is not in your AWS config")


def test_no_region(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    result = run(capsys, "failures", "--table", TABLE)

    assert_one_line_error(result, 253, "no AWS region: pass --region")


@mock_aws
def test_a_table_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["history", WEB.key],
        ["failures"],
        ["show", WEB.key, "w-1"],
    ):
        result = run(capsys, *argv, "--table", "no-such-table")

        assert_one_line_error(
            result, 253, "table 'no-such-table' does not exist in us-east-1", "--region"
        )


@mock_aws
def test_no_table_name_and_no_deployed_stack(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures")
    other = run(capsys, "failures", "--stack", "Audit-Prod", "--region", "eu-west-1")

    assert_one_line_error(
        result,
        253,
        "stack 'SyncAuditor' not found in us-east-1",
        "pass --table or set SYNC_AUDITOR_TABLE",
    )
    assert_one_line_error(other, 253, "stack 'Audit-Prod' not found in eu-west-1")


def _deploy_stack(outputs: dict[str, str]) -> None:
    """A stand-in for the deployed SyncAuditor stack: only its outputs matter to the CLI."""
    template = {
        "Resources": {"AlertTopic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {name: {"Value": value} for name, value in outputs.items()},
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="SyncAuditor", TemplateBody=json.dumps(template)
    )


@pytest.mark.usefixtures("recorded_aws")
def test_the_table_name_comes_from_the_deployed_stacks_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _deploy_stack({"JobTableName": TABLE, "StateTableName": "state", "AlertTopicArn": "arn"})

    result = run(capsys, "history", WEB.key, "-o", "json")

    assert result.code == 0
    assert [r["executionId"] for r in result.json()] == [FAILED_RUN, "w-2", "w-1"]


@pytest.mark.usefixtures("recorded_aws")
def test_a_stack_without_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    _deploy_stack({"SomethingElse": "x"})

    result = run(capsys, "failures")

    assert_one_line_error(result, 253, "stack 'SyncAuditor' has no output JobTableName")


@pytest.mark.usefixtures("recorded_aws")
def test_the_environment_variable_names_the_table_before_the_stack(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _deploy_stack({"JobTableName": "not-this-one"})
    monkeypatch.setenv("SYNC_AUDITOR_TABLE", TABLE)

    from_env = run(capsys, "failures", "-o", "json")
    flag_wins = run(capsys, "failures", "--table", "flag-table")

    assert from_env.code == 0 and len(from_env.json()) == 2
    assert_one_line_error(flag_wins, 253, "table 'flag-table' does not exist")


def test_the_clock_is_the_only_source_of_now() -> None:
    # Guards the tests' premise: every recorded job started before NOW.
    assert NOW.isoformat() == "2026-11-22T12:00:00+00:00"
