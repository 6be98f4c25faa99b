"""The README's lifecycle section against what it describes: each id-finding command is a real
operation with its required options, and its --query names members the response has (checked on
botocore's service models, offline); the reader policy's table and the retained logical ids are
the ones the stack has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import botocore.session
import jmespath
import pytest
from botocore.model import ListShape, Shape, StructureShape

from infra.reader_policy import KEY_READS, QUERY, STACK_READS, STATE_SCAN, TABLE_READS

from .test_lifecycle_stack import RETAINED

README = Path(__file__).parents[2] / "README.md"


def subsection(title: str) -> str:
    text = README.read_text()
    start = text.index(f"### {title}\n")
    end = text.find("\n### ", start + 1)
    return text[start:end]


def id_commands() -> list[list[str]]:
    (block,) = re.findall(r"```sh\n(.*?)```", subsection("Finding your ids"), flags=re.DOTALL)
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def _fields(node: dict) -> list[str]:
    """Field names a JMESPath projection like `Items[].[A,B]` reads from each item."""
    if node["type"] == "field":
        return [node["value"]]
    return [name for child in node.get("children", []) for name in _fields(child)]


@pytest.mark.parametrize("argv", id_commands(), ids=lambda argv: " ".join(argv[1:3]))
def test_each_id_command_is_a_real_call_whose_query_reads_real_members(argv: list[str]) -> None:
    assert argv[0] == "aws"
    service, command = argv[1], argv[2]
    model = botocore.session.get_session().get_service_model(service)
    operation = model.operation_model(
        next(name for name in model.operation_names if botocore.xform_name(name, "-") == command)
    )
    options = {a for a in argv[3:] if a.startswith("--")}
    input_shape = operation.input_shape
    required = set(input_shape.required_members) if input_shape is not None else set()
    # Required parameters must be given (their CLI options are the members in kebab case).
    assert {f"--{botocore.xform_name(name, '-')}" for name in required} <= options

    query = argv[argv.index("--query") + 1]
    parsed = jmespath.compile(query).parsed
    items_key, projection = parsed["children"][0]["children"][0], parsed["children"][1]
    output = operation.output_shape
    assert isinstance(output, StructureShape)
    listed: Shape = output.members[items_key["value"]]
    assert isinstance(listed, ListShape)
    member = listed.member
    assert isinstance(member, StructureShape)
    assert set(_fields(projection)) <= set(member.members), query


def test_the_reader_policy_table_lists_the_policys_actions() -> None:
    action_cells = [
        line.split("|")[1]
        for line in subsection("The reader policy").splitlines()
        if line.startswith("| `")
    ]
    named = {action for cell in action_cells for action in re.findall(r"`([\w-]+:\w+)`", cell)}

    assert named == {*TABLE_READS, QUERY, STATE_SCAN, *KEY_READS, *STACK_READS}


def test_the_upgrade_section_names_the_retained_logical_ids() -> None:
    upgrading = subsection("Upgrading without losing history")

    assert set(re.findall(r"`(Tables\w+)`", upgrading)) == set(RETAINED)
