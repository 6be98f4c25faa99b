"""A Bedrock ingestion job becomes a record in the contract's vocabulary, whatever it leaves out."""

from __future__ import annotations

from typing import Any

import pytest

from sync_auditor.alert_message import Alert, email_text
from sync_auditor.model import DataSourceRef, identity_attributes
from sync_auditor.records import new_record
from sync_auditor.services.bedrock.jobs import MAX_REASONS, job_from_bedrock
from tests.unit.builders import at

KB, DS = "KB12345678", "DS12345678"
SOURCE = DataSourceRef.from_ids(
    "bedrock",
    {"knowledge_base_id": KB, "knowledge_base_name": "Support KB"},
    DS,
    data_source_name="Manuals bucket",
)
ALL_STATISTICS = {
    "numberOfDocumentsScanned": 120,
    "numberOfMetadataDocumentsScanned": 4,
    "numberOfNewDocumentsIndexed": 10,
    "numberOfModifiedDocumentsIndexed": 2,
    "numberOfMetadataDocumentsModified": 1,
    "numberOfDocumentsDeleted": 3,
    "numberOfDocumentsFailed": 0,
    "numberOfDocumentsSkipped": 5,
}


def ingestion_job(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "knowledgeBaseId": KB,
        "dataSourceId": DS,
        "ingestionJobId": "JOB1234567",
        "status": "IN_PROGRESS",
        "startedAt": at(10),
        "updatedAt": at(10, 5),
    }
    item.update(fields)
    return {name: value for name, value in item.items() if value is not None}


@pytest.mark.parametrize(
    ("raw_status", "status", "ended"),
    [
        ("STARTING", "SYNCING", False),
        ("IN_PROGRESS", "SYNCING", False),
        ("STOPPING", "STOPPING", False),
        ("STOPPED", "ABORTED", True),
        ("FAILED", "FAILED", True),
        ("COMPLETE", "SUCCEEDED", True),
        ("REINDEXING", "UNKNOWN", False),  # a status Bedrock may add later stays open
    ],
)
def test_every_status_maps_into_the_contract_and_keeps_its_own(
    raw_status: str, status: str, ended: bool
) -> None:
    job = job_from_bedrock(ingestion_job(status=raw_status), SOURCE)
    assert job is not None
    assert job.status == status
    assert job.observed()["serviceStatus"] == raw_status
    # updatedAt is the end only once the job is terminal
    assert job.end_time == ("2026-11-22T10:05:00Z" if ended else None)


def test_complete_with_failed_documents_is_incomplete_and_without_them_succeeded() -> None:
    failed = {**ALL_STATISTICS, "numberOfDocumentsFailed": 7}
    incomplete = job_from_bedrock(ingestion_job(status="COMPLETE", statistics=failed), SOURCE)
    clean = job_from_bedrock(ingestion_job(status="COMPLETE", statistics=ALL_STATISTICS), SOURCE)
    assert incomplete is not None and incomplete.status == "INCOMPLETE"
    assert clean is not None and clean.status == "SUCCEEDED"


def test_statistics_become_the_contract_counts_and_the_others_keep_their_own_names() -> None:
    job = job_from_bedrock(ingestion_job(status="COMPLETE", statistics=ALL_STATISTICS), SOURCE)
    assert job is not None
    assert job.documents == {
        "documentsScanned": 120,
        "documentsAdded": 10,
        "documentsModified": 2,
        "documentsDeleted": 3,
        "documentsFailed": 0,
        "metadataDocumentsScanned": 4,
        "metadataDocumentsModified": 1,
        "documentsSkipped": 5,
    }
    # Bedrock has no error code: the record carries none
    assert "errorCode" not in job.observed()


def test_missing_or_odd_statistics_are_left_out_not_guessed() -> None:
    odd = {"numberOfDocumentsScanned": -1, "numberOfDocumentsFailed": "x", "unknown": 3}
    job = job_from_bedrock(ingestion_job(status="COMPLETE", statistics=odd), SOURCE)
    bare = job_from_bedrock(ingestion_job(status="COMPLETE", statistics="nonsense"), SOURCE)
    assert job is not None and job.documents == {} and job.status == "SUCCEEDED"
    assert bare is not None and bare.documents == {}


