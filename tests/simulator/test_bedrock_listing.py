"""Bedrock's ListIngestionJobs: sortBy orders, no order without it (seeded shuffle), the STATUS
filter, maxResults bounds and paging with tokens bound to their request."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from devkit.simulator import Simulator
from tests.simulator.support import (
    BEDROCK_DS,
    BEDROCK_KEY,
    KB,
    UNVALIDATED,
    ClientFactory,
    bedrock_jobs,
    client_for,
    error_code,
    hours_ago,
    http_status,
)

NEWEST_FIRST = {"attribute": "STARTED_AT", "order": "DESCENDING"}


def given_jobs(sim: Simulator, count: int, key: str = BEDROCK_KEY) -> list[str]:
    """`count` COMPLETE jobs, inserted oldest first: JOB0000000 started longest ago."""
    ids = [f"JOB{n:07d}" for n in range(count)]
    for n, job_id in enumerate(ids):
        sim.put_job(key, job_id, "SUCCEEDED", hours_ago(count - n), hours_ago(count - n - 0.5))
    return ids


def all_pages(bedrock: Any, **params: Any) -> list[list[dict[str, Any]]]:
    pages, request = [], dict(params)
    while True:
        response = bedrock_jobs(bedrock, **request)
        pages.append(response["ingestionJobSummaries"])
        if "nextToken" not in response:
            return pages
        request["nextToken"] = response["nextToken"]


def ids_of(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [job["ingestionJobId"] for page in pages for job in page]


def rejected(call: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    assert (error_code(excinfo), http_status(excinfo)) == ("ValidationException", 400)
    return str(excinfo.value.response["Error"]["Message"])


def test_sorted_by_start_descending_is_newest_first_across_pages(
    sim: Simulator, bedrock: Any
) -> None:
    ids = given_jobs(sim, 12)

    pages = all_pages(bedrock, sortBy=NEWEST_FIRST, maxResults=5)

    assert [len(page) for page in pages] == [5, 5, 2]
    assert ids_of(pages) == list(reversed(ids))
    starts = [job["startedAt"] for page in pages for job in page]
    assert starts == sorted(starts, reverse=True)


def test_sorted_by_start_ascending_is_oldest_first(sim: Simulator, bedrock: Any) -> None:
    ids = given_jobs(sim, 7)

    pages = all_pages(bedrock, sortBy={"attribute": "STARTED_AT", "order": "ASCENDING"})

    assert ids_of(pages) == ids


def test_without_sort_by_the_order_is_a_seeded_shuffle_of_the_same_jobs() -> None:
    orders = []
    for _ in range(2):
        with Simulator(seed=7) as other:
            ids = given_jobs(other, 25)
            bedrock = client_for(other.url, "bedrock-agent")
            orders.append(ids_of(all_pages(bedrock, maxResults=10)))

    assert orders[0] == orders[1]  # repeatable by seed
    assert sorted(orders[0]) == ids  # the same jobs, each once
    assert orders[0] != ids and orders[0] != list(reversed(ids))


def test_without_sort_by_the_order_knob_applies(sim: Simulator, bedrock: Any) -> None:
    ids = given_jobs(sim, 6)
    sim.order = "newest_first"

    assert ids_of(all_pages(bedrock)) == list(reversed(ids))


def test_sorted_by_status_groups_statuses_in_the_models_order(sim: Simulator, bedrock: Any) -> None:
    for n, status in enumerate(["STOPPED", "COMPLETE", "IN_PROGRESS", "FAILED", "COMPLETE"]):
        sim.put_ingestion_job(BEDROCK_KEY, f"JOB{n:07d}", status, hours_ago(n + 1))
    model_order = ["STARTING", "IN_PROGRESS", "COMPLETE", "FAILED", "STOPPING", "STOPPED"]

    for direction, expected in [("ASCENDING", model_order), ("DESCENDING", model_order[::-1])]:
        pages = all_pages(bedrock, sortBy={"attribute": "STATUS", "order": direction}, maxResults=2)
        statuses = [job["status"] for page in pages for job in page]
        assert statuses == sorted(statuses, key=expected.index)
        assert len(statuses) == 5


def test_status_filter_takes_several_values(sim: Simulator, bedrock: Any) -> None:
    sim.put_job(BEDROCK_KEY, "JOBOK00001", "SUCCEEDED", hours_ago(5), hours_ago(4))
    sim.put_job(BEDROCK_KEY, "JOBBAD0001", "FAILED", hours_ago(4), hours_ago(3))
    sim.put_job(BEDROCK_KEY, "JOBRUN0001", "SYNCING", hours_ago(1))
    sim.put_ingestion_job(BEDROCK_KEY, "JOBSTOP001", "STOPPED", hours_ago(2), hours_ago(1))

    def selected(*values: str) -> set[str]:
        filters = [{"attribute": "STATUS", "operator": "EQ", "values": list(values)}]
        return set(ids_of(all_pages(bedrock, filters=filters)))

    assert selected("FAILED", "STOPPED") == {"JOBBAD0001", "JOBSTOP001"}
    assert selected("IN_PROGRESS") == {"JOBRUN0001"}
    assert selected("COMPLETE", "FAILED", "IN_PROGRESS") == {
        "JOBOK00001",
        "JOBBAD0001",
        "JOBRUN0001",
    }
    assert selected("STARTING") == set()


def test_filters_are_validated(bedrock: Any) -> None:
    def status(*values: str) -> dict[str, Any]:
        return {"attribute": "STATUS", "operator": "EQ", "values": list(values)}

    message = rejected(lambda: bedrock_jobs(bedrock, filters=[status("BROKEN")]))
    assert "'filters.1.member.values.1.member'" in message and "enum value set" in message
    assert "at 'filters' failed" in rejected(
        lambda: bedrock_jobs(bedrock, filters=[status("FAILED"), status("COMPLETE")])
    )
    assert "'filters.1.member.values'" in rejected(
        lambda: bedrock_jobs(bedrock, filters=[status()])
    )
    assert "'filters.1.member.values'" in rejected(
        lambda: bedrock_jobs(bedrock, filters=[status(*["FAILED"] * 11)])
    )
    assert "'filters.1.member.attribute'" in rejected(
        lambda: bedrock_jobs(bedrock, filters=[{**status("FAILED"), "attribute": "STARTED_AT"}])
    )
    assert "'sortBy.order'" in rejected(
        lambda: bedrock_jobs(bedrock, sortBy={"attribute": "STATUS", "order": "UP"})
    )


def test_max_results_bounds(sim: Simulator, client: ClientFactory, bedrock: Any) -> None:
    given_jobs(sim, 1001)
    unvalidated = client("bedrock-agent", UNVALIDATED)  # botocore itself refuses 0

    assert "'maxResults'" in rejected(lambda: bedrock_jobs(unvalidated, maxResults=0))
    message = rejected(lambda: bedrock_jobs(bedrock, maxResults=1001))
    assert "'maxResults'" in message and "less than or equal to 1000" in message
    first = bedrock_jobs(bedrock, maxResults=1000)
    second = bedrock_jobs(bedrock, maxResults=1000, nextToken=first["nextToken"])

    assert len(first["ingestionJobSummaries"]) == 1000
    assert len(second["ingestionJobSummaries"]) == 1 and "nextToken" not in second


def test_the_paginator_pages_through_every_job(sim: Simulator, bedrock: Any) -> None:
    ids = given_jobs(sim, 23)

    pages = list(
        bedrock.get_paginator("list_ingestion_jobs").paginate(
            knowledgeBaseId=KB,
            dataSourceId=BEDROCK_DS,
            PaginationConfig={"PageSize": 10},
        )
    )

    assert [len(page["ingestionJobSummaries"]) for page in pages] == [10, 10, 3]
    assert sorted(ids_of([page["ingestionJobSummaries"] for page in pages])) == ids


def test_a_token_continues_only_the_request_it_came_from(sim: Simulator, bedrock: Any) -> None:
    other = f"bedrock#{KB}#OTHER00001"
    given_jobs(sim, 12)
    given_jobs(sim, 12, key=other)
    complete = [{"attribute": "STATUS", "operator": "EQ", "values": ["COMPLETE"]}]
    token = bedrock_jobs(bedrock, sortBy=NEWEST_FIRST, maxResults=5)["nextToken"]

    continued = bedrock_jobs(bedrock, sortBy=NEWEST_FIRST, maxResults=5, nextToken=token)
    assert len(continued["ingestionJobSummaries"]) == 5

    ascending = {"attribute": "STARTED_AT", "order": "ASCENDING"}
    rejected(lambda: bedrock_jobs(bedrock, sortBy=ascending, nextToken=token))
    rejected(lambda: bedrock_jobs(bedrock, nextToken=token))
    rejected(lambda: bedrock_jobs(bedrock, sortBy=NEWEST_FIRST, filters=complete, nextToken=token))
    rejected(
        lambda: bedrock.list_ingestion_jobs(
            knowledgeBaseId=KB, dataSourceId="OTHER00001", sortBy=NEWEST_FIRST, nextToken=token
        )
    )
    rejected(lambda: bedrock_jobs(bedrock, sortBy=NEWEST_FIRST, nextToken=token[:-2] + "xx"))


def test_jobs_added_between_pages_neither_repeat_nor_drop_the_rest(
    sim: Simulator, bedrock: Any
) -> None:
    ids = given_jobs(sim, 15)
    first = bedrock_jobs(bedrock, maxResults=10)

    sim.put_job(BEDROCK_KEY, "LATE000001", "SYNCING", hours_ago(0.1))
    second = bedrock_jobs(bedrock, maxResults=10, nextToken=first["nextToken"])

    seen = ids_of([first["ingestionJobSummaries"], second["ingestionJobSummaries"]])
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)
