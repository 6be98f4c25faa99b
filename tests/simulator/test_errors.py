"""Each error surfaces as the ClientError code (and HTTP status) the real services give, and the
fault knobs (deleted, denied, throttled, rate-limited, injected failures) behave as documented."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    APP,
    INDEX,
    KENDRA_DS,
    KENDRA_KEY,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    ClientFactory,
    error_code,
    hours_ago,
    http_status,
    kendra_jobs,
    qbusiness_jobs,
)


def failure(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_code(excinfo), http_status(excinfo)


def test_a_deleted_data_source_is_not_found_and_no_longer_listed(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    sim.put_job(KENDRA_KEY, "k", "SUCCEEDED", hours_ago(2), hours_ago(1))

    sim.delete_data_source(KENDRA_KEY)
    sim.delete_data_source(QB_KEY)

    assert failure(lambda: kendra_jobs(kendra)) == ("ResourceNotFoundException", 400)
    assert failure(lambda: qbusiness_jobs(qbusiness)) == ("ResourceNotFoundException", 404)
    assert kendra.list_data_sources(IndexId=INDEX)["SummaryItems"] == []
    assert qbusiness.list_data_sources(applicationId=APP, indexId=QB_INDEX)["dataSources"] == []
    assert sim.jobs(KENDRA_KEY) == []


def test_unknown_parents_are_not_found(kendra: Any, qbusiness: Any) -> None:
    other = "0" * 36
    assert failure(lambda: kendra.list_data_sources(IndexId=other))[0] == (
        "ResourceNotFoundException"
    )
    assert failure(lambda: qbusiness.list_indices(applicationId=other))[0] == (
        "ResourceNotFoundException"
    )
    assert failure(lambda: kendra.list_data_source_sync_jobs(Id="nope", IndexId=INDEX)) == (
        "ResourceNotFoundException",
        400,
    )


def test_qbusiness_not_found_carries_the_models_required_members(
    sim: Simulator, qbusiness: Any
) -> None:
    sim.delete_data_source(QB_KEY)
    with pytest.raises(ClientError) as excinfo:
        qbusiness_jobs(qbusiness)
    assert excinfo.value.response["resourceId"] == QB_DS
    assert excinfo.value.response["resourceType"]


def test_a_denied_data_source_answers_access_denied_until_allowed(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    sim.deny(KENDRA_KEY)
    sim.deny(QB_KEY)

    assert failure(lambda: kendra_jobs(kendra)) == ("AccessDeniedException", 400)
    assert failure(lambda: qbusiness_jobs(qbusiness)) == ("AccessDeniedException", 403)
    assert failure(lambda: kendra.start_data_source_sync_job(Id=KENDRA_DS, IndexId=INDEX)) == (
        "AccessDeniedException",
        400,
    )

    sim.allow(KENDRA_KEY)
    assert kendra_jobs(kendra)["History"] == []


def test_throttled_requests_succeed_with_standard_retries_and_are_counted(
    sim: Simulator, client: ClientFactory
) -> None:
    kendra = client("kendra", Config(retries={"mode": "standard", "total_max_attempts": 3}))
    sim.put_job(KENDRA_KEY, "k", "SUCCEEDED", hours_ago(2), hours_ago(1))
    sim.throttle_next(2)

    response = kendra_jobs(kendra)

    assert [job["ExecutionId"] for job in response["History"]] == ["k"]
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    stats = sim.stats()
    assert stats["throttled"] == 2
    assert stats["calls"]["kendra:ListDataSourceSyncJobs"] == 3
    assert stats["by_data_source"][KENDRA_KEY] == 3


def test_throttling_codes_and_statuses(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    sim.throttle_next(2)
    assert failure(lambda: kendra_jobs(kendra)) == ("ThrottlingException", 400)
    assert failure(lambda: qbusiness_jobs(qbusiness)) == ("ThrottlingException", 429)
    assert kendra_jobs(kendra)["History"] == []  # only the next two


def test_rate_limit_throttles_bursts_above_it(sim: Simulator, kendra: Any) -> None:
    sim.rate_limit(1.0)  # a bucket of one token, refilled once a second

    kendra_jobs(kendra)
    assert failure(lambda: kendra_jobs(kendra))[0] == "ThrottlingException"

    sim.rate_limit(None)
    kendra_jobs(kendra)
    assert sim.stats()["throttled"] == 1


def test_injected_failures_use_each_services_status(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    sim.fail_next(1, "InternalServerException")
    assert failure(lambda: kendra_jobs(kendra)) == ("InternalServerException", 500)
    sim.fail_next(1, "InternalServerException")
    assert failure(lambda: qbusiness_jobs(qbusiness)) == ("InternalServerException", 500)
    sim.fail_next(2, "ConflictException")
    assert failure(lambda: qbusiness_jobs(qbusiness)) == ("ConflictException", 409)
    assert failure(lambda: kendra_jobs(kendra)) == ("ConflictException", 400)


def test_stats_count_calls_rejections_and_reset(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    kendra_jobs(kendra)
    qbusiness_jobs(qbusiness)
    qbusiness.list_applications()
    failure(lambda: kendra_jobs(kendra, MaxResults=11))

    stats = sim.stats()
    assert stats["calls"] == {
        "kendra:ListDataSourceSyncJobs": 2,
        "qbusiness:ListDataSourceSyncJobs": 1,
        "qbusiness:ListApplications": 1,
    }
    assert stats["by_data_source"] == {KENDRA_KEY: 2, QB_KEY: 1}
    assert stats["rejected"] == 1 and stats["throttled"] == 0
    assert stats["errors"] == {"ValidationException": 1}

    sim.reset_stats()
    assert sim.stats() == {
        "calls": {},
        "throttled": 0,
        "by_data_source": {},
        "rejected": 0,
        "errors": {},
    }


def test_latency_is_added_server_side(sim: Simulator, kendra: Any) -> None:
    kendra_jobs(kendra)  # warm the connection
    sim.latency_seconds = 0.05

    started = time.perf_counter()
    kendra_jobs(kendra)

    assert time.perf_counter() - started >= 0.05


def test_concurrent_clients_and_writers_are_safe(sim: Simulator, client: ClientFactory) -> None:
    kendra = client("kendra")  # boto3 clients are thread-safe once created
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(15):
                kendra_jobs(kendra)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    def write() -> None:
        for n in range(300):
            sim.put_job(KENDRA_KEY, f"w{n}", "SUCCEEDED", hours_ago(1), hours_ago(0.5))

    threads = [threading.Thread(target=read) for _ in range(6)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sim.stats()["calls"]["kendra:ListDataSourceSyncJobs"] == 90
    assert len(sim.jobs(KENDRA_KEY)) == 300
