"""Paging as the real APIs page: MaxResults-sized pages, opaque tokens, no token at the end,
and no order promised (shuffled by default, by seed)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    INDEX,
    KENDRA_KEY,
    QB_KEY,
    client_for,
    error_code,
    hours_ago,
    kendra_jobs,
    qbusiness_jobs,
)


def given_jobs(sim: Simulator, key: str, count: int, prefix: str = "job") -> list[str]:
    ids = [f"{prefix}-{n:02d}" for n in range(count)]
    for n, execution_id in enumerate(ids):
        sim.put_job(key, execution_id, "SUCCEEDED", hours_ago(n + 1), hours_ago(n + 0.5))
    return ids


def all_kendra_pages(kendra: Any, **params: Any) -> list[list[str]]:
    pages, request = [], dict(params)
    while True:
        response = kendra_jobs(kendra, **request)
        pages.append([job["ExecutionId"] for job in response["History"]])
        if "NextToken" not in response:
            return pages
        request["NextToken"] = response["NextToken"]


def test_kendra_pages_through_more_than_ten_jobs_with_manual_next_token(
    sim: Simulator, kendra: Any
) -> None:
    ids = given_jobs(sim, KENDRA_KEY, 25)

    pages = all_kendra_pages(kendra, MaxResults=10)

    assert [len(page) for page in pages] == [10, 10, 5]
    assert sorted(job for page in pages for job in page) == ids


def test_qbusiness_paginator_pages_with_the_models_default_page_size(
    sim: Simulator, qbusiness: Any
) -> None:
    ids = given_jobs(sim, QB_KEY, 25)

    pages = list(
        qbusiness.get_paginator("list_data_source_sync_jobs").paginate(
            applicationId=QB_KEY.split("#")[1],
            indexId=QB_KEY.split("#")[2],
            dataSourceId=QB_KEY.split("#")[3],
        )
    )

    # No maxResults sent: the page size is the model's maximum for it, 10.
    assert [len(page["history"]) for page in pages] == [10, 10, 5]
    assert sorted(job["executionId"] for page in pages for job in page["history"]) == ids
    assert "nextToken" not in pages[-1]


def test_page_size_follows_max_results(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    given_jobs(sim, KENDRA_KEY, 7)
    given_jobs(sim, QB_KEY, 7)

    assert [len(p) for p in all_kendra_pages(kendra, MaxResults=3)] == [3, 3, 1]
    first = qbusiness_jobs(qbusiness, maxResults=3)
    assert len(first["history"]) == 3 and first["nextToken"]


def test_the_last_page_has_no_token(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    given_jobs(sim, KENDRA_KEY, 10)

    assert "NextToken" not in kendra_jobs(kendra, MaxResults=10)
    assert "nextToken" not in qbusiness_jobs(qbusiness)  # no jobs at all: one empty page


@pytest.mark.parametrize(
    ("order", "newest_first"), [("newest_first", True), ("oldest_first", False)]
)
def test_ordered_listings(sim: Simulator, kendra: Any, order: str, newest_first: bool) -> None:
    given_jobs(sim, KENDRA_KEY, 12)
    sim.order = order

    starts = [job["StartTime"] for page in _pages_of(kendra) for job in page]

    assert starts == sorted(starts, reverse=newest_first)


def test_default_order_is_shuffled_and_repeatable_by_seed() -> None:
    orders = []
    for _ in range(2):
        with Simulator(seed=7) as other:
            given_jobs(other, KENDRA_KEY, 25)
            kendra = client_for(other.url, "kendra")
            orders.append([job["ExecutionId"] for page in _pages_of(kendra) for job in page])

    assert orders[0] == orders[1]
    assert orders[0] != sorted(orders[0]) and orders[0] != sorted(orders[0], reverse=True)


def _pages_of(kendra: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    request: dict[str, Any] = {}
    while True:
        response = kendra_jobs(kendra, **request)
        pages.append(response["History"])
        if "NextToken" not in response:
            return pages
        request["NextToken"] = response["NextToken"]


def test_jobs_added_between_pages_neither_repeat_nor_drop_the_rest(
    sim: Simulator, kendra: Any
) -> None:
    ids = given_jobs(sim, KENDRA_KEY, 15)
    first = kendra_jobs(kendra, MaxResults=10)

    sim.put_job(KENDRA_KEY, "late", "SYNCING", hours_ago(0.1))
    second = kendra_jobs(kendra, MaxResults=10, NextToken=first["NextToken"])

    seen = [job["ExecutionId"] for job in first["History"] + second["History"]]
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)


def test_tampered_foreign_and_mismatched_tokens_are_validation_errors(
    sim: Simulator, kendra: Any, qbusiness: Any
) -> None:
    given_jobs(sim, KENDRA_KEY, 12)
    given_jobs(sim, QB_KEY, 12)
    token = kendra_jobs(kendra)["NextToken"]
    qb_token = qbusiness_jobs(qbusiness)["nextToken"]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    for bad in (tampered, "not-a-token", qb_token):
        with pytest.raises(ClientError) as excinfo:
            kendra_jobs(kendra, NextToken=bad)
        assert error_code(excinfo) == "ValidationException"
    # A token belongs to the request it continues: other filters cannot reuse it.
    with pytest.raises(ClientError) as excinfo:
        kendra_jobs(kendra, NextToken=token, StatusFilter="FAILED")
    assert error_code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        qbusiness_jobs(qbusiness, nextToken=qb_token + "x")
    assert error_code(excinfo) == "ValidationException"


def test_inventory_listings_page_too(sim: Simulator, kendra: Any, qbusiness: Any) -> None:
    for n in range(12):
        sim.add_kendra_data_source(INDEX, f"ds-{n:02d}")
    app, index = QB_KEY.split("#")[1:3]
    for n in range(11):
        sim.add_qbusiness_data_source(app, index, f"{n:02d}" + "d" * 34)

    first = kendra.list_data_sources(IndexId=INDEX, MaxResults=10)
    second = kendra.list_data_sources(IndexId=INDEX, MaxResults=10, NextToken=first["NextToken"])
    qb_pages = list(
        qbusiness.get_paginator("list_data_sources").paginate(applicationId=app, indexId=index)
    )

    assert len(first["SummaryItems"]) + len(second["SummaryItems"]) == 13  # 12 + "web"
    assert "NextToken" not in second
    assert [len(page["dataSources"]) for page in qb_pages] == [10, 2]  # 11 + the fixture's