def test_a_job_without_an_id_is_dropped_and_one_without_times_is_kept() -> None:
    assert job_from_bedrock(ingestion_job(ingestionJobId=None), SOURCE) is None
    job = job_from_bedrock(ingestion_job(startedAt=None, updatedAt="garbage"), SOURCE)
    assert job is not None and job.start_time is None and job.end_time is None


def test_failure_reasons_are_bounded_in_count_and_size_and_stripped_of_control_text() -> None:
    hostile = "Access denied\x1b[31m <script>alert(1)</script>\u202e\nforged: field"
    reasons = [hostile] + [f"reason {n} " + "x" * 3000 for n in range(40)]
    job = job_from_bedrock(ingestion_job(status="FAILED", failureReasons=reasons), SOURCE)
    assert job is not None and job.error_message is not None
    lines = job.error_message.split("\n")
    # one reason per line, no line break of its own, the escape character gone
    assert lines[0] == "Access denied[31m <script>alert(1)</script>\u202e forged: field"
    assert len(lines) <= MAX_REASONS + 1
    assert lines[-1] == "(and 31 more)"
    assert len(job.error_message) <= 2048


def test_a_bedrock_record_names_its_knowledge_base_and_has_no_index() -> None:
    job = job_from_bedrock(ingestion_job(status="FAILED", updatedAt=at(10, 30)), SOURCE)
    assert job is not None
    assert identity_attributes(SOURCE) == {
        "dataSourceKey": f"bedrock#{KB}#{DS}",
        "service": "bedrock",
        "knowledgeBaseId": KB,
        "knowledgeBaseName": "Support KB",
        "dataSourceId": DS,
        "dataSourceName": "Manuals bucket",
    }
    record = new_record(job, now="2026-11-22T10:31:00Z", history=False)
    assert record["executionId"] == "JOB1234567"
    assert record["endTime"] == "2026-11-22T10:30:00Z"
    assert DataSourceRef.from_key(record["dataSourceKey"]) == SOURCE


def test_the_alert_shows_the_knowledge_base_and_the_reasons() -> None:
    job = job_from_bedrock(
        ingestion_job(
            status="FAILED", updatedAt=at(10, 30), failureReasons=["S3 bucket access denied"]
        ),
        SOURCE,
    )
    assert job is not None
    record = new_record(job, now="2026-11-22T10:31:00Z", history=False)
    text = email_text(Alert.from_job(record, previous_status=None, region="us-east-1"))
    assert text.startswith("Amazon Bedrock Knowledge Bases data source sync FAILED")
    assert "Knowledge base:   Support KB (KB12345678)" in text
    assert "    S3 bucket access denied" in text
    assert f"#/knowledge-bases/knowledge-base/Support%20KB/{KB}/0\n" in text


def test_without_the_knowledge_bases_name_the_link_opens_the_list_of_them() -> None:
    from sync_auditor.alert_message import console_url

    unnamed = DataSourceRef.from_ids("bedrock", {"knowledge_base_id": KB}, DS)
    assert console_url(unnamed, "eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/bedrock/home?region=eu-west-1#/knowledge-bases"
    )


@pytest.mark.parametrize(
    ("reasons", "transient"),
    [
        ("An internal server error occurred. Try again.", True),
        ("Rate exceeded: ThrottlingException from the embeddings model", True),
        ("The request timed out", True),
        ("Access denied to s3://bucket/prefix", False),
        ("Internal error: the vector index does not exist", False),
        ("", False),
    ],
)
def test_self_healing_retries_only_what_the_reasons_call_a_service_failure(
    reasons: str, transient: bool
) -> None:
    from sync_auditor.self_healing import awaits_retry

    record = {
        "service": "bedrock",
        "status": "FAILED",
        "errorMessage": reasons,
        "startTime": "2026-11-22T10:00:00Z",
        "endTime": "2026-11-22T10:30:00Z",
    }
    assert awaits_retry(record, at(11)) is transient
