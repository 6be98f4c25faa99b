"""Reading ingestion jobs without a time filter: newest first, stop past the window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sync_auditor.discovery import Discovery
from sync_auditor.model import DataSourceRef
from sync_auditor.services.bedrock import discover
from sync_auditor.services.bedrock.api import JOBS_PAGE_SIZE, BedrockApi
from sync_auditor.services.spec import SyncAlreadyRunning
from tests.unit.builders import at

KB, DS = "KB12345678", "DS12345678"
SOURCE = DataSourceRef.from_ids("bedrock", {"knowledge_base_id": KB}, DS)


class FakeBedrock:
    """bedrock-agent as the reader sees it: every job, sorted as asked, paged by maxResults."""

    def __init__(self, jobs: list[dict[str, Any]]) -> None:
        self.jobs = jobs
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.started: dict[str, str] = {}
        self.running = False

    def list_ingestion_jobs(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("list_ingestion_jobs", request))
        jobs = self.jobs
        for rule in request.get("filters") or []:
            jobs = [job for job in jobs if job["status"] in rule["values"]]
        assert request["sortBy"] == {"attribute": "STARTED_AT", "order": "DESCENDING"}
        jobs = sorted(jobs, key=lambda job: job["startedAt"], reverse=True)
        offset = int(request.get("nextToken") or 0)
        # Summaries: the reasons are GetIngestionJob's only
        page = [
            {k: v for k, v in j.items() if k != "failureReasons"}
            for j in jobs[offset : offset + request["maxResults"]]
        ]
        more = offset + request["maxResults"] < len(jobs)
        response: dict[str, Any] = {"ingestionJobSummaries": page}
        if more:
            response["nextToken"] = str(offset + request["maxResults"])
        return response

    def get_ingestion_job(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("get_ingestion_job", request))
        job = next(j for j in self.jobs if j["ingestionJobId"] == request["ingestionJobId"])
        return {"ingestionJob": job}

    def start_ingestion_job(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("start_ingestion_job", request))
        token = request["clientToken"]
        if token not in self.started:
            if self.running:
                raise ClientError({"Error": {"Code": "ConflictException"}}, "StartIngestionJob")
            self.started[token] = f"NEW{len(self.started):07d}"
            self.running = True
        return {"ingestionJob": {"ingestionJobId": self.started[token]}}


def job(n: int, hours_ago: float, status: str = "COMPLETE") -> dict[str, Any]:
    started = at(12) - timedelta(hours=hours_ago)
    return {
        "knowledgeBaseId": KB,
        "dataSourceId": DS,
        "ingestionJobId": f"JOB{n:07d}",
        "status": status,
        "startedAt": started,
        "updatedAt": started + timedelta(minutes=5),
    }


def reader(jobs: list[dict[str, Any]]) -> tuple[BedrockApi, FakeBedrock]:
    fake = FakeBedrock(jobs)
    return BedrockApi(lambda name: fake), fake


def test_a_quiet_data_source_costs_one_call() -> None:
    # Given a long history whose newest job is the cursor's
    api, fake = reader([job(n, hours_ago=n * 24) for n in range(300)])
    # When the window starts a little before that job
    pages = list(api.job_pages(SOURCE, at(11, 45), at(13)))
    # Then one call returns it and nothing older is kept
    assert [j.execution_id for page in pages for j in page] == ["JOB0000000"]
    assert len(fake.calls) == 1


def test_a_busy_window_is_read_to_its_start_across_pages_and_no_further() -> None:
    jobs = [job(n, hours_ago=n * 0.1) for n in range(3 * JOBS_PAGE_SIZE)]
    api, fake = reader(jobs)
    since = at(12) - timedelta(hours=0.1 * (JOBS_PAGE_SIZE + 10) - 0.01)
    read = [j.execution_id for page in api.job_pages(SOURCE, since, at(13)) for j in page]
    assert read == [f"JOB{n:07d}" for n in range(JOBS_PAGE_SIZE + 10)]
    assert len(fake.calls) == 2  # the second page crosses the start: the third is never asked


def test_open_jobs_are_found_whatever_their_start_by_their_status() -> None:
    api, fake = reader(
        [job(1, 24 * 90, "IN_PROGRESS"), job(2, 1, "COMPLETE"), job(3, 24 * 40, "STOPPING")]
    )
    found = sorted(j.execution_id for page in api.open_job_pages(SOURCE) for j in page)
    assert found == ["JOB0000001", "JOB0000003"]
    # one listing per open status: how one filter combines several values is not documented
    assert [request["filters"] for _, request in fake.calls] == [
        [{"attribute": "STATUS", "operator": "EQ", "values": [status]}]
        for status in ("STARTING", "IN_PROGRESS", "STOPPING")
    ]


def test_failure_reasons_come_from_get_ingestion_job() -> None:
    failed = {**job(1, 1, "FAILED"), "failureReasons": ["Embedding model throttled"]}
    api, fake = reader([failed])
    [[listed]] = list(api.job_pages(SOURCE, at(10), at(13)))
    assert listed.error_message is None  # the list call does not carry them
    assert api.with_failure_reasons(listed).error_message == "Embedding model throttled"
    assert fake.calls[-1] == (
        "get_ingestion_job",
        {"knowledgeBaseId": KB, "dataSourceId": DS, "ingestionJobId": "JOB0000001"},
    )


def test_a_repeated_start_with_the_same_token_is_the_same_start() -> None:
    api, _ = reader([])
    first = api.start_sync(SOURCE, client_token="t" * 64)
    again = api.start_sync(SOURCE, client_token="t" * 64)
    assert first == again


def test_a_conflict_is_already_running_only_when_this_data_source_has_an_open_job() -> None:
    # Given a knowledge base whose one-at-a-time ingestion is busy
    busy, busy_fake = reader([job(1, 0.5, "IN_PROGRESS")])
    elsewhere, other_fake = reader([job(1, 0.5, "COMPLETE")])
    busy_fake.running = other_fake.running = True
    # When a retry starts with a new token: this data source's own job is running...
    with pytest.raises(SyncAlreadyRunning):
        busy.start_sync(SOURCE, client_token="u" * 64)
    # ...or another data source's is (none of this one's is open): the start failed
    with pytest.raises(ClientError, match="ConflictException"):
        elsewhere.start_sync(SOURCE, client_token="u" * 64)


def test_a_start_answered_without_an_id_is_the_job_open_now() -> None:
    api, fake = reader([job(7, 0.1, "STARTING")])
    fake.start_ingestion_job = lambda **request: {}  # type: ignore[method-assign]
    assert api.start_sync(SOURCE, client_token="t" * 64) == "JOB0000007"


class Inventory:
    def knowledge_bases(self) -> list[tuple[str, str | None, str | None]]:
        return [("KBACTIVE01", "Docs", "ACTIVE"), ("KBDELETE01", "Old", "DELETING")]

    def data_sources(self, kb: str) -> list[tuple[str, str | None, str | None]]:
        return [("DSLIVE0001", "Bucket", "AVAILABLE"), ("DSGONE0001", "Gone", "DELETING")]


def test_all_skips_and_counts_what_is_not_active_or_being_deleted() -> None:
    discovery = Discovery(lambda error: None)
    discover(discovery, "all", Inventory())  # type: ignore[arg-type]
    assert [s.key for s in discovery.sources] == ["bedrock#KBACTIVE01#DSLIVE0001"]
    [source] = discovery.sources
    assert (source.knowledge_base_name, source.data_source_name, source.scope) == (
        "Docs",
        "Bucket",
        "bedrock",
    )
    assert discovery.skipped == {"bedrock": 2}
    assert discovery.scopes == ["bedrock"]


def test_an_entry_with_ids_lists_nothing() -> None:
    discovery = Discovery(lambda error: None)
    discover(discovery, [{"knowledgeBaseId": KB, "dataSourceIds": [DS]}], Inventory())  # type: ignore[arg-type]
    assert [s.key for s in discovery.sources] == [f"bedrock#{KB}#{DS}"]
    assert discovery.scopes == [] and discovery.skipped == {"bedrock": 0}
