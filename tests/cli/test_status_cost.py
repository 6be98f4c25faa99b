"""What `sync-auditor status` costs in requests: bounded by the fleet (a Scan page per 1 MB of
the state table), the same whatever the history, and never a request to the job table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from devkit.tables import create_job_table, create_state_table
from sync_auditor.adapters.job_table import to_item
from sync_auditor.model import DataSourceRef, SyncJob, iso_utc
from sync_auditor.records import new_record
from sync_auditor.source_summary import SourceSummary, merge, to_json
from tests.cli.support import INDEX, NOW, REGION, run

STATE_TABLE = "status-state"
JOB_TABLE = "status-jobs"
# A poll commits at most this many records at a time in these histories (one read's window).
READ = 10


@pytest.fixture
def tables() -> Iterator[Any]:
    """moto in-process with both tables; yields its DynamoDB backend, to seed items straight in
    (its HTTP path would take minutes for a thousand jobs per source)."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_state_table(dynamodb, STATE_TABLE)
        create_job_table(dynamodb, JOB_TABLE)
        yield dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]


def seed(backend: Any, sources: int, jobs: int) -> int:
    """`sources` data sources with `jobs` jobs each (every fifth failed), their records in the
    job table and their cursor items as the poller leaves them, the summary merged read by
    read. Returns the largest cursor item's size in bytes."""
    largest = 0
    for n in range(sources):
        source = DataSourceRef(
            "kendra",
            INDEX,
            f"ds-{n:05d}",
            data_source_name=f"Data source {n} of the product documentation",
            index_name="product-docs",
        )
        summary: SourceSummary | None = None
        records = []
        for j in range(jobs):
            start = NOW - timedelta(hours=jobs - j)
            job = SyncJob(
                source,
                f"{n:05d}-{j:05d}-7c1e-4b6a-9c1e-0a1b2c3d4e5f",
                "FAILED" if j % 5 == 4 else "SUCCEEDED",
                iso_utc(start),
                iso_utc(start + timedelta(minutes=20)),
                error_code="InternalServerError" if j % 5 == 4 else None,
            )
            record = new_record(job, now=iso_utc(start + timedelta(minutes=21)), history=False)
            backend.put_item(JOB_TABLE, to_item(record))
            records.append(record)
            if len(records) == READ or j == jobs - 1:
                summary = merge(summary, records, start + timedelta(minutes=21))
                records = []
        assert summary is not None
        item = {
            "id": {"S": f"cursor#{source.key}"},
            "since": {"S": iso_utc(NOW - timedelta(hours=1))},
            "auditedSince": {"S": iso_utc(NOW - timedelta(days=60))},
            "updatedAt": {"S": iso_utc(NOW)},
            "fingerprint": {"S": "f" * 32},
            "summary": {"S": to_json(summary)},
        }
        backend.put_item(STATE_TABLE, item)
        largest = max(largest, sum(len(k) + len(v["S"].encode()) for k, v in item.items()))
    backend.put_item(
        STATE_TABLE, {"id": {"S": f"scope#kendra#{INDEX}"}, "auditedSince": {"S": "x"}}
    )
    return largest


def status(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    result = run(capsys, "status", "--state-table", STATE_TABLE, "--output", "json")
    assert result.code == 0
    rows: list[dict[str, Any]] = result.json()
    return rows


@pytest.mark.parametrize("sources", [100, 1000])
def test_a_fleet_costs_one_describe_and_one_scan_page(
    tables: Any,
    requests: Counter[tuple[str, str | None]],
    capsys: pytest.CaptureFixture[str],
    sources: int,
) -> None:
    largest = seed(tables, sources, jobs=1)
    requests.clear()

    rows = status(capsys)

    assert len(rows) == sources
    # 1,000 cursor items of ~0.5 KB fit in one 1 MB Scan page: 2 requests, as for 100
    assert requests == Counter({("DescribeTable", STATE_TABLE): 1, ("Scan", STATE_TABLE): 1})
    assert largest < 1024


@pytest.mark.parametrize("jobs", [1, 1000])
def test_the_cost_and_the_item_do_not_grow_with_history(
    tables: Any,
    requests: Counter[tuple[str, str | None]],
    capsys: pytest.CaptureFixture[str],
    jobs: int,
) -> None:
    # Given ten data sources with one job each, or a thousand each (ten thousand records)
    largest = seed(tables, 10, jobs=jobs)
    requests.clear()

    rows = status(capsys)

    # Then the same two requests, none to the job table, and a cursor item as small
    assert requests == Counter({("DescribeTable", STATE_TABLE): 1, ("Scan", STATE_TABLE): 1})
    assert largest < 1024
    # And the summary still says what the history holds: the failures of the last 7 UTC days
    # (every fifth hourly job: 32 in the 156 hours from the 16th, 00:00, to noon on the 22nd)
    week = NOW.replace(hour=0) - timedelta(days=6)
    expected = sum(1 for j in range(jobs) if j % 5 == 4 and NOW - timedelta(hours=jobs - j) >= week)
    assert expected == (0 if jobs == 1 else 32)
    assert {r["failures7d"] for r in rows} == {expected}
    assert {r["lastFailureCode"] for r in rows} == (
        {None} if jobs == 1 else {"InternalServerError"}
    )
