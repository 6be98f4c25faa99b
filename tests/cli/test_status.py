"""`sync-auditor status` on a state table the real poller filled on loopback (moto + the
simulator): the rows, worst first, in every output form. Its cost in requests has its own
tests (test_status_cost.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import redirect_stdout

import pytest

from devkit.loopback import STATE_TABLE, Loopback, loopback
from sync_auditor_cli.main import main
from tests.cli.support import Result
from tests.integration.support import APP, INDEX, NOW, QB_DS, QB_INDEX, QB_KEY, ago

KEY = f"kendra#{INDEX}#"


@pytest.fixture(scope="module")
def fleet() -> Iterator[Loopback]:
    """Six data sources, each in one state, after two schedule ticks (a backfill, then a tick
    that checks silence)."""
    with loopback() as lb:
        for ds, name in [
            ("stuck", "Stuck crawler"),
            ("failing", "Failing wiki"),
            ("recovered", "Recovered share"),
            ("quiet", "Quiet bucket"),
            ("healthy", "Healthy site"),
        ]:
            lb.simulator.add_kendra_data_source(INDEX, ds, name=name)
        lb.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        lb.configure(
            {
                "kendra": [{"indexId": INDEX, "stuckAfterMinutes": 60, "expectSyncEveryHours": 2}],
                "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}],
            }
        )
        sim = lb.simulator
        sim.put_job(KEY + "stuck", "s-1", "SYNCING", ago(180))
        sim.put_job(
            KEY + "failing", "f-1", "FAILED", ago(40), ago(30), error_code="InternalServerError"
        )
        sim.put_job(KEY + "recovered", "r-1", "FAILED", ago(300), ago(290))
        sim.put_job(KEY + "recovered", "r-2", "SUCCEEDED", ago(60), ago(50))
        # Seen running, so its end is news and its silence counts (not backfilled history)
        sim.put_job(KEY + "quiet", "q-1", "SYNCING", ago(240))
        sim.put_job(KEY + "healthy", "h-1", "SUCCEEDED", ago(40), ago(30))
        sim.put_job(QB_KEY, "sp-1", "SUCCEEDED", ago(40), ago(30))
        with redirect_stdout(io.StringIO()):
            lb.poll()  # the backfill: history, and no silence check
            sim.put_job(KEY + "quiet", "q-1", "SUCCEEDED", ago(240), ago(230))
            lb.poll()
        yield lb


def status(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    capsys.readouterr()
    code = main(["status", "--state-table", STATE_TABLE, *argv], clock=lambda: NOW)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def test_json_rows_worst_first(fleet: Loopback, capsys: pytest.CaptureFixture[str]) -> None:
    result = status(capsys, "--output", "json")

    assert result.code == 0
    rows = result.json()
    assert [
        (r["name"], r["health"], r["marks"], r["failures7d"], r["lastStatus"]) for r in rows
    ] == [
        ("Stuck crawler", "stuck", ["stuck", "silent"], 0, "SYNCING"),
        ("Failing wiki", "failing", [], 1, "FAILED"),
        ("Recovered share", "failed", [], 1, "SUCCEEDED"),
        ("Quiet bucket", "silent", ["silent"], 0, "SUCCEEDED"),
        ("Healthy site", "healthy", [], 0, "SUCCEEDED"),
        ("SharePoint", "healthy", [], 0, "SUCCEEDED"),
    ]
    by_name = {r["name"]: r for r in rows}
    failing = by_name["Failing wiki"]
    assert (failing["lastFailureCode"], failing["lastFailureExecutionId"]) == (
        "InternalServerError",
        "f-1",
    )
    assert failing["lastFailureTime"] == ago(30).strftime("%Y-%m-%dT%H:%M:%SZ")
    stuck = by_name["Stuck crawler"]
    assert (stuck["openExecutionId"], stuck["openSeconds"]) == ("s-1", 180 * 60)
    assert by_name["Recovered share"]["lastSuccessExecutionId"] == "r-2"
    assert by_name["Quiet bucket"]["silentSince"] == ago(240).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_name["SharePoint"]["dataSourceKey"] == QB_KEY


def test_the_table_for_people(fleet: Loopback, capsys: pytest.CaptureFixture[str]) -> None:
    result = status(capsys)

    assert result.code == 0
    header, *lines = [line for line in result.out.splitlines() if line.strip()]
    for title in ("HEALTH", "SERVICE", "NAME", "LAST STATUS", "LAST SUCCESS", "CODE"):
        assert title in header
    assert "OPEN FOR" in header and "FAILURES 7D" in header
    assert [line.split()[0] for line in lines if line.split()[0] in HEALTHS] == [
        "stuck",
        "failing",
        "failed",
        "silent",
        "healthy",
        "healthy",
    ]
    stuck_line = next(line for line in lines if "Stuck crawler" in line)
    assert "3:00:00" in stuck_line and "stuck, silent" in stuck_line


HEALTHS = ("stuck", "failing", "failed", "silent", "unread", "healthy")


def test_csv_text_and_query(fleet: Loopback, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(status(capsys, "--output", "csv").out)))
    assert [r["health"] for r in rows][:2] == ["stuck", "failing"]
    assert rows[1]["lastFailureCode"] == "InternalServerError"

    text = status(capsys, "--output", "text").out.splitlines()
    assert text[0].split("\t")[:3] == ["stuck", "kendra", "Stuck crawler"]

    broken = status(capsys, "--output", "json", "--query", "[?health!='healthy'].name")
    assert broken.json() == ["Stuck crawler", "Failing wiki", "Recovered share", "Quiet bucket"]


def test_an_empty_fleet_is_a_success(capsys: pytest.CaptureFixture[str]) -> None:
    with loopback():
        result = status(capsys, "--output", "json")

    assert (result.code, result.json()) == (0, [])
    assert "no data source has been polled yet" in result.err


def test_a_job_table_given_as_the_state_table_is_named(
    fleet: Loopback, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code = main(["status", "--state-table", "sync-auditor-jobs"], clock=lambda: NOW)

    assert code == 253
    assert "is not a sync-auditor state table" in capsys.readouterr().err
