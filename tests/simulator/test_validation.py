"""Server-side validation against the models, including what botocore lets through: maximums,
patterns, enums (and, with parameter_validation off, missing members and wrong types)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from devkit.simulator.patterns import full_match, translate
from tests.simulator.support import (
    APP,
    FAKE_AUTH,
    INDEX,
    KENDRA_DS,
    QB_DS,
    QB_INDEX,
    UNVALIDATED,
    ClientFactory,
    error_code,
    http_status,
    kendra_jobs,
    qbusiness_jobs,
    raw_http,
)


def validation_message(call: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    assert error_code(excinfo) == "ValidationException"
    assert http_status(excinfo) == 400
    return str(excinfo.value.response["Error"]["Message"])


def test_max_results_above_the_models_maximum(kendra: Any, qbusiness: Any) -> None:
    # botocore does not check maximums: the request goes out, the service refuses it.
    message = validation_message(lambda: kendra_jobs(kendra, MaxResults=11))
    assert "'MaxResults'" in message and "less than or equal to 10" in message

    message = validation_message(lambda: qbusiness_jobs(qbusiness, maxResults=11))
    assert "'maxResults'" in message


def test_index_id_length_and_pattern(client: ClientFactory, kendra: Any, qbusiness: Any) -> None:
    # botocore checks minimum lengths itself, so the too-short id goes out unvalidated.
    unvalidated = client("kendra", UNVALIDATED)
    for index_id in (INDEX + "0", INDEX[:-1]):
        message = validation_message(
            lambda index_id=index_id: unvalidated.list_data_source_sync_jobs(
                Id=KENDRA_DS, IndexId=index_id
            )
        )
        assert "'IndexId'" in message and "Member must have length" in message
    message = validation_message(
        lambda: kendra.list_data_source_sync_jobs(Id=KENDRA_DS, IndexId="-" + INDEX[1:])
    )
    assert "'IndexId'" in message and "regular expression pattern" in message
    message = validation_message(
        lambda: qbusiness.list_data_source_sync_jobs(
            applicationId=APP, indexId="!" * 36, dataSourceId=QB_DS
        )
    )
    assert "'indexId'" in message and "regular expression pattern" in message
    assert "'dataSourceId'" in validation_message(
        lambda: client("qbusiness", UNVALIDATED).start_data_source_sync_job(
            applicationId=APP, indexId=QB_INDEX, dataSourceId="short"
        )
    )


def test_bad_enum(kendra: Any, qbusiness: Any) -> None:
    message = validation_message(lambda: kendra_jobs(kendra, StatusFilter="BROKEN"))
    assert "'StatusFilter'" in message and "enum value set" in message
    # The model sends statusFilter as the query parameter `syncStatus`; errors name the member.
    assert "'statusFilter'" in validation_message(
        lambda: qbusiness_jobs(qbusiness, statusFilter="BROKEN")
    )


def test_missing_required_member_and_wrong_types(sim: Simulator, client: ClientFactory) -> None:
    kendra = client("kendra", UNVALIDATED)
    qbusiness = client("qbusiness", UNVALIDATED)

    message = validation_message(lambda: kendra.list_data_source_sync_jobs(Id=KENDRA_DS))
    assert "'IndexId'" in message and "must not be null" in message
    assert "'MaxResults'" in validation_message(lambda: kendra_jobs(kendra, MaxResults="ten"))
    assert "'maxResults'" in validation_message(lambda: qbusiness_jobs(qbusiness, maxResults="x"))
    # botocore will not even send a timestamp it cannot read: plain HTTP does.
    status, _, body = raw_http(
        sim.url + "/",
        "POST",
        {"Id": KENDRA_DS, "IndexId": INDEX, "StartTimeFilter": {"StartTime": "yesterday"}},
        {**FAKE_AUTH, "X-Amz-Target": "AWSKendraFrontendService.ListDataSourceSyncJobs"},
    )
    assert (status, body["__type"]) == (400, "ValidationException")
    assert "'StartTimeFilter.StartTime'" in body["Message"]
    status, headers, body = raw_http(
        f"{sim.url}/applications/{APP}/indices/{QB_INDEX}/datasources/{QB_DS}/syncjobs"
        "?startTime=yesterday",
        headers=FAKE_AUTH,
    )
    assert (status, headers["x-amzn-ErrorType"]) == (400, "ValidationException")
    assert body["fields"][0]["name"] == "startTime"


def test_every_broken_member_is_reported_and_qbusiness_names_them_in_fields(
    client: ClientFactory,
) -> None:
    qbusiness = client("qbusiness", UNVALIDATED)

    with pytest.raises(ClientError) as excinfo:
        qbusiness_jobs(qbusiness, maxResults=0, statusFilter="BROKEN")

    response = excinfo.value.response
    assert response["Error"]["Message"].startswith("2 validation errors detected")
    assert response["reason"] == "FIELD_VALIDATION_FAILED"
    assert {field["name"] for field in response["fields"]} == {"maxResults", "statusFilter"}


def test_a_valid_request_passes(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    assert kendra_jobs(kendra, MaxResults=10, StatusFilter="FAILED")["History"] == []
    assert qbusiness_jobs(qbusiness, maxResults=1, statusFilter="SUCCEEDED")["history"] == []


def test_unsigned_requests_are_rejected(client: ClientFactory) -> None:
    unsigned = Config(
        signature_version=UNSIGNED, retries={"mode": "standard", "total_max_attempts": 1}
    )
    for service, call in [
        ("kendra", lambda c: c.list_indices()),
        ("qbusiness", lambda c: c.list_applications()),
    ]:
        with pytest.raises(ClientError) as excinfo:
            call(client(service, unsigned))
        assert error_code(excinfo) == "MissingAuthenticationTokenException"
        assert http_status(excinfo) == 403


def test_unknown_operations(client: ClientFactory, kendra: Any, qbusiness: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        kendra.describe_index(Id=INDEX)
    assert error_code(excinfo) == "UnknownOperationException"
    with pytest.raises(ClientError) as excinfo:
        qbusiness.list_plugins(applicationId=APP)
    assert error_code(excinfo) == "UnknownOperationException" and http_status(excinfo) == 404


def test_a_kendra_body_that_is_not_json_is_a_serialization_error(sim: Simulator) -> None:
    status, _, body = raw_http(
        sim.url + "/",
        "POST",
        b"{not json",
        {
            **FAKE_AUTH,
            "X-Amz-Target": "AWSKendraFrontendService.ListIndices",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert (status, body["__type"]) == (400, "SerializationException")


def test_every_pattern_in_both_models_translates_to_python() -> None:
    loader = botocore.session.get_session().get_component("data_loader")
    for service in ("kendra", "qbusiness"):
        shapes = loader.load_service_model(service, "service-2")["shapes"]
        for shape in shapes.values():
            if "pattern" in shape:
                translate(shape["pattern"])  # raises on anything untranslatable


def test_java_unicode_classes_and_full_matching() -> None:
    printable = r"^\P{C}*$"  # Kendra's ErrorMessage: no control or invisible characters
    assert full_match(printable, "Crawl failed: 3 files, état ✓")
    assert not full_match(printable, "bell\x07")
    assert not full_match(printable, "zero\u200bwidth")  # Cf
    assert full_match(r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "web_1")
    assert not full_match(r"[a-zA-Z0-9][a-zA-Z0-9_-]*", "web 1")  # full match, not search
