"""The only code that calls Amazon Bedrock's knowledge base APIs (the `bedrock-agent` client).

ListIngestionJobs has no time filter, only a status filter and a sort. The reader asks for
the newest jobs first (sortBy STARTED_AT, DESCENDING) and stops at the first page that reaches
past the window's start: a quiet data source costs one call. Why that misses nothing: every
job started at or after the window's start sorts before every job started earlier, so the
pages up to the one that crosses the start hold all of the window's jobs. A job that starts
while the pages are read sorts first and shifts the others towards later pages (read twice,
deduplicated), never out of the ones read; and the window itself begins at the oldest job
still open (cursor.py), so an open job is re-read until it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import normalize
from sync_auditor.adapters import clients
from sync_auditor.model import DataSourceRef, SyncJob, iso_utc
from sync_auditor.services.bedrock.jobs import (
    OPEN_SERVICE_STATUSES,
    failure_text,
    job_from_bedrock,
)
from sync_auditor.services.spec import SyncAlreadyRunning

# Enough for every job of a busy data source's window in the one call; the API allows 1,000.
JOBS_PAGE_SIZE = 50
LIST_PAGE_SIZE = 100
NEWEST_FIRST = {"attribute": "STARTED_AT", "order": "DESCENDING"}


class BedrockApi:
    service = "bedrock"

    def __init__(self, client: Callable[[str], Any] = clients.client) -> None:
        self._client = client

    @property
    def _bedrock(self) -> Any:
        return self._client("bedrock-agent")

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]:
        """Pages of the jobs started at or after `since`, newest first; stops at the first
        page that reaches an older job (and between pages, when the caller stops)."""
        horizon = iso_utc(since)
        for page in self._pages(source):
            inside = [job for job in page if not job.start_time or job.start_time >= horizon]
            yield inside
            if len(inside) < len(page):
                return

    def open_job_pages(self, source: DataSourceRef) -> Iterator[list[SyncJob]]:
        """Pages of the jobs open now, whatever their start: one listing per open status (the
        filter takes several values, but how it combines them is not documented)."""
        for status in OPEN_SERVICE_STATUSES:
            only = {"attribute": "STATUS", "operator": "EQ", "values": [status]}
            yield from self._pages(source, filters=[only])

    def _pages(self, source: DataSourceRef, **filters: Any) -> Iterator[list[SyncJob]]:
        request: dict[str, Any] = {
            **_ids(source),
            "sortBy": NEWEST_FIRST,
            "maxResults": JOBS_PAGE_SIZE,
            **filters,
        }
        while True:
            response = self._bedrock.list_ingestion_jobs(**request)
            raw_jobs = response.get("ingestionJobSummaries") or []
            jobs = (job_from_bedrock(raw, source) for raw in raw_jobs)
            yield [job for job in jobs if job is not None]
            token = response.get("nextToken")
            if not token:
                return
            request["nextToken"] = token

    def with_failure_reasons(self, job: SyncJob) -> SyncJob:
        """`job` with its failureReasons as errorMessage: only GetIngestionJob carries them."""
        response = self._bedrock.get_ingestion_job(
            **_ids(job.source), ingestionJobId=job.execution_id
        )
        reasons = failure_text((response.get("ingestionJob") or {}).get("failureReasons"))
        return replace(job, error_message=reasons) if reasons else job

    def start_sync(self, source: DataSourceRef, client_token: str | None = None) -> str:
        """Start an ingestion job now; its id. `client_token` makes a start repeated by a
        crashed or overlapping poll the same start.

        ConflictException also answers a job of another data source of the same knowledge base
        (one runs at a time per knowledge base) or a knowledge base being updated: only a job of
        this data source open now makes it SyncAlreadyRunning; otherwise the start failed, and
        says so. A response without the job's id (a repeated token is "ignored") is answered the
        same way: the open job is the one this token started.
        """
        token = {"clientToken": client_token} if client_token else {}
        try:
            response = self._bedrock.start_ingestion_job(**_ids(source), **token)
        except ClientError as error:
            conflict = error.response.get("Error", {}).get("Code") == "ConflictException"
            if conflict and self._open_job(source) is not None:
                raise SyncAlreadyRunning(source.key) from error
            raise
        job_id = normalize.text((response.get("ingestionJob") or {}).get("ingestionJobId"))
        if job_id:
            return job_id
        open_job = self._open_job(source)
        if open_job is None:
            raise SyncAlreadyRunning(source.key)
        return open_job

    def data_source_name(self, source: DataSourceRef) -> str | None:
        """The data source's name (GetDataSource), for one the configuration lists by id."""
        response = self._bedrock.get_data_source(**_ids(source))
        return normalize.text(normalize.mapping(response.get("dataSource")).get("name")) or None

    def _open_job(self, source: DataSourceRef) -> str | None:
        return next(
            (job.execution_id for page in self.open_job_pages(source) for job in page), None
        )

    def _list(self, operation: str, items_key: str, **params: Any) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {**params, "maxResults": LIST_PAGE_SIZE}
        while True:
            response = getattr(self._bedrock, operation)(**request)
            yield from response.get(items_key) or []
            token = response.get("nextToken")
            if not token:
                return
            request["nextToken"] = token

    def knowledge_bases(self) -> list[tuple[str, str | None, str | None]]:
        """(id, name, status) of every knowledge base in the region."""
        return [
            (item["knowledgeBaseId"], item.get("name"), item.get("status"))
            for item in self._list("list_knowledge_bases", "knowledgeBaseSummaries")
            if item.get("knowledgeBaseId")
        ]

    def data_sources(self, knowledge_base_id: str) -> list[tuple[str, str | None, str | None]]:
        """(id, name, status) of every data source of a knowledge base."""
        return [
            (item["dataSourceId"], item.get("name"), item.get("status"))
            for item in self._list(
                "list_data_sources", "dataSourceSummaries", knowledgeBaseId=knowledge_base_id
            )
            if item.get("dataSourceId")
        ]


def _ids(source: DataSourceRef) -> dict[str, str]:
    return {"knowledgeBaseId": str(source.knowledge_base_id), "dataSourceId": source.data_source_id}
