"""Output like the tools people know: tables fitted to the terminal, colour only on a TTY and
never with NO_COLOR, the AWS CLI's text format and --query, global options on either side of
the command, --version, and the AWS CLI's exit codes."""

from __future__ import annotations

import argparse
import csv
import io
from importlib.metadata import version

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from sync_auditor_cli import main as entry
from sync_auditor_cli.aws import explain
from sync_auditor_cli.commands import failures
from sync_auditor_cli.terminal import Terminal
from tests.cli.support import FAILED_RUN, SHAREPOINT, TABLE, WEB, run

pytestmark = pytest.mark.usefixtures("recorded")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("width", ["80", "50"])
def test_a_table_fits_the_terminal_width_cut_never_wrapped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: str
) -> None:
    monkeypatch.setenv("COLUMNS", width)

    lines = run(capsys, "failures", "--table", TABLE).out.splitlines()

    # Header and two jobs: one line each, none wider than the terminal
    assert len(lines) == 3
    assert all(len(line) <= int(width) for line in lines), lines
    assert "…" in lines[1]
    assert "\x1b" not in "".join(lines)


def test_free_text_is_cut_first(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")

    lines = run(capsys, "failures", "--table", TABLE).out.splitlines()

    # Times, statuses, services and execution ids stay whole; messages and keys give way
    assert lines[1].startswith(f"2026-11-22T02:00:00Z  FAILED      kendra     Pub…  {FAILED_RUN}")
    assert all(len(line) <= 120 for line in lines)


def test_without_a_terminal_or_columns_the_width_is_80() -> None:
    assert Terminal.of(io.StringIO(), {}) == Terminal(width=80, color=False)
    assert Terminal.of(io.StringIO(), {"COLUMNS": "132"}).width == 132


@pytest.mark.parametrize(
    ("out", "env", "no_color", "color"),
    [
        (Tty(), {}, False, True),
        (Tty(), {"NO_COLOR": "1"}, False, False),
        (Tty(), {}, True, False),
        (io.StringIO(), {}, False, False),  # piped
    ],
)
def test_colour_only_on_a_tty_without_no_color(
    out: io.StringIO, env: dict[str, str], no_color: bool, color: bool
) -> None:
    terminal = Terminal.of(out, env, no_color=no_color)
    drawn = terminal.table(["STATUS"], [["FAILED"]])

    assert terminal.color is color
    assert ("\x1b[" in drawn) is color


def test_cells_are_text_never_rich_markup() -> None:
    drawn = Terminal(width=80, color=True).table(["ERROR"], [["[bold red]not markup[/]"]])

    assert "[bold red]not markup[/]" in drawn


def test_text_is_the_aws_clis_tab_separated_lines(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures", "--table", TABLE, "-o", "text")
    header = run(capsys, "failures", "--table", TABLE, "-o", "csv").out.splitlines()[0]

    lines = result.out.splitlines()
    assert result.code == 0 and len(lines) == 2
    # The CSV's columns, in its order, without the header; missing values are None
    cells = lines[0].split("\t")
    assert len(cells) == len(header.split(","))
    assert cells[:2] == [WEB.key, FAILED_RUN]
    assert "None" in cells
    # The data source's newline is escaped: one record, one line
    assert "robots.txt denied <b>all</b>\\nsee logs" in lines[0]


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("json", f'[\n  [\n    "{FAILED_RUN}",\n    "FAILED"\n  ],\n  [\n    "sp-1",\n    "INCOMPLETE"\n  ]\n]\n'),
        ("text", f"{FAILED_RUN}\tFAILED\nsp-1\tINCOMPLETE\n"),
        ("csv", f"{FAILED_RUN},FAILED\nsp-1,INCOMPLETE\n"),
        ("table", f"{FAILED_RUN}  FAILED\nsp-1                                  INCOMPLETE\n"),
    ],
)  # fmt: skip
def test_query_reshapes_the_json_form_before_rendering(
    capsys: pytest.CaptureFixture[str], output: str, expected: str
) -> None:
    result = run(
        capsys, "failures", "--table", TABLE, "--query", "[].[executionId, status]", "-o", output
    )

    assert (result.code, result.out) == (0, expected)


def test_query_objects_become_a_table_or_csv_under_their_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    query = "[?service=='qbusiness'].{job: executionId, key: dataSourceKey}"

    table = run(capsys, "failures", "--table", TABLE, "--query", query)
    as_csv = run(capsys, "failures", "--table", TABLE, "--query", query, "-o", "csv")

    assert table.out.splitlines()[0].split() == ["job", "key"]
    assert list(csv.DictReader(io.StringIO(as_csv.out))) == [{"job": "sp-1", "key": SHAREPOINT.key}]


def test_query_on_show_reads_the_one_record(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "show", WEB.key, FAILED_RUN, "--table", TABLE, "--query", "statusHistory[].status"
    )

    assert result.out == "SYNCING\nFAILED\n"


def test_a_bad_query_is_a_usage_error_before_any_aws_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, "failures", "--query", "[].executionId[")

    assert exited.value.code == 252
    err = capsys.readouterr().err
    assert "argument --query: '[].executionId[' is not a JMESPath expression" in err
    assert "e.g. --query '[].executionId'" in err


def test_global_options_go_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    after = run(capsys, "failures", "--table", TABLE, "--region", "us-east-1", "-o", "json")
    before = run(capsys, "--table", TABLE, "--region", "us-east-1", "-o", "json", "failures")
    mixed = run(capsys, "--output", "json", "--query", "[].status", "failures", "--table", TABLE)

    assert after.code == before.code == 0
    assert before.json() == after.json()
    assert mixed.json() == ["FAILED", "INCOMPLETE"]


def test_an_option_after_the_command_wins_over_the_same_before_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "--table", "no-such-table", "-o", "csv", "failures", "--table", TABLE)

    assert result.code == 0
    assert result.out.startswith("dataSourceKey,executionId,")


def test_version_is_the_installed_packages(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        entry.main(["--version"])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"sync-auditor {version('sync-auditor')}\n"


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (KeyboardInterrupt(), 130, "sync-auditor: interrupted\n"),
        (RuntimeError("boom"), 255, "a bug in sync-auditor"),
    ],
)
def test_interrupted_and_unexpected_failures(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
    code: int,
    message: str,
) -> None:
    def handler(args: argparse.Namespace, console: object) -> int:
        raise raised

    monkeypatch.setattr(failures, "run", handler)

    result = run(capsys, "failures", "--table", TABLE)

    assert result.code == code
    assert message in result.err


def test_a_reader_that_stops_reading_is_no_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given output piped into a reader that closes early (`| head -1`)
    def handler(args: argparse.Namespace, console: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(failures, "run", handler)

    result = run(capsys, "failures", "--table", TABLE)

    # Then it ends quietly: exit 0, no traceback
    assert (result.code, result.err) == (0, "")


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "no"}}, "Query")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (_client_error("AccessDeniedException"), 254),
        (_client_error("ProvisionedThroughputExceededException"), 254),
        (_client_error("UnrecognizedClientException"), 253),
        (EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"), 255),
    ],
)
def test_aws_failures_get_the_aws_clis_codes(error: Exception, code: int) -> None:
    assert explain(error).exit_code == code  # type: ignore[arg-type]
