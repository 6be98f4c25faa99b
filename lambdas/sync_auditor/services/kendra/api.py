"""The only code that calls Amazon Kendra. ListDataSourceSyncJobs has no paginator: manual NextToken."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from sync_auditor import normalize
from sync_auditor.adapters import clients
from sync_auditor.model import OPEN_STATUSES, DataSourceRef, SyncJob
from sync_auditor.services.kendra.jobs import job_from_kendra
from sync_auditor.services.spec import SyncAlreadyRunning

SYNC_JOBS_PAGE_SIZE = 10  # the API's maximum
LIST_PAGE_SIZE = 100


class KendraApi:
    service = "kendra"

    def __init__(self, client: Callable[[str], Any] = clients.client) -> None:
        self._client = client

    @property
    def _kendra(self) -> Any:
        return self._client("kendra")

    def job_pages(
        self, source: DataSourceRef, since: datetime, until: datetime
    ) -> Iterator[list[SyncJob]]:
        """Pages of jobs started in [since, until]; the caller may stop between pages.

        StartTimeFilter is documented as limiting the list "to jobs between the specified
        dates" of a filter named for the start time: a bound on when a job started.
        """
        return self._pages(source, StartTimeFilter={"StartTime": since, "EndTime": until})

    def open_job_pages(self, source: DataSourceRef) -> Iterator[list[SyncJob]]:
        """Pages of the jobs open now, whatever their start (StatusFilter: "only returns
        synchronization jobs with the Status field equal to the specified status")."""
        for status in sorted(OPEN_STATUSES):
            yield from self._pages(source, StatusFilter=status)

    def _pages(self, source: DataSourceRef, **filters: Any) -> Iterator[list[SyncJob]]:
        request: dict[str, Any] = {
            "Id": source.data_source_id,
            "IndexId": source.index_id,
            "MaxResults": SYNC_JOBS_PAGE_SIZE,
            **filters,
        }
        while True:
            response = self._kendra.list_data_source_sync_jobs(**request)
            jobs = (job_from_kendra(raw, source) for raw in response.get("History") or [])
            yield [job for job in jobs if job is not None]
            token = response.get("NextToken")
            if not token:
                return
            request["NextToken"] = token

    def start_sync(self, source: DataSourceRef, client_token: str | None = None) -> str:
        """Start a sync job now; its execution id. A sync already in progress is answered
        with ResourceInUseException, which becomes SyncAlreadyRunning. The API takes no
        idempotency token (`client_token` is unused): the claim on the failed job's record is
        what keeps a retry to one start."""
        try:
            response = self._kendra.start_data_source_sync_job(
                Id=source.data_source_id, IndexId=source.index_id
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceInUseException":
                raise SyncAlreadyRunning(source.key) from error
            raise
        return str(response["ExecutionId"])

    def data_source_name(self, source: DataSourceRef) -> str | None:
        """The data source's name (DescribeDataSource), for one the configuration lists by id."""
        response = self._kendra.describe_data_source(
            Id=source.data_source_id, IndexId=source.index_id
        )
        return normalize.text(response.get("Name")) or None

    def _list(self, operation: str, items_key: str, **params: Any) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {**params, "MaxResults": LIST_PAGE_SIZE}
        while True:
            response = getattr(self._kendra, operation)(**request)
            yield from response.get(items_key) or []
            token = response.get("NextToken")
            if not token:
                return
            request["NextToken"] = token

    def indices(self) -> list[tuple[str, str | None]]:
        """(index id, name) of every index in the region."""
        return [
            (item["Id"], item.get("Name"))
            for item in self._list("list_indices", "IndexConfigurationSummaryItems")
            if item.get("Id")
        ]

    def data_sources(self, index_id: str) -> list[tuple[str, str | None]]:
        """(data source id, name) of every data source of an index."""
        return [
            (item["Id"], item.get("Name"))
            for item in self._list("list_data_sources", "SummaryItems", IndexId=index_id)
            if item.get("Id")
        ]
