"""`history`: one data source's jobs, newest first, from the byDataSource index."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from sync_auditor_cli.output import CSV_COLUMNS
from tests.cli.support import APP, FAILED_RUN, INDEX, QB_DS, QB_INDEX, SHAREPOINT, TABLE, WEB, run

pytestmark = pytest.mark.usefixtures("recorded")

WEB_TABLE = """\
START TIME            END TIME              STATUS     EXECUTION ID                          DURATION  SCANNED  ADDED  FAILED  ERROR
2026-11-22T02:00:00Z  2026-11-22T02:05:00Z  FAILED     9e1c4b7a-52d3-4f68-8a0b-6c2e1d9f3b75   0:05:00       37      -      37  InternalError / WEB_CRAWLER_ROBOTS_DENIED
2026-11-21T02:00:00Z  2026-11-21T02:30:00Z  SUCCEEDED  w-2                                    0:30:00     1210      4       -  -
2026-11-01T02:00:00Z  2026-11-01T02:40:00Z  SUCCEEDED  w-1                                    0:40:00     1200      3       0  -
"""


def test_a_data_sources_history_is_a_table_newest_first(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "history", WEB.key, "--table", TABLE)

    assert result.code == 0
    assert result.out == WEB_TABLE
    assert result.err == ""


def test_kendra_ids_as_flags_name_the_same_data_source(capsys: pytest.CaptureFixture[str]) -> None:
    by_flags = run(
        capsys, "history", "--kendra-index", INDEX, "--data-source", "web-crawler", "--table", TABLE
    )

    assert (by_flags.code, by_flags.out) == (0, WEB_TABLE)


def test_q_business_ids_as_flags(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys,
        "history",
        *("--application", APP, "--index", QB_INDEX, "--data-source", QB_DS),
        *("--table", TABLE, "-o", "json"),
    )

    assert result.code == 0
    assert [r["executionId"] for r in result.json()] == ["sp-2", "sp-1", "sp-0"]
    assert {r["dataSourceKey"] for r in result.json()} == {SHAREPOINT.key}


def test_json_is_an_array_of_records_under_the_contract_names(
    capsys: pytest.CaptureFixture[str], recorded: dict[str, dict[str, Any]]
) -> None:
    result = run(capsys, "history", WEB.key, "--table", TABLE, "--output", "json")

    assert result.code == 0
    records = result.json()
    assert [r["executionId"] for r in records] == [FAILED_RUN, "w-2", "w-1"]
    # Exactly what the poller stored, numbers as numbers, untrusted text unchanged.
    assert records[0] == recorded[FAILED_RUN]
    assert records[0]["documentsFailed"] == 37
    assert [h["status"] for h in records[0]["statusHistory"]] == ["SYNCING", "FAILED"]


def test_csv_has_a_stable_header_and_one_row_per_job(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "history", WEB.key, "--table", TABLE, "-o", "csv")

    assert result.code == 0
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows[0] == list(CSV_COLUMNS)
    by_name = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["executionId"] for r in by_name] == [FAILED_RUN, "w-2", "w-1"]
    assert by_name[0]["status"] == "FAILED"
    assert by_name[0]["durationSeconds"] == "300"
    assert by_name[0]["errorMessage"].startswith("Crawl aborted: robots.txt denied <b>all</b>\n")
    assert by_name[1]["documentsFailed"] == ""  # absent, not zero
    assert by_name[2]["documentsFailed"] == "0"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (("--since", "7d"), [FAILED_RUN, "w-2"]),
        (("--since", "12h"), [FAILED_RUN]),
        (("--from", "2026-11-21", "--to", "2026-11-21"), ["w-2"]),  # a --to date is the whole day
        (("--from", "2026-11-01T02:00:00Z", "--to", "2026-11-21T02:00"), ["w-2", "w-1"]),
        (("--to", "2026-11-20"), ["w-1"]),
        (("--status", "FAILED"), [FAILED_RUN]),
        (("--status", "failed,succeeded", "--since", "2w"), [FAILED_RUN, "w-2"]),
        (("--status", "SUCCEEDED", "--status", "FAILED", "--limit", "2"), [FAILED_RUN, "w-2"]),
    ],
)
def test_filters_by_time_range_and_status(
    capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], expected: list[str]
) -> None:
    result = run(capsys, "history", WEB.key, "--table", TABLE, "-o", "json", *flags)

    assert result.code == 0
    assert [r["executionId"] for r in result.json()] == expected


def test_nothing_in_range_is_a_success_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    table = run(capsys, "history", WEB.key, "--table", TABLE, "--status", "ABORTED")
    as_json = run(
        capsys,
        "history",
        WEB.key,
        "--table",
        TABLE,
        "--from",
        "2026-11-02",
        "--to",
        "2026-11-20",
        "-o",
        "json",
    )
    as_csv = run(capsys, "history", WEB.key, "--table", TABLE, "--since", "30m", "-o", "csv")

    # An empty result is a success: the table is its header alone
    assert (table.code, table.out) == (
        0,
        "START TIME  END TIME  STATUS  EXECUTION ID  DURATION  SCANNED  ADDED  FAILED  ERROR\n",
    )
    assert (
        table.err == f"sync-auditor: no jobs of {WEB.key} in status ABORTED started at any time\n"
    )
    assert (as_json.code, as_json.json()) == (0, [])
    assert "between 2026-11-02T00:00:00Z and 2026-11-20T23:59:59Z" in as_json.err
    assert (as_csv.code, as_csv.out.splitlines()) == (0, [",".join(CSV_COLUMNS)])
