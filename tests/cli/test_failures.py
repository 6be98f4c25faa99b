"""`failures`: FAILED and INCOMPLETE jobs across all data sources, from the byStatus index."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.support import FAILED_RUN, SHAREPOINT, TABLE, WEB, WIKI, run

pytestmark = pytest.mark.usefixtures("recorded")


def test_what_failed_in_the_last_day_across_all_sources(capsys: pytest.CaptureFixture[str]) -> None:
    # NOW is 2026-11-22T12:00Z: the default window is the last 24 hours.
    result = run(capsys, "failures", "--table", TABLE)

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "START", "TIME", "STATUS", "SERVICE", "DATA", "SOURCE", "EXECUTION", "ID",
        "DOCS", "FAILED", "ERROR", "ERROR", "MESSAGE", "DATA", "SOURCE", "KEY",
    ]  # fmt: skip
    assert len(lines) == 3
    assert lines[1].startswith(
        f"2026-11-22T02:00:00Z  FAILED      kendra     Public website  {FAILED_RUN}"
    )
    assert lines[2].startswith("2026-11-21T23:30:00Z  INCOMPLETE  qbusiness  SharePoint      sp-1")
    assert lines[1].endswith(WEB.key) and lines[2].endswith(SHAREPOINT.key)
    # The data source's error text is shown escaped: no raw newline or terminal escape.
    assert "robots.txt denied <b>all</b>\\nsee" in lines[1]
    assert "\x1b" not in result.out


def test_columns_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(capsys, "failures", "--table", TABLE).out.splitlines()

    for header in ("STATUS", "SERVICE", "EXECUTION ID", "DATA SOURCE KEY"):
        column = lines[0].index(header)
        assert all(line[column - 2 : column] == "  " for line in lines[1:])


def test_a_wider_range_json_newest_first(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures", "--table", TABLE, "--from", "2026-11-01", "-o", "json")

    assert result.code == 0
    assert [(r["executionId"], r["status"]) for r in result.json()] == [
        (FAILED_RUN, "FAILED"),
        ("sp-1", "INCOMPLETE"),
        ("c-1", "FAILED"),
    ]
    assert result.json()[2]["dataSourceKey"] == WIKI.key


def test_csv_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures", "--table", TABLE, "--since", "30d", "-o", "csv")

    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert result.code == 0
    assert [(r["executionId"], r["service"], r["documentsFailed"]) for r in rows] == [
        (FAILED_RUN, "kendra", "37"),
        ("sp-1", "qbusiness", "9"),
        ("c-1", "kendra", ""),
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--service", "qbusiness"), ["sp-1"]),
        (("--service", "kendra", "--since", "4w"), [FAILED_RUN, "c-1"]),
        (("--status", "INCOMPLETE", "--since", "4w"), ["sp-1"]),
        (("--status", "SYNCING"), ["sp-2"]),
        (("--since", "4w", "--limit", "2"), [FAILED_RUN, "sp-1"]),
        (("--to", "2026-11-21"), ["sp-1", "c-1"]),  # the whole day of --to
    ],
)
def test_filters(
    capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], expected: list[str]
) -> None:
    result = run(capsys, "failures", "--table", TABLE, "-o", "json", *flags)

    assert result.code == 0
    assert [r["executionId"] for r in result.json()] == expected


def test_nothing_found_is_a_success_with_an_empty_table(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "failures", "--table", TABLE, "--status", "ABORTED", "--since", "52w")

    assert result.code == 0
    assert result.out.split("  ") == [
        "START TIME", "STATUS", "SERVICE", "DATA SOURCE", "EXECUTION ID", "DOCS FAILED",
        "ERROR", "ERROR MESSAGE", "DATA SOURCE KEY\n",
    ]  # fmt: skip
    assert result.err.startswith("sync-auditor: no ABORTED jobs started since 2025-11-23T12:00:00Z")
