"""The only code that calls Amazon Q Business; its ListDataSourceSyncJobs has a paginator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import normalize
from sync_auditor.adapters import clients
from sync_auditor.model import OPEN_STATUSES, DataSourceRef, SyncJob
from sync_auditor.services.qbusiness.jobs import job_from_qbusiness
from sync_auditor.services.spec import SyncAlreadyRunning

SYNC_JOBS_PAGE_SIZE = 10  # the API's maximum
# ListDataSources allows at most 10 per page, ListApplications and ListIndices 100.
LIST_PAGE_SIZES = {"list_applications": 100, "list_indices": 100, "list_data_sources": 10}


class QBusinessApi:
    service = "qbusiness"

    def __init__(self, client: Callable[[str], Any] = clients.client) -> None:
        self._client = client

    @property
    def _qbusiness(self) -> Any:
        return self._client("qbusiness")

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]:
        """Pages of jobs started since `since`; the paginator is lazy, so stopping between
        pages makes no further calls.

        `startTime` is documented as "the start time of the data source connector sync", the
        job field its response documents as when the job started: a lower bound on the start.
        `endTime` is documented only as "the end time of the data source connector sync": if it
        bounds when a job ended, an open job (no end yet) would drop out of every window, so it
        is not sent, and `until` is not needed (nothing starts in the future).
        """
        return self._pages(source, startTime=since)

    def open_job_pages(self, source: DataSourceRef) -> Iterator[list[SyncJob]]:
        """Pages of the jobs open now, whatever their start (statusFilter: "only returns
        synchronization jobs with the Status field equal to the specified status")."""
        for status in sorted(OPEN_STATUSES):
            yield from self._pages(source, statusFilter=status)

    def _pages(self, source: DataSourceRef, **filters: Any) -> Iterator[list[SyncJob]]:
        paginator = self._qbusiness.get_paginator("list_data_source_sync_jobs")
        pages = paginator.paginate(
            applicationId=source.application_id,
            indexId=source.index_id,
            dataSourceId=source.data_source_id,
            **filters,
            PaginationConfig={"PageSize": SYNC_JOBS_PAGE_SIZE},
        )
        for response in pages:
            jobs = (job_from_qbusiness(raw, source) for raw in response.get("history") or [])
            yield [job for job in jobs if job is not None]

    def start_sync(self, source: DataSourceRef, client_token: str | None = None) -> str:
        """Start a sync job now; its execution id. A sync already in progress is answered
        with ConflictException, which becomes SyncAlreadyRunning. The API takes no
        idempotency token (`client_token` is unused): the claim on the failed job's record is
        what keeps a retry to one start."""
        try:
            response = self._qbusiness.start_data_source_sync_job(
                applicationId=source.application_id,
                indexId=source.index_id,
                dataSourceId=source.data_source_id,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConflictException":
                raise SyncAlreadyRunning(source.key) from error
            raise
        return str(response["executionId"])

    def data_source_name(self, source: DataSourceRef) -> str | None:
        """The data source's display name (GetDataSource), for one the configuration lists by id."""
        response = self._qbusiness.get_data_source(
            applicationId=source.application_id,
            indexId=source.index_id,
            dataSourceId=source.data_source_id,
        )
        return normalize.text(response.get("displayName")) or None

    def _list(self, operation: str, items_key: str, **params: Any) -> Iterator[dict[str, Any]]:
        paginator = self._qbusiness.get_paginator(operation)
        for response in paginator.paginate(
            **params, PaginationConfig={"PageSize": LIST_PAGE_SIZES[operation]}
        ):
            yield from response.get(items_key) or []

    def applications(self) -> list[tuple[str, str | None]]:
        return [
            (item["applicationId"], item.get("displayName"))
            for item in self._list("list_applications", "applications")
            if item.get("applicationId")
        ]

    def indices(self, application_id: str) -> list[tuple[str, str | None]]:
        return [
            (item["indexId"], item.get("displayName"))
            for item in self._list("list_indices", "indices", applicationId=application_id)
            if item.get("indexId")
        ]

    def data_sources(self, application_id: str, index_id: str) -> list[tuple[str, str | None]]:
        return [
            (item["dataSourceId"], item.get("displayName"))
            for item in self._list(
                "list_data_sources", "dataSources", applicationId=application_id, indexId=index_id
            )
            if item.get("dataSourceId")
        ]
