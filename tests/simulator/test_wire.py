"""What goes on the wire, checked as bytes: epoch-second timestamps, omitted absent fields,
the error envelopes, and raw fault-test jobs emitted verbatim."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from devkit.simulator import Simulator
from tests.simulator.support import (
    APP,
    FAKE_AUTH,
    INDEX,
    KENDRA_DS,
    KENDRA_KEY,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    hours_ago,
    kendra_jobs,
    qbusiness_jobs,
    raw_http,
)

KENDRA_TARGET = "AWSKendraFrontendService.ListDataSourceSyncJobs"


def kendra_wire(sim: Simulator, **params: Any) -> tuple[int, dict[str, str], Any]:
    return raw_http(
        sim.url + "/",
        "POST",
        {"Id": KENDRA_DS, "IndexId": INDEX, **params},
        {**FAKE_AUTH, "X-Amz-Target": KENDRA_TARGET},
    )


def qbusiness_wire(sim: Simulator, query: str = "") -> tuple[int, dict[str, str], Any]:
    path = f"/applications/{APP}/indices/{QB_INDEX}/datasources/{QB_DS}/syncjobs"
    return raw_http(f"{sim.url}{path}{query}", headers=FAKE_AUTH)


def test_jobs_use_each_services_names_epoch_seconds_and_omit_absent_fields(
    sim: Simulator,
) -> None:
    for key in (KENDRA_KEY, QB_KEY):
        sim.put_job(
            key,
            "e-1",
            "FAILED",
            hours_ago(2),
            hours_ago(1),
            error_code="InternalError",
            error_message="crawler crashed",
            metrics={"documentsFailed": "4", "documentsAdded": ""},
        )
        sim.put_job(key, "e-2", "SYNCING", hours_ago(0.5))

    _, headers, kendra_body = kendra_wire(sim)
    _, qb_headers, qb_body = qbusiness_wire(sim)

    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert qb_headers["Content-Type"] == "application/json"
    kendra_by_id = {job["ExecutionId"]: job for job in kendra_body["History"]}
    assert kendra_by_id["e-1"] == {
        "ExecutionId": "e-1",
        "StartTime": hours_ago(2).timestamp(),
        "EndTime": hours_ago(1).timestamp(),
        "Status": "FAILED",
        "ErrorMessage": "crawler crashed",
        "ErrorCode": "InternalError",
        "Metrics": {"DocumentsAdded": "", "DocumentsFailed": "4"},
    }
    assert kendra_by_id["e-2"] == {
        "ExecutionId": "e-2",
        "StartTime": hours_ago(0.5).timestamp(),
        "Status": "SYNCING",
    }
    qb_by_id = {job["executionId"]: job for job in qb_body["history"]}
    assert qb_by_id["e-1"]["error"] == {
        "errorMessage": "crawler crashed",
        "errorCode": "InternalError",
    }
    assert qb_by_id["e-1"]["metrics"] == {"documentsAdded": "", "documentsFailed": "4"}
    assert set(qb_by_id["e-2"]) == {"executionId", "startTime", "status"}
    assert "NextToken" not in kendra_body and "nextToken" not in qb_body


def test_error_envelopes(sim: Simulator) -> None:
    sim.deny(KENDRA_KEY)
    sim.deny(QB_KEY)

    status, _, body = kendra_wire(sim)
    qb_status, qb_headers, qb_body = qbusiness_wire(sim)

    assert status == 400 and body["__type"] == "AccessDeniedException" and body["Message"]
    assert qb_status == 403 and qb_headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert set(qb_body) == {"message"}


def test_qbusiness_status_filter_travels_as_sync_status(sim: Simulator) -> None:
    sim.put_job(QB_KEY, "ok", "SUCCEEDED", hours_ago(2), hours_ago(1))
    sim.put_job(QB_KEY, "bad", "FAILED", hours_ago(2), hours_ago(1))

    _, _, body = qbusiness_wire(sim, "?syncStatus=FAILED")

    assert [job["executionId"] for job in body["history"]] == ["bad"]


def test_raw_jobs_go_out_verbatim_and_boto3_parses_what_it_can(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    odd_kendra = {
        "ExecutionId": "odd-1",
        "Status": "SOMETHING_NEW",
        "StartTime": hours_ago(1).timestamp(),
        "Metrics": {"DocumentsAdded": "-3", "DocumentsFailed": "lots"},
        "NotInTheModel": {"nested": True},
    }
    odd_qbusiness = {
        "executionId": "odd-2",
        "status": "FAILED",
        "error": {"errorCode": "BrandNewCode"},
        "metrics": {"documentsScanned": "1e3"},
    }
    sim.put_raw_job(KENDRA_KEY, odd_kendra)
    sim.put_raw_job(QB_KEY, odd_qbusiness)

    assert kendra_wire(sim)[2]["History"] == [odd_kendra]
    assert qbusiness_wire(sim)[2]["history"] == [odd_qbusiness]
    [parsed] = kendra_jobs(kendra)["History"]
    assert parsed["Status"] == "SOMETHING_NEW" and parsed["Metrics"]["DocumentsFailed"] == "lots"
    assert qbusiness_jobs(qbusiness)["history"][0]["error"]["errorCode"] == "BrandNewCode"


def test_a_raw_job_without_an_id_is_addressed_by_the_given_one(sim: Simulator) -> None:
    sim.put_raw_job(KENDRA_KEY, {"Status": "FAILED"}, execution_id="no-id")
    sim.put_raw_job(KENDRA_KEY, {"Status": "SUCCEEDED"}, execution_id="no-id")  # an upsert

    assert kendra_wire(sim)[2]["History"] == [{"Status": "SUCCEEDED"}]
    assert [job["executionId"] for job in sim.jobs(KENDRA_KEY)] == ["no-id"]
    with pytest.raises(ValueError, match="ExecutionId"):
        sim.put_raw_job(KENDRA_KEY, {"Status": "FAILED"})


def test_a_raw_jobs_readable_start_time_is_used_for_filtering(sim: Simulator, kendra: Any) -> None:
    sim.put_raw_job(KENDRA_KEY, {"ExecutionId": "recent", "StartTime": hours_ago(1).timestamp()})
    sim.put_raw_job(KENDRA_KEY, {"ExecutionId": "old", "StartTime": hours_ago(30).timestamp()})
    sim.put_raw_job(KENDRA_KEY, {"ExecutionId": "unreadable", "StartTime": "soon"})

    recent = kendra_jobs(kendra, StartTimeFilter={"StartTime": hours_ago(2)})["History"]

    assert [job["ExecutionId"] for job in recent] == ["recent"]
    assert len(kendra_wire(sim)[2]["History"]) == 3  # unfiltered, all go out


def test_boto3_finds_the_simulator_through_the_endpoint_variables(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_KENDRA", sim.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_QBUSINESS", sim.url)
    session = boto3.session.Session(region_name="eu-west-1")  # any region: nothing leaves

    assert session.client("kendra").list_indices()["IndexConfigurationSummaryItems"]
    assert session.client("qbusiness").list_applications()["applications"]
    assert sim.stats()["calls"] == {"kendra:ListIndices": 1, "qbusiness:ListApplications": 1}
