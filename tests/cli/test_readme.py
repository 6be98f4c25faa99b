"""The README's answers, run: each question's `aws dynamodb` calls (as boto3 requests) and its
`sync-auditor` commands against the recorded history, and both must find the same jobs. A
README example that stops working, or stops matching what the command does, fails here."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.support import FAILED_RUN, REGION, TABLE, run

README = Path(__file__).parents[2] / "README.md"
QUESTIONS = {
    "What failed last night, across all sources?": {FAILED_RUN, "sp-1"},
    "Show every sync of this data source this month": {FAILED_RUN, "w-2", "w-1"},
    "Why did this job fail, and when did it change state?": {FAILED_RUN},
}
# AWS CLI options and the request parameters they become (JSON-valued ones are parsed).
PARAMETERS = {
    "--table-name": ("TableName", False),
    "--index-name": ("IndexName", False),
    "--key-condition-expression": ("KeyConditionExpression", False),
    "--filter-expression": ("FilterExpression", False),
    "--expression-attribute-names": ("ExpressionAttributeNames", True),
    "--expression-attribute-values": ("ExpressionAttributeValues", True),
    "--key": ("Key", True),
}
SWITCHES = {"--no-scan-index-forward": ("ScanIndexForward", False)}
# Applied by the AWS CLI to the response (JMESPath, format): no part of the request.
CLIENT_SIDE = {"--query", "--output"}


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"#### {title}")
    end = text.find("\n#### ", start + 1)
    return text[start : end if end != -1 else None]


def shell_commands(markdown: str) -> Iterator[list[str]]:
    """Each command of the ```sh blocks as argv, continuation lines joined and `for status in
    ...; do ... done` loops unrolled (the only shell the README uses)."""
    for block in re.findall(r"```sh\n(.*?)```", markdown, flags=re.DOTALL):
        lines = block.replace("\\\n", " ").splitlines()
        loop: list[str] | None = None
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("for status in "):
                loop = stripped.removeprefix("for status in ").removesuffix("; do").split()
            elif stripped == "done":
                loop = None
            elif stripped:
                argv = shlex.split(stripped, comments=True)
                values: list[str | None] = list(loop) if loop else [None]
                for value in values:
                    expanded = [a.replace("$TABLE", TABLE) for a in argv]
                    if value is not None:
                        expanded = [a.replace("$status", value) for a in expanded]
                    yield expanded


def aws_request(argv: list[str]) -> tuple[str, dict[str, Any]]:
    operation = argv[2].replace("-", "_")
    request: dict[str, Any] = {}
    options = iter(argv[3:])
    for option in options:
        if option in SWITCHES:
            name, value = SWITCHES[option]
            request[name] = value
        elif option in PARAMETERS:
            name, is_json = PARAMETERS[option]
            raw = next(options)
            request[name] = json.loads(raw) if is_json else raw
        elif option in CLIENT_SIDE:
            next(options)
        else:
            raise AssertionError(f"the README uses {option}, which this test does not translate")
    return operation, request


def found_by_aws(commands: list[list[str]]) -> set[str]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    found: set[str] = set()
    for argv in commands:
        operation, request = aws_request(argv)
        response = getattr(dynamodb, operation)(**request)
        items = response.get("Items") or [response["Item"]]
        found |= {item["executionId"]["S"] for item in items}
    return found


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("question", sorted(QUESTIONS))
def test_the_command_and_the_plain_query_give_the_same_answer(
    question: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the table's name where the README puts it
    monkeypatch.setenv("SYNC_AUDITOR_TABLE", TABLE)
    commands = list(shell_commands(section(question)))
    aws = [argv for argv in commands if argv[:2] == ["aws", "dynamodb"]]
    cli = [argv for argv in commands if argv[0] == "sync-auditor"]
    assert aws and cli

    # When each is run
    by_aws = found_by_aws(aws)
    for argv in cli:
        argv = argv[: argv.index(">")] if ">" in argv else argv  # the shell's redirection
        result = run(capsys, *argv[1:])
        assert result.code == 0, (argv, result.err)
    first = run(capsys, *cli[0][1:], "--output", "json").json()
    by_command = {r["executionId"] for r in (first if isinstance(first, list) else [first])}

    # Then both find the jobs that answer the question
    assert by_aws == by_command == QUESTIONS[question]
