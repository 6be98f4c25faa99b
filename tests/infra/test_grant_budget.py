"""The poller's grants name each listed data source while they fit IAM's policy size, and widen
one service one step at a time (the biggest first) when they do not; every listed data source
stays granted whatever the breadth."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest

from infra.config import SyncAuditorConfig, load_config
from infra.grant_budget import (
    SERVICE_GRANTS_BUDGET,
    fitted_breadths,
    service_grants,
    sizing_arn,
    statement_size,
    statements,
)

from .conftest import arn


def uuid(group: int, n: int) -> str:
    return f"{group:04d}{n:04d}-0000-4000-8000-000000000000"


def kendra(indexes: int, per_index: int, **settings: Any) -> list[dict[str, Any]]:
    return [
        {"indexId": uuid(1, i), "dataSourceIds": [uuid(2, d) for d in range(per_index)], **settings}
        for i in range(indexes)
    ]


def qbusiness(apps: int, per_index: int) -> list[dict[str, Any]]:
    return [
        {
            "applicationId": uuid(3, a),
            "indexId": uuid(4, a),
            "dataSourceIds": [uuid(5, d) for d in range(per_index)],
        }
        for a in range(apps)
    ]


def bedrock(bases: int, per_base: int) -> list[dict[str, Any]]:
    return [
        {"knowledgeBaseId": f"KB{k:08d}", "dataSourceIds": [f"DS{d:08d}" for d in range(per_base)]}
        for k in range(bases)
    ]


def granted(config: SyncAuditorConfig, action: str) -> set[str]:
    return {r for g in service_grants(config, arn) if g.action == action for r in g.resources}


def size(config: SyncAuditorConfig) -> int:
    return sum(statement_size(*s) for s in statements(service_grants(config, sizing_arn)))


def covered(resource: str, grants: set[str]) -> bool:
    # IAM's wildcard: * matches any run of characters, "/" included.
    return any(fnmatchcase(resource, pattern) for pattern in grants)


def test_a_few_listed_data_sources_are_granted_one_by_one() -> None:
    config = load_config({"kendra": kendra(1, 20)})

    assert fitted_breadths(config) == {"kendra": "listed"}
    assert granted(config, "kendra:ListDataSourceSyncJobs") == {
        arn("kendra", f"index/{uuid(1, 0)}"),
        *(arn("kendra", f"index/{uuid(1, 0)}/data-source/{uuid(2, d)}") for d in range(20)),
    }


def test_too_many_for_iam_widen_to_each_index_s_data_sources() -> None:
    # Given 5 indexes of 600 listed data sources, self-healing on
    config = load_config({"kendra": kendra(5, 600, selfHealing={})})

    # Then each index is granted with all its data sources, and nothing beyond those indexes
    expected = {
        resource
        for i in range(5)
        for resource in (
            arn("kendra", f"index/{uuid(1, i)}"),
            arn("kendra", f"index/{uuid(1, i)}/data-source/*"),
        )
    }
    assert fitted_breadths(config) == {"kendra": "parent"}
    assert granted(config, "kendra:ListDataSourceSyncJobs") == expected
    assert granted(config, "kendra:StartDataSourceSyncJob") == expected
    assert "kendra:ListDataSources" not in {g.action for g in service_grants(config, arn)}
    assert size(config) <= SERVICE_GRANTS_BUDGET


def test_grants_on_the_same_resources_share_one_statement() -> None:
    # Given listed data sources, self-healing on: read, name and restart the same ARNs
    config = load_config({"kendra": kendra(1, 20, selfHealing={})})

    # Then one statement carries the three actions, each ARN once
    [(actions, resources)] = statements(service_grants(config, arn))
    assert actions == [
        "kendra:ListDataSourceSyncJobs",
        "kendra:DescribeDataSource",
        "kendra:StartDataSourceSyncJob",
    ]
    assert len(resources) == 21


def test_too_many_parents_widen_to_the_service_in_the_account_and_region() -> None:
    # Given 50 indexes of 100 listed data sources: even one ARN pair per index does not fit
    config = load_config({"kendra": kendra(50, 100)})

    assert fitted_breadths(config) == {"kendra": "service"}
    assert granted(config, "kendra:ListDataSourceSyncJobs") == {
        arn("kendra", "index/*"),
        arn("kendra", "index/*/data-source/*"),
    }
    # and no discovery action comes with it: the targets still list their data sources (whose
    # names are looked up, on the same resources)
    assert {g.action for g in service_grants(config, arn)} == {
        "kendra:ListDataSourceSyncJobs",
        "kendra:DescribeDataSource",
    }


def test_the_service_taking_the_most_room_widens_first() -> None:
    # Given 5,000 data sources: Kendra 3,000 in 5 indexes, Q Business 1,000 in 2 indexes,
    # Bedrock 1,000 in 20 knowledge bases (IAM knows Bedrock no narrower than those)
    config = load_config(
        {"kendra": kendra(5, 600), "qbusiness": qbusiness(2, 500), "bedrock": bedrock(20, 50)}
    )

    # Then Kendra and Q Business, the biggest, name their indexes' data-source/*; Bedrock's 20
    # knowledge bases fit as they are (its actions share one statement)
    assert fitted_breadths(config) == {
        "kendra": "parent",
        "qbusiness": "parent",
        "bedrock": "listed",
    }
    assert granted(config, "kendra:ListDataSourceSyncJobs") == {
        resource
        for i in range(5)
        for resource in (
            arn("kendra", f"index/{uuid(1, i)}"),
            arn("kendra", f"index/{uuid(1, i)}/data-source/*"),
        )
    }
    assert granted(config, "bedrock:ListIngestionJobs") == {
        arn("bedrock", f"knowledge-base/KB{k:08d}") for k in range(20)
    }
    assert size(config) <= SERVICE_GRANTS_BUDGET


@pytest.mark.parametrize(
    "raw",
    [
        {"kendra": kendra(1, 20)},
        {"kendra": kendra(5, 1000)},
        {"kendra": kendra(50, 100, selfHealing={})},
        {"qbusiness": qbusiness(10, 500)},
        {"bedrock": bedrock(500, 10)},
        {"kendra": kendra(5, 600), "qbusiness": qbusiness(2, 500), "bedrock": bedrock(20, 50)},
    ],
    ids=["few", "5x1000", "50x100-healing", "qbusiness-10x500", "bedrock-500x10", "mixed"],
)
def test_whatever_the_breadth_every_listed_data_source_is_granted_within_the_budget(
    raw: dict[str, Any],
) -> None:
    config = load_config(raw)
    lists = {
        "kendra": granted(config, "kendra:ListDataSourceSyncJobs"),
        "qbusiness": granted(config, "qbusiness:ListDataSourceSyncJobs"),
        "bedrock": granted(config, "bedrock:ListIngestionJobs"),
    }
    listed = [
        *(
            ("kendra", arn("kendra", f"index/{e['indexId']}/data-source/{ds}"))
            for e in raw.get("kendra", [])
            for ds in e["dataSourceIds"]
        ),
        *(
            (
                "qbusiness",
                arn(
                    "qbusiness",
                    f"application/{e['applicationId']}/index/{e['indexId']}/data-source/{ds}",
                ),
            )
            for e in raw.get("qbusiness", [])
            for ds in e["dataSourceIds"]
        ),
        *(
            ("bedrock", arn("bedrock", f"knowledge-base/{e['knowledgeBaseId']}"))
            for e in raw.get("bedrock", [])
        ),
    ]

    assert [resource for service, resource in listed if not covered(resource, lists[service])] == []
    assert size(config) <= SERVICE_GRANTS_BUDGET
