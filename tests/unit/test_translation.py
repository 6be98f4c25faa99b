"""Kendra's and Q Business's job shapes become the same record, whatever the API leaves out."""

from __future__ import annotations

import pytest

from sync_auditor.model import ALL_STATUSES, UNKNOWN_STATUS
from sync_auditor.services.kendra.jobs import job_from_kendra
from sync_auditor.services.qbusiness.jobs import job_from_qbusiness
from tests.unit.builders import KENDRA_SOURCE, QB_SOURCE, at, kendra_item, qbusiness_item

COUNTS = {
    "documentsAdded": "12",
    "documentsModified": "3",
    "documentsDeleted": "0",
    "documentsFailed": "7",
    "documentsScanned": "1000",
}


def test_a_failed_kendra_job_becomes_a_record_with_contract_names() -> None:
    # Given a Kendra history item with every field, counts as strings
    raw = kendra_item(
        Status="FAILED",
        EndTime=at(10, 30),
        ErrorCode="InternalError",
        ErrorMessage="Crawler could not reach https://example.com",
        DataSourceErrorCode="SITE_UNREACHABLE",
        Metrics={"Documents" + name[9:]: value for name, value in COUNTS.items()},
    )
    # When it is translated
    record = job_from_kendra(raw, KENDRA_SOURCE)
    # Then every attribute uses the contract's name and numbers are numbers
    assert record is not None
    assert record.observed() == {
        "status": "FAILED",
        "startTime": "2026-11-22T10:00:00Z",
        "endTime": "2026-11-22T10:30:00Z",
        "durationSeconds": 1800,
        "errorCode": "InternalError",
        "errorMessage": "Crawler could not reach https://example.com",
        "dataSourceErrorCode": "SITE_UNREACHABLE",
        "documentsAdded": 12,
        "documentsModified": 3,
        "documentsDeleted": 0,
        "documentsFailed": 7,
        "documentsScanned": 1000,
    }


def test_a_failed_qbusiness_job_reads_its_nested_error() -> None:
    raw = qbusiness_item(
        status="FAILED",
        endTime=at(10, 30),
        error={"errorCode": "ResourceNotFound", "errorMessage": "Bucket gone"},
        dataSourceErrorCode="S3_BUCKET_MISSING",
        metrics=COUNTS,
    )
    record = job_from_qbusiness(raw, QB_SOURCE)
    assert record is not None
    observed = record.observed()
    assert observed["errorCode"] == "ResourceNotFound"
    assert observed["errorMessage"] == "Bucket gone"
    assert observed["dataSourceErrorCode"] == "S3_BUCKET_MISSING"
    assert observed["documentsFailed"] == 7
    assert observed["durationSeconds"] == 1800


@pytest.mark.parametrize("status", sorted(ALL_STATUSES))
def test_every_status_of_both_services_is_kept(status: str) -> None:
    kendra = job_from_kendra(kendra_item(Status=status), KENDRA_SOURCE)
    qbusiness = job_from_qbusiness(qbusiness_item(status=status), QB_SOURCE)
    assert kendra is not None and kendra.status == status
    assert qbusiness is not None and qbusiness.status == status


def test_a_running_job_has_no_end_and_no_duration() -> None:
    record = job_from_kendra(kendra_item(Status="SYNCING"), KENDRA_SOURCE)
    assert record is not None
    observed = record.observed()
    assert "endTime" not in observed and "durationSeconds" not in observed


@pytest.mark.parametrize("odd", ["", "  ", "n/a", "-4", "1.5", None, "١٢"])
def test_odd_or_missing_counts_are_left_out_not_guessed(odd: str | None) -> None:
    raw = qbusiness_item(metrics={"documentsAdded": odd, "documentsFailed": "2"})
    record = job_from_qbusiness(raw, QB_SOURCE)
    assert record is not None
    assert "documentsAdded" not in record.observed()
    assert record.observed()["documentsFailed"] == 2


def test_missing_nested_objects_and_wrong_types_do_not_crash() -> None:
    raw = qbusiness_item(error="not an object", metrics=["nope"], startTime="yesterday")
    record = job_from_qbusiness(raw, QB_SOURCE)
    assert record is not None
    assert record.start_time is None
    assert "errorCode" not in record.observed()


def test_an_item_without_execution_id_cannot_become_a_record() -> None:
    assert job_from_kendra(kendra_item(ExecutionId=None), KENDRA_SOURCE) is None
    assert job_from_qbusiness(qbusiness_item(executionId=""), QB_SOURCE) is None


def test_a_status_the_api_adds_later_is_kept_as_unknown_and_treated_as_open() -> None:
    record = job_from_kendra(kendra_item(Status="QUEUED"), KENDRA_SOURCE)
    assert record is not None
    assert record.status == UNKNOWN_STATUS
    assert not record.is_terminal


def test_hostile_error_text_is_kept_but_bounded_and_stripped_of_control_characters() -> None:
    hostile = "<!channel> <b>boom</b> & \x1b[31mred\x07\nsecond line " + "x" * 5000
    record = job_from_kendra(kendra_item(Status="FAILED", ErrorMessage=hostile), KENDRA_SOURCE)
    assert record is not None and record.error_message is not None
    assert len(record.error_message) == 2048
    assert record.error_message.startswith("<!channel> <b>boom</b> & [31mred\nsecond line")
    assert "\x1b" not in record.error_message and "\x07" not in record.error_message


def test_an_end_before_the_start_gives_zero_duration_not_negative() -> None:
    record = job_from_kendra(kendra_item(Status="SUCCEEDED", EndTime=at(9)), KENDRA_SOURCE)
    assert record is not None
    assert record.duration_seconds == 0
