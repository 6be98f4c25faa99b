"""StartDataSourceSyncJob: a new SYNCING job now, and the conflict each service answers when a
job of that data source is still open."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    APP,
    INDEX,
    KENDRA_DS,
    KENDRA_KEY,
    NOW,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    client_for,
    error_code,
    hours_ago,
    http_status,
    kendra_jobs,
)


def start_kendra(kendra: Any) -> str:
    return str(kendra.start_data_source_sync_job(Id=KENDRA_DS, IndexId=INDEX)["ExecutionId"])


def start_qbusiness(qbusiness: Any) -> str:
    return str(
        qbusiness.start_data_source_sync_job(
            applicationId=APP, indexId=QB_INDEX, dataSourceId=QB_DS
        )["executionId"]
    )


def test_kendra_start_creates_a_syncing_job_now(sim: Simulator, kendra: Any) -> None:
    execution_id = start_kendra(kendra)

    assert sim.jobs(KENDRA_KEY) == [
        {"executionId": execution_id, "status": "SYNCING", "startTime": "2026-11-22T10:00:00Z"}
    ]
    [listed] = kendra_jobs(kendra)["History"]
    assert listed["ExecutionId"] == execution_id and listed["StartTime"] == NOW


def test_kendra_start_while_a_job_is_open_is_resource_in_use(sim: Simulator, kendra: Any) -> None:
    start_kendra(kendra)

    with pytest.raises(ClientError) as excinfo:
        start_kendra(kendra)

    assert (error_code(excinfo), http_status(excinfo)) == ("ResourceInUseException", 400)


def test_qbusiness_start_returns_a_model_shaped_id_and_conflicts_while_open(
    sim: Simulator, qbusiness: Any
) -> None:
    execution_id = start_qbusiness(qbusiness)
    assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9-]{35}", execution_id)

    with pytest.raises(ClientError) as excinfo:
        start_qbusiness(qbusiness)

    assert (error_code(excinfo), http_status(excinfo)) == ("ConflictException", 409)
    assert excinfo.value.response["resourceId"] == QB_DS
    assert [job["status"] for job in sim.jobs(QB_KEY)] == ["SYNCING"]


@pytest.mark.parametrize("open_status", ["SYNCING", "SYNCING_INDEXING", "STOPPING"])
def test_every_open_status_blocks_a_new_start(
    sim: Simulator, kendra: Any, open_status: str
) -> None:
    sim.put_job(KENDRA_KEY, "busy", open_status, hours_ago(1))
    with pytest.raises(ClientError):
        start_kendra(kendra)


def test_a_new_start_is_allowed_once_the_open_job_ended(sim: Simulator, kendra: Any) -> None:
    first = start_kendra(kendra)
    sim.put_job(KENDRA_KEY, first, "SUCCEEDED", hours_ago(1), NOW)

    second = start_kendra(kendra)

    assert second != first
    assert {job["executionId"] for job in sim.jobs(KENDRA_KEY)} == {first, second}


def test_execution_ids_repeat_with_the_seed(sim: Simulator, kendra: Any) -> None:
    first = start_kendra(kendra)
    with Simulator(seed=0) as again:
        again.add_kendra_data_source(INDEX, KENDRA_DS)
        assert start_kendra(client_for(again.url, "kendra")) == first


def test_starting_an_unknown_data_source_is_not_found(kendra: Any, qbusiness: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        kendra.start_data_source_sync_job(Id="missing", IndexId=INDEX)
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        qbusiness.start_data_source_sync_job(
            applicationId=APP, indexId=QB_INDEX, dataSourceId="f" * 36
        )
    assert (error_code(excinfo), http_status(excinfo)) == ("ResourceNotFoundException", 404)


def test_a_failure_injected_for_start_only_lets_the_list_calls_through(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    # Given an AccessDenied meant for the next start of either service
    sim.fail_next(2, "AccessDeniedException", operation="StartDataSourceSyncJob")

    # When the auditor lists first, then starts
    kendra_jobs(kendra)
    with pytest.raises(ClientError) as excinfo:
        start_kendra(kendra)
    assert error_code(excinfo) == "AccessDeniedException"
    qbusiness.list_data_source_sync_jobs(applicationId=APP, indexId=QB_INDEX, dataSourceId=QB_DS)
    with pytest.raises(ClientError) as excinfo:
        start_qbusiness(qbusiness)

    # Then each start met one failure, the lists none, and the next start goes through
    assert (error_code(excinfo), http_status(excinfo)) == ("AccessDeniedException", 403)
    assert sim.knobs()["pending_failures"] == []
    assert start_kendra(kendra)


def test_a_failure_injected_for_one_service_waits_for_that_service(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    sim.fail_next(1, "ConflictException", operation="qbusiness:StartDataSourceSyncJob")

    assert start_kendra(kendra)
    with pytest.raises(ClientError) as excinfo:
        start_qbusiness(qbusiness)

    assert (error_code(excinfo), http_status(excinfo)) == ("ConflictException", 409)
