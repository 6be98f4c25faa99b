"""The CLI on Bedrock records: by key or by --knowledge-base/--data-source, --service bedrock,
and `show` with the knowledge base, the raw status and the failure reasons."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from sync_auditor.adapters.job_table import JobTable
from sync_auditor.model import DataSourceRef, SyncJob
from sync_auditor.records import new_record
from tests.cli.support import REGION, TABLE, record_history, run

KB, DS = "KBSUPPORT1", "DSMANUALS1"
SOURCE = DataSourceRef.from_ids(
    "bedrock",
    {"knowledge_base_id": KB, "knowledge_base_name": "support-kb"},
    DS,
    data_source_name="S3 product manuals",
)
REASONS = "User is not authorized to perform s3:GetObject\nIngestion stopped after 12 documents"


@pytest.fixture(scope="module", autouse=True)
def recorded() -> Iterator[None]:
    with mock_aws():
        record_history()  # the Kendra and Q Business history beside it
        table = JobTable(TABLE, client=lambda service: boto3.client(service, region_name=REGION))
        failed = SyncJob(
            SOURCE,
            "MANFAIL001",
            "FAILED",
            "2026-11-22T01:00:00Z",
            "2026-11-22T01:10:00Z",
            error_message=REASONS,
            documents={"documentsScanned": 12, "documentsSkipped": 2},
            service_status="FAILED",
        )
        done = SyncJob(
            SOURCE,
            "MANDONE001",
            "SUCCEEDED",
            "2026-11-21T01:00:00Z",
            "2026-11-21T01:10:00Z",
            service_status="COMPLETE",
        )
        for job in (failed, done):
            assert table.put_if_revision(
                new_record(job, now=str(job.end_time), history=False), None
            )
        yield


def test_failures_of_bedrock_alone(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(
        capsys, "failures", "--service", "bedrock", "--since", "7d", "--table", TABLE, "-o", "json"
    )
    assert result.code == 0, result.err
    assert [(r["dataSourceKey"], r["executionId"]) for r in result.json()] == [
        (f"bedrock#{KB}#{DS}", "MANFAIL001")
    ]


def test_history_by_knowledge_base_and_data_source_flags(
    capsys: pytest.CaptureFixture[str],
) -> None:
    by_flags = run(
        capsys, "history", "--knowledge-base", KB, "--data-source", DS, "--since", "30d",
        "--table", TABLE, "-o", "json",
    )  # fmt: skip
    by_key = run(
        capsys, "history", f"bedrock#{KB}#{DS}", "--since", "30d", "--table", TABLE, "-o", "json"
    )
    assert by_flags.code == 0, by_flags.err
    assert by_flags.json() == by_key.json()
    assert sorted(r["executionId"] for r in by_flags.json()) == ["MANDONE001", "MANFAIL001"]


def test_show_names_the_knowledge_base_and_shows_the_reasons(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(capsys, "show", f"bedrock#{KB}#{DS}", "MANFAIL001", "--table", TABLE)
    assert result.code == 0, result.err
    fields = dict(line.split(None, 1) for line in result.out.split("\n\n")[0].splitlines())
    assert fields["knowledgeBaseId"] == KB
    assert fields["knowledgeBaseName"] == "support-kb"
    assert fields["serviceStatus"] == "FAILED"
    assert fields["documentsSkipped"] == "2"
    assert fields["errorMessage"] == (
        "User is not authorized to perform s3:GetObject\\nIngestion stopped after 12 documents"
    )
    assert "indexId" not in fields


def test_a_flag_of_another_service_with_the_knowledge_base_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run(
        capsys,
        "history",
        "--knowledge-base",
        KB,
        "--index",
        "x",
        "--data-source",
        DS,
        "--table",
        TABLE,
    )
    assert result.code == 252
    assert "do not name one data source" in result.err
    assert "--knowledge-base ID --data-source ID" in result.err
