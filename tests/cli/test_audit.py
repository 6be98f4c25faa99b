"""`audit`: one poll from the user's machine against moto + the simulator (loopback), and
`--dry-run`, which reads the real tables and APIs and writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from devkit.loopback import JOB_TABLE, STATE_TABLE, Loopback, loopback
from sync_auditor.model import iso_utc
from tests.cli.support import Result, run

# The loopback's scripted data sources; NOW is the wall clock the poller stamps records with,
# so the jobs are placed relative to it.
from tests.integration.support import APP, INDEX, KENDRA_KEY, NOW, QB_DS, QB_INDEX, QB_KEY

TABLES = ("--table", JOB_TABLE, "--state-table", STATE_TABLE)


@pytest.fixture
def lb() -> Iterator[Loopback]:
    with loopback() as running:
        running.simulator.add_kendra_data_source(INDEX, "web", name="Public website")
        running.simulator.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="SharePoint")
        yield running


def write_config(path: Path, kendra: list[dict[str, Any]] | None = None, **more: Any) -> Path:
    """A cdk.json as the project ships it, with the syncAuditor context pointing at the simulator."""
    audited = {
        "kendra": kendra or [{"indexId": INDEX, "dataSourceIds": ["web"]}],
        "qbusiness": [{"applicationId": APP, "indexId": QB_INDEX}],
        "alertStatuses": ["FAILED", "INCOMPLETE"],
        "lookbackDays": 30,
        **more,
    }
    path.write_text(json.dumps({"app": "python app.py", "context": {"syncAuditor": audited}}))
    return path


def state_items(lb: Loopback) -> list[dict[str, Any]]:
    return list(lb.client("dynamodb").scan(TableName=STATE_TABLE)["Items"])


def audit(capsys: pytest.CaptureFixture[str], config: Path, *flags: str) -> Result:
    return run(capsys, "audit", "--config", str(config), *flags)


def test_dry_run_prints_what_would_change_and_writes_nothing(
    lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given history from before the first poll, and a job running now
    old = NOW - timedelta(days=2)
    lb.simulator.put_job(KENDRA_KEY, "k-old", "FAILED", old, old + timedelta(minutes=5))
    lb.simulator.put_job(QB_KEY, "q-run", "SYNCING", NOW - timedelta(minutes=10))
    config = write_config(tmp_path / "cdk.json")

    # When a person audits with --dry-run
    result = audit(capsys, config, "--dry-run", *TABLES)

    # Then each data source's new jobs are listed, and neither table was written
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"dry run: nothing written to {JOB_TABLE} or {STATE_TABLE}"
    assert lines[1].split() == [
        "DATA", "SOURCE", "KEY", "EXECUTION", "ID", "START", "TIME", "STATUS", "CHANGE", "ALERT",
    ]  # fmt: skip
    started = iso_utc(NOW - timedelta(minutes=10))
    # Backfilled history is recorded without alerting; so is a job that has not ended.
    assert lines[2].split() == [
        KENDRA_KEY,
        "k-old",
        iso_utc(old),
        "FAILED",
        "new",
        "(backfill)",
        "no",
    ]
    assert lines[3].split() == [QB_KEY, "q-run", started, "SYNCING", "new", "no"]
    assert lines[4:] == [
        "kendra: 1 data sources polled, 0 errors, 1 jobs would be written",
        "qbusiness: 1 data sources polled, 0 errors, 1 jobs would be written",
        "cursors that would advance: 2",
    ]
    assert lb.job_records() == []
    assert state_items(lb) == []


def test_audit_writes_then_a_dry_run_shows_the_status_change_and_the_alert(
    lb: Loopback,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lb.simulator.put_job(QB_KEY, "q-run", "SYNCING", NOW - timedelta(minutes=10))
    config = write_config(tmp_path / "cdk.json")
    # The table names from the environment this time.
    monkeypatch.setenv("SYNC_AUDITOR_TABLE", JOB_TABLE)
    monkeypatch.setenv("SYNC_AUDITOR_STATE_TABLE", STATE_TABLE)

    first = audit(capsys, config)

    assert first.code == 0, first.err
    assert "dry run" not in first.out
    assert "qbusiness: 1 data sources polled, 0 errors, 1 jobs written" in first.out
    assert {r["executionId"]: r["status"] for r in lb.job_records()} == {"q-run": "SYNCING"}
    ids = sorted(item["id"]["S"].split("#", 1)[0] for item in state_items(lb))
    # one cursor per data source, and when the whole Q Business index was first audited
    assert ids == ["cursor", "cursor", "scope"]

    # When the running job fails and a new one succeeds
    lb.simulator.put_job(
        QB_KEY, "q-run", "FAILED", NOW - timedelta(minutes=10), NOW - timedelta(minutes=1)
    )
    lb.simulator.put_job(
        KENDRA_KEY, "k-new", "SUCCEEDED", NOW - timedelta(minutes=5), NOW - timedelta(minutes=2)
    )
    preview = audit(capsys, config, "--dry-run", "-o", "json")

    # Then the dry run names the transition and the alert it would cause, and changes nothing
    assert preview.code == 0, preview.err
    report = preview.json()
    assert report["dryRun"] is True
    assert report["changes"] == [
        {
            "dataSourceKey": KENDRA_KEY,
            "executionId": "k-new",
            "change": "new",
            "status": "SUCCEEDED",
            "previousStatus": None,
            "startTime": iso_utc(NOW - timedelta(minutes=5)),
            "backfilled": False,
            "stuck": False,
            "alert": False,
        },
        {
            "dataSourceKey": QB_KEY,
            "executionId": "q-run",
            "change": "status",
            "status": "FAILED",
            "previousStatus": "SYNCING",
            "startTime": iso_utc(NOW - timedelta(minutes=10)),
            "backfilled": False,
            "stuck": False,
            "alert": True,
        },
    ]
    assert report["services"]["qbusiness"]["JobsWritten"] == 1
    assert {r["executionId"]: r["status"] for r in lb.job_records()} == {"q-run": "SYNCING"}

    rows = [line.split() for line in audit(capsys, config, "--dry-run").out.splitlines()]
    started = report["changes"][1]["startTime"]
    assert [QB_KEY, "q-run", started, "FAILED", "SYNCING", "->", "FAILED", "yes"] in rows


def test_a_job_open_past_the_configured_threshold_would_be_marked_stuck_and_alert(
    lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sync running for two hours, and stuckAfterMinutes of one hour in cdk.json
    started = NOW - timedelta(hours=2)
    lb.simulator.put_job(QB_KEY, "q-hung", "SYNCING", started)
    config = write_config(tmp_path / "cdk.json", stuckAfterMinutes=60)

    result = audit(capsys, config, "--dry-run", *TABLES)

    assert result.code == 0, result.err
    rows = [line.split() for line in result.out.splitlines()]
    assert [QB_KEY, "q-hung", iso_utc(started), "SYNCING", "new,", "marked", "stuck", "yes"] in rows


def test_changes_as_csv(lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lb.simulator.put_job(QB_KEY, "q-run", "SYNCING", NOW - timedelta(minutes=10))

    result = audit(capsys, write_config(tmp_path / "cdk.json"), "--dry-run", "-o", "csv", *TABLES)

    assert result.code == 0
    assert result.out.splitlines() == [
        "dataSourceKey,executionId,change,status,previousStatus,startTime,backfilled,stuck,alert",
        f"{QB_KEY},q-run,new,SYNCING,,{iso_utc(NOW - timedelta(minutes=10))},false,false,false",
    ]
    assert "sync-auditor: qbusiness: 1 data sources polled" in result.err


def test_a_data_source_that_cannot_be_polled_is_named_and_exits_254(
    lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lb.simulator.add_kendra_data_source(INDEX, "gone")
    lb.simulator.delete_data_source(f"kendra#{INDEX}#gone")
    lb.simulator.put_job(KENDRA_KEY, "k-1", "SUCCEEDED", NOW - timedelta(hours=1), NOW)
    config = write_config(
        tmp_path / "cdk.json", kendra=[{"indexId": INDEX, "dataSourceIds": ["web", "gone"]}]
    )

    result = audit(capsys, config, *TABLES)

    # The other data sources are still audited; the poll error is a service error (254)
    assert result.code == 254
    assert {r["executionId"] for r in lb.job_records()} == {"k-1"}
    assert "kendra: 1 data sources polled, 1 errors, 1 jobs written" in result.out
    assert (
        f"warning: data source poll failed dataSourceKey=kendra#{INDEX}#gone "
        "errorCode=ResourceNotFoundException"
    ) in result.err
    assert result.err.rstrip().endswith(
        "error: 1 poll error(s); the warnings above name what failed"
    )
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "is not JSON: Expecting property name"),
        (
            json.dumps({"context": {"syncAuditor": {"kendra": [{"indexId": "too-short"}]}}}),
            'syncAuditor.kendra[0].indexId: "too-short" is not valid; expected a Kendra index id',
        ),
        (json.dumps({"context": {}}), "syncAuditor: null is not valid"),
        (
            json.dumps({"syncAuditor": {"qbusiness": "all", "typo": 1}}),
            "syncAuditor.typo: unknown key",
        ),
    ],
)
def test_a_bad_configuration_is_explained_without_touching_aws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    config = tmp_path / "cdk.json"
    config.write_text(content)

    result = audit(capsys, config, *TABLES)

    assert result.code == 253  # the configuration
    assert fragment in result.err
    assert "Traceback" not in result.err


def test_no_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = audit(capsys, tmp_path / "cdk.json", *TABLES)

    assert result.code == 253
    assert result.err == (
        f"sync-auditor: error: no {tmp_path / 'cdk.json'}: run from the project directory "
        "(where cdk.json is) or pass --config FILE\n"
    )


def test_a_state_table_that_does_not_exist(
    lb: Loopback, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = audit(
        capsys, write_config(tmp_path / "cdk.json"), "--table", JOB_TABLE, "--state-table", "nope"
    )

    assert result.code == 253
    assert result.err == (
        "sync-auditor: error: table 'nope' does not exist in us-east-1: check --state-table / "
        "SYNC_AUDITOR_STATE_TABLE / the stack's outputs, or --region / --profile for the "
        "account it was deployed to\n"
    )
