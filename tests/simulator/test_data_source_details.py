"""Kendra DescribeDataSource and Q Business GetDataSource: the name ListDataSources gives, the
not-found answers of each service, and the fault knobs and counters on them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    APP,
    BEDROCK_DS,
    INDEX,
    KB,
    KENDRA_DS,
    KENDRA_KEY,
    NOW,
    QB_DS,
    QB_INDEX,
    QB_KEY,
    ClientFactory,
    error_code,
    http_status,
    kendra_jobs,
    qbusiness_jobs,
)

OTHER = "d4e5f6a7-b8c9-4d0e-8f1a-3b4c5d6e7f80"  # a Q Business-shaped id the world lacks


def failure(call: Any) -> tuple[str, int, dict[str, Any]]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_code(excinfo), http_status(excinfo), excinfo.value.response


def describe_kendra(kendra: Any, data_source_id: str = KENDRA_DS, index_id: str = INDEX) -> Any:
    return kendra.describe_data_source(Id=data_source_id, IndexId=index_id)


def get_qbusiness(
    qbusiness: Any, data_source_id: str = QB_DS, index_id: str = QB_INDEX, app_id: str = APP
) -> Any:
    return qbusiness.get_data_source(
        applicationId=app_id, indexId=index_id, dataSourceId=data_source_id
    )


# -- the name, as listed ---------------------------------------------------------------------


def test_kendra_describe_gives_each_data_source_the_name_its_listing_gives(
    sim: Simulator, kendra: Any
) -> None:
    # Given a named data source and one whose name the simulator made up
    sim.add_kendra_data_source(INDEX, "unnamed")

    # When each listed data source is described
    listed = kendra.list_data_sources(IndexId=INDEX)["SummaryItems"]
    described = {item["Id"]: describe_kendra(kendra, item["Id"]) for item in listed}

    # Then each answer names it as the listing does, with the members the API documents
    assert {item["Id"]: item["Name"] for item in listed} == {
        ds_id: details["Name"] for ds_id, details in described.items()
    }
    details = described[KENDRA_DS]
    assert details["Name"] == "website"
    assert {name: details[name] for name in ("Id", "IndexId", "Type", "Status")} == {
        "Id": KENDRA_DS,
        "IndexId": INDEX,
        "Type": "CUSTOM",
        "Status": "ACTIVE",
    }
    assert details["CreatedAt"] == details["UpdatedAt"] == NOW


def test_qbusiness_get_gives_each_data_source_the_name_its_listing_gives(
    sim: Simulator, qbusiness: Any
) -> None:
    sim.add_qbusiness_data_source(APP, QB_INDEX, OTHER)

    listed = qbusiness.list_data_sources(applicationId=APP, indexId=QB_INDEX)["dataSources"]
    described = {
        item["dataSourceId"]: get_qbusiness(qbusiness, item["dataSourceId"]) for item in listed
    }

    assert {item["dataSourceId"]: item["displayName"] for item in listed} == {
        ds_id: details["displayName"] for ds_id, details in described.items()
    }
    details = described[QB_DS]
    assert details["displayName"] == "sharepoint"
    assert {
        name: details[name]
        for name in ("applicationId", "indexId", "dataSourceId", "type", "status")
    } == {
        "applicationId": APP,
        "indexId": QB_INDEX,
        "dataSourceId": QB_DS,
        "type": "CUSTOM",
        "status": "ACTIVE",
    }
    assert details["dataSourceArn"] == (
        f"arn:aws:qbusiness:us-east-1:123456789012:application/{APP}/index/{QB_INDEX}"
        f"/data-source/{QB_DS}"
    )
    assert details["createdAt"] == details["updatedAt"] == NOW
    assert details["configuration"] == {"type": "CUSTOM"}


def test_a_renamed_data_source_is_described_by_its_new_name(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    sim.add_kendra_data_source(INDEX, KENDRA_DS, name="intranet")
    sim.add_qbusiness_data_source(APP, QB_INDEX, QB_DS, name="wiki")

    assert describe_kendra(kendra)["Name"] == "intranet"
    assert get_qbusiness(qbusiness)["displayName"] == "wiki"


# -- what does not exist ---------------------------------------------------------------------


def test_kendra_missing_data_source_or_index_is_not_found_naming_it(
    sim: Simulator, kendra: Any
) -> None:
    missing_index = "0" * 36
    sim.delete_data_source(KENDRA_KEY)

    answers = [
        failure(lambda: describe_kendra(kendra)),
        failure(lambda: describe_kendra(kendra, "other")),
        failure(lambda: describe_kendra(kendra, KENDRA_DS, missing_index)),
    ]

    assert [(code, status, reply["Error"]["Message"]) for code, status, reply in answers] == [
        ("ResourceNotFoundException", 400, f"DataSource {KENDRA_DS} not found"),
        ("ResourceNotFoundException", 400, "DataSource other not found"),
        ("ResourceNotFoundException", 400, f"Index {missing_index} not found"),
    ]


@pytest.mark.parametrize(
    ("address", "resource_type"),
    [
        ({"data_source_id": OTHER}, "DataSource"),
        ({"index_id": OTHER}, "Index"),
        ({"app_id": OTHER}, "Application"),
    ],
)
def test_qbusiness_missing_data_source_index_or_application_is_not_found_naming_it(
    qbusiness: Any, address: dict[str, str], resource_type: str
) -> None:
    code, status, response = failure(lambda: get_qbusiness(qbusiness, **address))

    assert (code, status) == ("ResourceNotFoundException", 404)
    assert (response["resourceId"], response["resourceType"]) == (OTHER, resource_type)
    assert response["Error"]["Message"] == f"{resource_type} {OTHER} not found"


def test_a_denied_data_source_is_access_denied(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    sim.deny(KENDRA_KEY)
    sim.deny(QB_KEY)

    assert failure(lambda: describe_kendra(kendra))[:2] == ("AccessDeniedException", 400)
    assert failure(lambda: get_qbusiness(qbusiness))[:2] == ("AccessDeniedException", 403)


# -- fault knobs and counters ----------------------------------------------------------------


def test_a_failure_injected_for_kendra_describe_meets_that_call_once(
    sim: Simulator, kendra: Any
) -> None:
    # Given a failure meant for the next DescribeDataSource
    sim.fail_next(1, "InternalServerException", operation="DescribeDataSource")

    # When the auditor lists sync jobs, then describes twice
    assert kendra_jobs(kendra)["History"] == []
    first = failure(lambda: describe_kendra(kendra))
    second = describe_kendra(kendra)

    # Then only the first describe failed
    assert first[:2] == ("InternalServerException", 500)
    assert second["Name"] == "website"
    assert sim.knobs()["pending_failures"] == []


def test_a_failure_injected_for_qbusiness_get_meets_that_call_once_and_not_bedrocks(
    sim: Simulator, qbusiness: Any, bedrock: Any
) -> None:
    sim.fail_next(1, "InternalServerException", operation="qbusiness:GetDataSource")

    assert qbusiness_jobs(qbusiness)["history"] == []
    bedrock.get_data_source(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS)
    first = failure(lambda: get_qbusiness(qbusiness))
    second = get_qbusiness(qbusiness)

    assert first[:2] == ("InternalServerException", 500)
    assert second["displayName"] == "sharepoint"
    assert sim.knobs()["pending_failures"] == []


def test_throttled_describes_are_retried_and_counted_per_operation_and_data_source(
    sim: Simulator, client: ClientFactory
) -> None:
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 3})
    kendra, qbusiness = client("kendra", retrying), client("qbusiness", retrying)
    sim.throttle_next(1)

    described = describe_kendra(kendra)
    got = get_qbusiness(qbusiness)

    assert described["ResponseMetadata"]["RetryAttempts"] == 1
    assert got["ResponseMetadata"]["RetryAttempts"] == 0
    stats = sim.stats()
    assert stats["calls"] == {"kendra:DescribeDataSource": 2, "qbusiness:GetDataSource": 1}
    assert stats["by_data_source"] == {KENDRA_KEY: 2, QB_KEY: 1}
    assert stats["throttled"] == 1
