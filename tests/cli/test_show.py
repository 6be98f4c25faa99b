"""`show`: one job with its status history, error and document counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from sync_auditor_cli.commands.show import describe
from sync_auditor_cli.terminal import Terminal
from tests.cli.support import FAILED_RUN, INDEX, TABLE, WEB, run

pytestmark = pytest.mark.usefixtures("recorded")

SHOW_W3 = f"""\
dataSourceKey        {WEB.key}
executionId          {FAILED_RUN}
service              kendra
indexId              {INDEX}
indexName            product-docs
dataSourceId         web-crawler
dataSourceName       Public website
status               FAILED
startTime            2026-11-22T02:00:00Z
endTime              2026-11-22T02:05:00Z
durationSeconds      300 (0:05:00)
errorCode            InternalError
errorMessage         Crawl aborted: robots.txt denied <b>all</b>\\nsee logs\\x1b[31m
dataSourceErrorCode  WEB_CRAWLER_ROBOTS_DENIED
documentsFailed      37
documentsScanned     37
firstSeenAt          2026-11-22T02:01:00Z
updatedAt            2026-11-22T02:06:00Z

statusHistory
  OBSERVED AT           STATUS
  2026-11-22T02:01:00Z  SYNCING
  2026-11-22T02:06:00Z  FAILED
"""


def test_why_did_this_job_fail_and_when_did_it_change_state(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "show", WEB.key, FAILED_RUN, "--table", TABLE)

    assert result.code == 0
    assert result.out == SHOW_W3


def test_the_job_by_id_flags(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys,
        "show",
        FAILED_RUN,
        "--kendra-index",
        INDEX,
        "--data-source",
        "web-crawler",
        "--table",
        TABLE,
    )

    assert (result.code, result.out) == (0, SHOW_W3)


def test_json_is_the_stored_record(
    capsys: pytest.CaptureFixture[str], recorded: dict[str, dict[str, Any]]
) -> None:
    result = run(capsys, "show", WEB.key, FAILED_RUN, "--table", TABLE, "-o", "json")

    assert result.code == 0
    assert result.json() == recorded[FAILED_RUN]


def test_csv_is_one_row(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "show", WEB.key, "w-1", "--table", TABLE, "-o", "csv")

    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert result.code == 0
    assert len(rows) == 1
    assert (rows[0]["executionId"], rows[0]["status"], rows[0]["documentsScanned"]) == (
        "w-1",
        "SUCCEEDED",
        "1200",
    )


def test_a_job_that_is_not_recorded_is_a_success_with_nothing_to_show(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "show", WEB.key, "w-404", "--table", TABLE)
    as_json = run(capsys, "show", WEB.key, "w-404", "--table", TABLE, "-o", "json")

    assert (result.code, result.out) == (0, "")
    assert result.err == (
        f"sync-auditor: no job 'w-404' of {WEB.key}: "
        f"`sync-auditor history {WEB.key}` lists its jobs\n"
    )
    assert (as_json.code, as_json.out) == (0, "null\n")


def test_a_self_healing_decision_and_the_retry_it_started_are_shown() -> None:
    failed = {
        "executionId": "exec-1",
        "status": "FAILED",
        "selfHealing": {
            "decidedAt": "2026-11-22T02:21:00Z",
            "claimedAt": "2026-11-22T02:21:00Z",
            "outcome": "STARTED",
            "retryExecutionId": "exec-2",
            "attempt": 1,
            "maxRetriesPerDay": 3,
        },
    }
    retry = {"executionId": "exec-2", "status": "SYNCING", "retryOf": "exec-1"}

    assert describe(failed, Terminal()).splitlines()[2] == (
        "selfHealing  outcome=STARTED retryExecutionId=exec-2 attempt=1 maxRetriesPerDay=3 "
        "claimedAt=2026-11-22T02:21:00Z decidedAt=2026-11-22T02:21:00Z"
    )
    assert describe(retry, Terminal()).splitlines()[2] == "retryOf      exec-1"
