"""Bedrock ingestion jobs: the contract's jobs as Bedrock shows them (put_job), Bedrock's own
(put_ingestion_job), GetIngestionJob's failure reasons, and StartIngestionJob's idempotency,
conflicts and quota errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    BEDROCK_DS,
    BEDROCK_KEY,
    FAKE_AUTH,
    KB,
    NOW,
    UNVALIDATED,
    ClientFactory,
    bedrock_jobs,
    client_for,
    error_code,
    hours_ago,
    http_status,
    raw_http,
)

TOKEN = "a" * 33  # the model's shortest clientToken


def get_job(bedrock: Any, job_id: str) -> dict[str, Any]:
    response = bedrock.get_ingestion_job(
        knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, ingestionJobId=job_id
    )
    return dict(response["ingestionJob"])


def start(bedrock: Any, **params: Any) -> dict[str, Any]:
    response = bedrock.start_ingestion_job(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, **params)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    return dict(response["ingestionJob"])


def failure(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_code(excinfo), http_status(excinfo)


@pytest.mark.parametrize(
    ("contract", "wire"),
    [
        ("SYNCING", "IN_PROGRESS"),
        ("SUCCEEDED", "COMPLETE"),
        ("FAILED", "FAILED"),
        ("ABORTED", "STOPPED"),
        ("STOPPING", "STOPPING"),
        ("INCOMPLETE", "COMPLETE"),
    ],
)
def test_contract_statuses_go_out_as_bedrocks_and_read_back(
    sim: Simulator, bedrock: Any, contract: str, wire: str
) -> None:
    sim.put_job(BEDROCK_KEY, "JOB0000001", contract, hours_ago(2), hours_ago(1))

    [summary] = bedrock_jobs(bedrock)["ingestionJobSummaries"]
    [recorded] = sim.jobs(BEDROCK_KEY)

    assert summary["status"] == wire
    assert (summary["startedAt"], summary["updatedAt"]) == (
        hours_ago(2),
        hours_ago(1) if contract not in ("SYNCING", "STOPPING") else hours_ago(2),
    )
    assert (recorded["status"], recorded["serviceStatus"]) == (contract, wire)
    assert ("endTime" in recorded) == (contract not in ("SYNCING", "STOPPING"))


def test_incomplete_is_complete_with_failed_documents(sim: Simulator, bedrock: Any) -> None:
    sim.put_job(BEDROCK_KEY, "JOBNOCOUNT", "INCOMPLETE", hours_ago(3), hours_ago(2))
    sim.put_job(
        BEDROCK_KEY,
        "JOBCOUNTED",
        "INCOMPLETE",
        hours_ago(2),
        hours_ago(1),
        metrics={"documentsFailed": "4", "documentsScanned": "10"},
    )

    statistics = {
        job["ingestionJobId"]: job["statistics"]
        for job in bedrock_jobs(bedrock)["ingestionJobSummaries"]
    }

    assert statistics["JOBNOCOUNT"]["numberOfDocumentsFailed"] == 1
    assert statistics["JOBCOUNTED"]["numberOfDocumentsFailed"] == 4
    assert statistics["JOBCOUNTED"]["numberOfDocumentsScanned"] == 10


def test_document_counts_become_numeric_statistics(sim: Simulator, bedrock: Any) -> None:
    counts = {
        "documentsScanned": "50",
        "documentsAdded": "7",
        "documentsModified": "3",
        "documentsDeleted": "2",
        "documentsFailed": "0",
    }
    sim.put_job(BEDROCK_KEY, "JOB0000001", "SUCCEEDED", hours_ago(2), hours_ago(1), metrics=counts)

    job = get_job(bedrock, "JOB0000001")

    assert job["statistics"] == {
        "numberOfDocumentsScanned": 50,
        "numberOfMetadataDocumentsScanned": 0,
        "numberOfNewDocumentsIndexed": 7,
        "numberOfModifiedDocumentsIndexed": 3,
        "numberOfMetadataDocumentsModified": 0,
        "numberOfDocumentsDeleted": 2,
        "numberOfDocumentsFailed": 0,
        "numberOfDocumentsSkipped": 0,
    }
    assert {name: sim.jobs(BEDROCK_KEY)[0][name] for name in counts} == counts


def test_get_ingestion_job_carries_the_failure_reasons_the_list_does_not(
    sim: Simulator, bedrock: Any
) -> None:
    sim.put_job(
        BEDROCK_KEY,
        "JOBFAILED1",
        "FAILED",
        hours_ago(2),
        hours_ago(1),
        error_code="InternalError",  # Bedrock has none: it goes nowhere
        error_message="S3 access denied for s3://bucket/doc.pdf",
    )
    reasons = ["Embedding model throttled", "File too large: big.pdf"]
    sim.put_ingestion_job(BEDROCK_KEY, "JOBFAILED2", "FAILED", hours_ago(1), NOW, None, reasons)

    assert get_job(bedrock, "JOBFAILED1")["failureReasons"] == [
        "S3 access denied for s3://bucket/doc.pdf"
    ]
    assert get_job(bedrock, "JOBFAILED2")["failureReasons"] == reasons
    assert all(
        "failureReasons" not in job for job in bedrock_jobs(bedrock)["ingestionJobSummaries"]
    )
    assert {job["executionId"]: job.get("errorMessage") for job in sim.jobs(BEDROCK_KEY)} == {
        "JOBFAILED1": "S3 access denied for s3://bucket/doc.pdf",
        "JOBFAILED2": "Embedding model throttled; File too large: big.pdf",
    }


def test_bedrocks_own_jobs_go_out_as_given(sim: Simulator, bedrock: Any) -> None:
    odd = {"numberOfDocumentsScanned": -1, "numberOfSomethingNew": 5}
    sim.put_ingestion_job(
        BEDROCK_KEY, "JOBODD0001", "SOMETHING_NEW", hours_ago(1), statistics=odd, description="x"
    )

    job = get_job(bedrock, "JOBODD0001")

    assert job["status"] == "SOMETHING_NEW" and job["description"] == "x"
    assert job["statistics"] == {"numberOfDocumentsScanned": -1}  # boto3 drops unknown members
    assert job["updatedAt"] == hours_ago(1)
    assert sim.jobs(BEDROCK_KEY)[0]["status"] == "SOMETHING_NEW"


def test_put_job_refuses_what_bedrock_cannot_say(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="put_ingestion_job"):
        sim.put_job(BEDROCK_KEY, "JOB0000001", "SYNCING_SOMEHOW", hours_ago(1))
    with pytest.raises(ValueError, match="INCOMPLETE"):
        sim.put_job(
            BEDROCK_KEY, "JOB0000001", "SUCCEEDED", hours_ago(1), metrics={"documentsFailed": "2"}
        )
    with pytest.raises(ValueError, match="numbers"):
        sim.put_job(
            BEDROCK_KEY, "JOB0000001", "FAILED", hours_ago(1), metrics={"documentsAdded": ""}
        )
    with pytest.raises(ValueError, match="Bedrock"):
        sim.put_ingestion_job("kendra#index#ds", "JOB0000001", "FAILED", hours_ago(1))
    assert sim.jobs(BEDROCK_KEY) == []


def test_unknown_jobs_are_not_found(bedrock: Any) -> None:
    assert failure(lambda: get_job(bedrock, "NOSUCHJOB0")) == ("ResourceNotFoundException", 404)


def test_start_opens_a_starting_job_now(sim: Simulator, bedrock: Any) -> None:
    job = start(bedrock, description="nightly")

    assert re.fullmatch(r"[0-9A-Z]{10}", job["ingestionJobId"])
    assert (job["status"], job["startedAt"], job["updatedAt"]) == ("STARTING", NOW, NOW)
    assert (job["knowledgeBaseId"], job["dataSourceId"], job["description"]) == (
        KB,
        BEDROCK_DS,
        "nightly",
    )
    assert job["statistics"]["numberOfDocumentsScanned"] == 0
    [listed] = bedrock_jobs(bedrock)["ingestionJobSummaries"]
    assert listed["ingestionJobId"] == job["ingestionJobId"]
    assert sim.jobs(BEDROCK_KEY)[0]["status"] == "SYNCING"


def test_the_same_client_token_returns_the_same_job(sim: Simulator, bedrock: Any) -> None:
    first = start(bedrock, clientToken=TOKEN)

    again = start(bedrock, clientToken=TOKEN)

    assert again["ingestionJobId"] == first["ingestionJobId"]
    assert len(sim.jobs(BEDROCK_KEY)) == 1


def test_a_new_token_while_a_job_is_open_conflicts(sim: Simulator, bedrock: Any) -> None:
    start(bedrock, clientToken=TOKEN)

    assert failure(lambda: start(bedrock, clientToken="b" * 33)) == ("ConflictException", 409)
    assert failure(lambda: start(bedrock)) == ("ConflictException", 409)  # boto3 makes a token
    assert len(sim.jobs(BEDROCK_KEY)) == 1


@pytest.mark.parametrize("open_status", ["STARTING", "IN_PROGRESS", "STOPPING"])
def test_every_open_status_blocks_a_start(sim: Simulator, bedrock: Any, open_status: str) -> None:
    sim.put_ingestion_job(BEDROCK_KEY, "JOBBUSY001", open_status, hours_ago(1))

    assert failure(lambda: start(bedrock))[0] == "ConflictException"


def test_a_started_job_is_finished_through_put_job_and_a_new_one_may_start(
    sim: Simulator, bedrock: Any
) -> None:
    first = start(bedrock, clientToken=TOKEN)["ingestionJobId"]
    sim.put_job(BEDROCK_KEY, first, "FAILED", NOW, NOW, error_message="crawler crashed")

    # A retry of the first start still answers with that job, now as it ended.
    assert start(bedrock, clientToken=TOKEN)["status"] == "FAILED"
    second = start(bedrock, clientToken="c" * 33)["ingestionJobId"]

    assert second != first
    assert get_job(bedrock, first)["failureReasons"] == ["crawler crashed"]
    assert {job["executionId"] for job in sim.jobs(BEDROCK_KEY)} == {first, second}


def test_a_token_belongs_to_its_data_source(sim: Simulator, bedrock: Any) -> None:
    sim.add_data_source(f"bedrock#{KB}#OTHER00001")
    first = start(bedrock, clientToken=TOKEN)["ingestionJobId"]

    other = bedrock.start_ingestion_job(
        knowledgeBaseId=KB, dataSourceId="OTHER00001", clientToken=TOKEN
    )["ingestionJob"]["ingestionJobId"]

    assert other != first


def test_client_token_length_is_the_models(client: ClientFactory) -> None:
    unvalidated = client("bedrock-agent", UNVALIDATED)  # botocore refuses short ones itself

    assert failure(lambda: start(unvalidated, clientToken="a" * 32)) == ("ValidationException", 400)
    assert failure(lambda: start(unvalidated, clientToken="a" * 257)) == (
        "ValidationException",
        400,
    )


def test_quota_errors_can_be_injected_for_starts_only(sim: Simulator, bedrock: Any) -> None:
    sim.fail_next(1, "ServiceQuotaExceededException", operation="bedrock-agent:StartIngestionJob")

    bedrock_jobs(bedrock)  # a list goes through
    assert failure(lambda: start(bedrock)) == ("ServiceQuotaExceededException", 402)
    assert start(bedrock)["status"] == "STARTING"


def test_start_ids_repeat_with_the_seed(bedrock: Any) -> None:
    first = start(bedrock)["ingestionJobId"]
    with Simulator(seed=0) as again:
        again.add_data_source(BEDROCK_KEY)
        other = client_for(again.url, "bedrock-agent")
        assert (
            other.start_ingestion_job(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS)["ingestionJob"][
                "ingestionJobId"
            ]
            == first
        )


def test_stop_turns_a_running_job_stopping_and_refuses_an_ended_one(
    sim: Simulator, bedrock: Any
) -> None:
    running = start(bedrock)["ingestionJobId"]
    sim.put_job(BEDROCK_KEY, "JOBDONE001", "SUCCEEDED", hours_ago(2), hours_ago(1))

    def stop(job_id: str) -> dict[str, Any]:
        response = bedrock.stop_ingestion_job(
            knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, ingestionJobId=job_id
        )
        return dict(response["ingestionJob"])

    assert stop(running)["status"] == "STOPPING"
    assert sim.jobs(BEDROCK_KEY)[-1]["status"] == "STOPPING"
    assert failure(lambda: stop("JOBDONE001")) == ("ConflictException", 409)


def test_a_raw_job_goes_out_verbatim_from_list_and_get(sim: Simulator, bedrock: Any) -> None:
    # No updatedAt (the model requires one) and a member the model lacks.
    raw = {"ingestionJobId": "JOBRAW0001", "status": "FAILED", "startedAt": 1795420800, "new": 1}
    sim.put_raw_job(BEDROCK_KEY, raw)
    path = f"{sim.url}/knowledgebases/{KB}/datasources/{BEDROCK_DS}/ingestionjobs/"

    assert raw_http(path, "POST", {}, FAKE_AUTH)[2]["ingestionJobSummaries"] == [raw]
    assert raw_http(path + "JOBRAW0001", "GET", None, FAKE_AUTH)[2]["ingestionJob"] == raw
    assert get_job(bedrock, "JOBRAW0001")["status"] == "FAILED"  # boto3 reads what it can
    assert sim.jobs(BEDROCK_KEY)[0]["raw"] == raw
