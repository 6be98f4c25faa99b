"""Bedrock's inventory and faults: knowledge bases and data sources as listed (DELETING ones
stay, deleted ones go), bad ids, denial, throttling, the stats key, routing by SigV4 scope and
the endpoint variable boto3 reads."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    BEDROCK_DS,
    BEDROCK_KEY,
    FAKE_AUTH,
    KB,
    NOW,
    ClientFactory,
    bedrock_jobs,
    error_code,
    hours_ago,
    http_status,
    raw_http,
)

JOBS_PATH = f"/knowledgebases/{KB}/datasources/{BEDROCK_DS}/ingestionjobs/"
BEDROCK_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/bedrock/aws4_request"
}


def failure(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_code(excinfo), http_status(excinfo)


def data_sources(bedrock: Any, kb: str = KB) -> dict[str, str]:
    listed = bedrock.list_data_sources(knowledgeBaseId=kb)["dataSourceSummaries"]
    return {source["dataSourceId"]: source["status"] for source in listed}


def test_knowledge_bases_and_data_sources_are_listed_with_names_and_statuses(
    sim: Simulator, bedrock: Any
) -> None:
    sim.add_bedrock_knowledge_base("KBCREATING", "drafts", status="CREATING")
    sim.add_data_source(f"bedrock#{KB}#DS00000002", "wiki")

    bases = {
        kb["knowledgeBaseId"]: kb for kb in bedrock.list_knowledge_bases()["knowledgeBaseSummaries"]
    }
    [handbook] = [
        s
        for s in bedrock.list_data_sources(knowledgeBaseId=KB)["dataSourceSummaries"]
        if s["dataSourceId"] == BEDROCK_DS
    ]

    assert {kb_id: kb["status"] for kb_id, kb in bases.items()} == {
        KB: "ACTIVE",
        "KBCREATING": "CREATING",
    }
    assert bases["KBCREATING"]["name"] == "drafts" and bases[KB]["updatedAt"] == NOW
    assert data_sources(bedrock) == {BEDROCK_DS: "AVAILABLE", "DS00000002": "AVAILABLE"}
    assert (handbook["knowledgeBaseId"], handbook["name"]) == (KB, "handbook")
    source = bedrock.get_data_source(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS)["dataSource"]
    assert (source["name"], source["status"], source["dataSourceConfiguration"]["type"]) == (
        "handbook",
        "AVAILABLE",
        "S3",
    )


def test_inventory_listings_page(sim: Simulator, bedrock: Any) -> None:
    for n in range(11):
        sim.add_bedrock_knowledge_base(f"KBPAGE{n:04d}")
        sim.add_data_source(f"bedrock#{KB}#DSPAGE{n:04d}")

    first = bedrock.list_knowledge_bases(maxResults=10)
    second = bedrock.list_knowledge_bases(maxResults=10, nextToken=first["nextToken"])
    pages = list(
        bedrock.get_paginator("list_data_sources").paginate(
            knowledgeBaseId=KB, PaginationConfig={"PageSize": 5}
        )
    )

    assert len(first["knowledgeBaseSummaries"]) + len(second["knowledgeBaseSummaries"]) == 12
    assert "nextToken" not in second
    assert [len(page["dataSourceSummaries"]) for page in pages] == [5, 5, 2]


def test_a_deleting_data_source_stays_listed_with_that_status(sim: Simulator, bedrock: Any) -> None:
    sim.put_job(BEDROCK_KEY, "JOB0000001", "SUCCEEDED", hours_ago(2), hours_ago(1))
    sim.set_bedrock_status(BEDROCK_KEY, "DELETING")
    sim.set_bedrock_status(KB, "DELETING")

    assert data_sources(bedrock) == {BEDROCK_DS: "DELETING"}
    [kb] = bedrock.list_knowledge_bases()["knowledgeBaseSummaries"]
    assert kb["status"] == "DELETING"
    assert len(bedrock_jobs(bedrock)["ingestionJobSummaries"]) == 1


def test_a_deleted_data_source_is_not_found_and_no_longer_listed(
    sim: Simulator, bedrock: Any
) -> None:
    sim.put_job(BEDROCK_KEY, "JOB0000001", "SUCCEEDED", hours_ago(2), hours_ago(1))

    sim.delete_data_source(BEDROCK_KEY)

    not_found = ("ResourceNotFoundException", 404)
    assert failure(lambda: bedrock_jobs(bedrock)) == not_found
    assert (
        failure(
            lambda: bedrock.get_ingestion_job(
                knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, ingestionJobId="JOB0000001"
            )
        )
        == not_found
    )
    assert (
        failure(lambda: bedrock.start_ingestion_job(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS))
        == not_found
    )
    assert (
        failure(lambda: bedrock.get_data_source(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS))
        == not_found
    )
    assert data_sources(bedrock) == {}
    assert sim.jobs(BEDROCK_KEY) == []


def test_unknown_knowledge_bases_are_not_found(bedrock: Any) -> None:
    assert failure(lambda: bedrock.list_data_sources(knowledgeBaseId="NOSUCHKB00")) == (
        "ResourceNotFoundException",
        404,
    )
    assert (
        failure(
            lambda: bedrock.list_ingestion_jobs(
                knowledgeBaseId="NOSUCHKB00", dataSourceId=BEDROCK_DS
            )
        )[0]
        == "ResourceNotFoundException"
    )


@pytest.mark.parametrize("bad", ["KB1234567", "KB123456789", "KB1234567-", "kb_1234567"])
def test_ids_outside_the_models_pattern_are_rejected(bedrock: Any, bad: str) -> None:
    for member, call in [
        (
            "knowledgeBaseId",
            lambda: bedrock.list_ingestion_jobs(knowledgeBaseId=bad, dataSourceId=BEDROCK_DS),
        ),
        ("dataSourceId", lambda: bedrock.list_ingestion_jobs(knowledgeBaseId=KB, dataSourceId=bad)),
        (
            "ingestionJobId",
            lambda: bedrock.get_ingestion_job(
                knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, ingestionJobId=bad
            ),
        ),
    ]:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert (error_code(excinfo), http_status(excinfo)) == ("ValidationException", 400)
        # Bedrock's ValidationException names the fields in `fieldList`.
        assert [field["name"] for field in excinfo.value.response["fieldList"]] == [member]


def test_the_control_api_refuses_ids_bedrock_would_never_make(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="pattern"):
        sim.add_data_source(f"bedrock#{KB}#short")
    with pytest.raises(ValueError, match="pattern"):
        sim.add_bedrock_knowledge_base("not-an-id!")
    with pytest.raises(ValueError, match="dataSourceKey"):
        sim.add_data_source(f"bedrock#{KB}")
    with pytest.raises(ValueError, match="DELETE_UNSUCCESSFUL"):
        sim.set_bedrock_status(BEDROCK_KEY, "GONE")


def test_a_denied_data_source_answers_access_denied_naming_the_knowledge_base(
    sim: Simulator, bedrock: Any
) -> None:
    sim.deny(BEDROCK_KEY)

    with pytest.raises(ClientError) as excinfo:
        bedrock_jobs(bedrock)
    assert (error_code(excinfo), http_status(excinfo)) == ("AccessDeniedException", 403)
    message = excinfo.value.response["Error"]["Message"]
    assert "bedrock:ListIngestionJobs" in message and f"knowledge-base/{KB}" in message
    assert failure(
        lambda: bedrock.start_ingestion_job(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS)
    ) == ("AccessDeniedException", 403)

    sim.allow(BEDROCK_KEY)
    assert bedrock_jobs(bedrock)["ingestionJobSummaries"] == []


def test_throttling_is_parsed_by_boto3_and_retried_by_standard_mode(
    sim: Simulator, client: ClientFactory, bedrock: Any
) -> None:
    sim.throttle_next(1)
    assert failure(lambda: bedrock_jobs(bedrock)) == ("ThrottlingException", 429)

    retrying = client(
        "bedrock-agent", Config(retries={"mode": "standard", "total_max_attempts": 3})
    )
    sim.throttle_next(2)
    response = bedrock_jobs(retrying)

    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert sim.stats()["throttled"] == 3


def test_stats_count_bedrock_calls_under_botocores_service_name(
    sim: Simulator, bedrock: Any
) -> None:
    bedrock_jobs(bedrock)
    bedrock.list_knowledge_bases()
    failure(lambda: bedrock_jobs(bedrock, maxResults=1001))

    stats = sim.stats()
    assert stats["calls"] == {
        "bedrock-agent:ListIngestionJobs": 2,
        "bedrock-agent:ListKnowledgeBases": 1,
    }
    assert stats["by_data_source"] == {BEDROCK_KEY: 2}
    assert stats["rejected"] == 1


def test_the_sigv4_scope_picks_the_service_and_the_path_serves_unsigned_requests(
    sim: Simulator,
) -> None:
    sim.put_job(BEDROCK_KEY, "JOB0000001", "FAILED", hours_ago(2), hours_ago(1))

    status, headers, body = raw_http(sim.url + JOBS_PATH, "POST", {}, BEDROCK_AUTH)
    assert (status, headers["Content-Type"]) == (200, "application/json")
    [job] = body["ingestionJobSummaries"]
    # The model gives Bedrock's timestamps as ISO 8601 strings in the body.
    assert (job["startedAt"], job["updatedAt"]) == ("2026-11-22T08:00:00Z", "2026-11-22T09:00:00Z")
    assert job["statistics"]["numberOfDocumentsFailed"] == 0

    # A hand-made scope that names no service: the path decides.
    assert raw_http(sim.url + JOBS_PATH, "POST", {}, FAKE_AUTH)[0] == 200
    # Signed for another service: that service does not know the path.
    qbusiness_auth = {
        "Authorization": BEDROCK_AUTH["Authorization"].replace("bedrock", "qbusiness")
    }
    status, headers, _ = raw_http(sim.url + JOBS_PATH, "POST", {}, qbusiness_auth)
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    # Unsigned: refused in Bedrock's envelope, found by its path.
    status, headers, body = raw_http(sim.url + JOBS_PATH, "POST", {})
    assert (status, headers["x-amzn-ErrorType"]) == (403, "MissingAuthenticationTokenException")
    assert set(body) == {"message"}


def test_unserved_operations_are_unknown(bedrock: Any) -> None:
    assert failure(lambda: bedrock.list_agents()) == ("UnknownOperationException", 404)


def test_boto3_finds_the_simulator_through_the_endpoint_variable(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_AGENT", sim.url)
    session = boto3.session.Session(region_name="eu-central-1")  # any region: nothing leaves

    summaries = session.client("bedrock-agent").list_knowledge_bases()["knowledgeBaseSummaries"]

    assert [kb["knowledgeBaseId"] for kb in summaries] == [KB]
    assert sim.stats()["calls"] == {"bedrock-agent:ListKnowledgeBases": 1}
