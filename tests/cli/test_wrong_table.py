"""A command pointed at a table that exists but is not the kind it needs says so (exit 253),
instead of passing on DynamoDB's ValidationException or reading it as "nothing there"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from devkit.tables import create_job_table, create_state_table
from tests.cli.support import REGION, WEB, run

STATE = "sync-auditor-state"
JOB = "sync-auditor-jobs"
OTHER = "orders"  # someone else's table: key pk + sk
BARE = "jobs-without-indexes"  # the job table's key, none of its indexes
JOB_KEY = "a job table's is dataSourceKey + executionId"


@pytest.fixture
def tables() -> Iterator[None]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_state_table(dynamodb, STATE)
        create_job_table(dynamodb, JOB)
        dynamodb.create_table(
            TableName=OTHER,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        )
        dynamodb.create_table(
            TableName=BARE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "dataSourceKey", "AttributeType": "S"},
                {"AttributeName": "executionId", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "dataSourceKey", "KeyType": "HASH"},
                {"AttributeName": "executionId", "KeyType": "RANGE"},
            ],
        )
        yield


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "cdk.json"
    path.write_text(json.dumps({"syncAuditor": {"kendra": [{"indexId": "i" * 36}]}}))
    return path


JOB_COMMANDS = {
    "history": ["history", WEB.key],
    "failures": ["failures"],
    "show": ["show", WEB.key, "w-1"],
    "report": ["report", "--format", "markdown"],
}
WRONG = {
    STATE: f"its key is id, a sync-auditor state table's; {JOB_KEY}",
    OTHER: f"its key is pk + sk; {JOB_KEY}",
    BARE: "it has the key dataSourceKey + executionId but no index",
}


def assert_wrong_table(code: int, err: str, *fragments: str) -> None:
    assert code == 253
    assert err.count("\n") == 1 and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize(
    ("command", "table"),
    # show reads the table's key only (GetItem, Query on dataSourceKey): the job key without
    # the indexes answers it truly, so that pair is not a wrong table for it.
    [(c, t) for c in sorted(JOB_COMMANDS) for t in sorted(WRONG) if (c, t) != ("show", BARE)],
)
def test_a_query_command_on_a_table_that_is_not_a_job_table(
    capsys: pytest.CaptureFixture[str], command: str, table: str
) -> None:
    result = run(capsys, *JOB_COMMANDS[command], "--table", table)

    assert_wrong_table(
        result.code,
        result.err,
        f"error: table {table!r} is not a sync-auditor job table",
        WRONG[table],
        "--table or $SYNC_AUDITOR_TABLE",
    )
    assert result.out == ""


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize("table", sorted(WRONG))
def test_audit_checks_the_job_table_before_polling(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, table: str
) -> None:
    result = run(
        capsys,
        "audit",
        "--config",
        str(_config(tmp_path)),
        "--table",
        table,
        "--state-table",
        STATE,
    )

    assert_wrong_table(result.code, result.err, "is not a sync-auditor job table", WRONG[table])
    # Not "no changes": nothing was polled
    assert result.out == ""


@pytest.mark.usefixtures("tables")
@pytest.mark.parametrize("command", [["audit", "--table", JOB], ["pending"]])
def test_the_job_table_where_the_state_table_is_expected(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str]
) -> None:
    config = ["--config", str(_config(tmp_path))] if command[0] == "audit" else []

    result = run(capsys, *command, *config, "--state-table", JOB)

    assert_wrong_table(
        result.code,
        result.err,
        f"table {JOB!r} is not a sync-auditor state table (its key is dataSourceKey + "
        "executionId, a sync-auditor job table's; a state table's is id)",
        "--state-table or $SYNC_AUDITOR_STATE_TABLE",
    )


@pytest.mark.usefixtures("tables")
def test_a_real_job_table_answers_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    # The check runs only when a request fails: an empty job table is an empty answer
    result = run(capsys, "failures", "--table", JOB, "-o", "json")

    assert (result.code, result.json()) == (0, [])
