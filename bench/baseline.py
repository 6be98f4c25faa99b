"""The naive baseline the auditor is measured against: every tick, list each data source's whole
history (no time filter) and PutItem every job unconditionally. boto3 only, on purpose: it is
what a first script would do, not a variant of the auditor."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config

PAGE_SIZE = 10  # ListDataSourceSyncJobs' maximum on both services
_serializer = TypeSerializer()


@dataclass
class BaselineTick:
    api_calls: int
    list_calls: int
    read_units: float
    write_units: float
    jobs_written: int
    seconds: float


class _Clients:
    """Clients with the same retry policy and pool as the auditor's, counting HTTP requests."""

    def __init__(self) -> None:
        config = Config(
            retries={"mode": "standard", "total_max_attempts": 5}, max_pool_connections=32
        )
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.kendra = self._counted(boto3.client("kendra", config=config), "kendra")
        self.qbusiness = self._counted(boto3.client("qbusiness", config=config), "qbusiness")
        self.dynamodb = boto3.client("dynamodb", config=config)

    def _counted(self, client: Any, name: str) -> Any:
        def count(**_: Any) -> None:
            with self._lock:
                self.requests[name] += 1

        client.meta.events.register("before-send", count)
        return client


def _kendra_sources(clients: _Clients, index_id: str) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    token = None
    while True:
        page = clients.kendra.list_data_sources(
            IndexId=index_id, MaxResults=100, **({"NextToken": token} if token else {})
        )
        found += [("kendra", index_id, item["Id"]) for item in page.get("SummaryItems", [])]
        token = page.get("NextToken")
        if not token:
            return found


def _qbusiness_sources(clients: _Clients, app: str, index_id: str) -> list[tuple[str, ...]]:
    paginator = clients.qbusiness.get_paginator("list_data_sources")
    pages = paginator.paginate(
        applicationId=app, indexId=index_id, PaginationConfig={"PageSize": 10}
    )
    return [
        ("qbusiness", app, index_id, item["dataSourceId"])
        for page in pages
        for item in page.get("dataSources", [])
    ]


def _history(clients: _Clients, source: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Every job the API has for the data source, normalized just enough to store it."""
    if source[0] == "kendra":
        _, index_id, data_source_id = source
        request: dict[str, Any] = {"Id": data_source_id, "IndexId": index_id, "MaxResults": 10}
        while True:
            page = clients.kendra.list_data_source_sync_jobs(**request)
            for job in page.get("History", []):
                yield {
                    "executionId": job["ExecutionId"],
                    "status": job.get("Status"),
                    "startTime": job.get("StartTime"),
                    "endTime": job.get("EndTime"),
                    "errorCode": job.get("ErrorCode"),
                    "errorMessage": job.get("ErrorMessage"),
                    **{k[0].lower() + k[1:]: v for k, v in job.get("Metrics", {}).items()},
                }
            if not page.get("NextToken"):
                return
            request["NextToken"] = page["NextToken"]
    _, app, index_id, data_source_id = source
    paginator = clients.qbusiness.get_paginator("list_data_source_sync_jobs")
    for page in paginator.paginate(
        applicationId=app,
        indexId=index_id,
        dataSourceId=data_source_id,
        PaginationConfig={"PageSize": PAGE_SIZE},
    ):
        for job in page.get("history", []):
            error = job.get("error") or {}
            yield {
                "executionId": job["executionId"],
                "status": job.get("status"),
                "startTime": job.get("startTime"),
                "endTime": job.get("endTime"),
                "errorCode": error.get("errorCode"),
                "errorMessage": error.get("errorMessage"),
                **job.get("metrics", {}),
            }


def _item(source: tuple[str, ...], job: dict[str, Any]) -> dict[str, Any]:
    values = {
        "dataSourceKey": "#".join(source),
        "service": source[0],
        **{
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in job.items()
        },
    }
    return {name: _serializer.serialize(v) for name, v in values.items() if v not in (None, "")}


def naive_tick(targets: dict[str, Any], table: str, max_parallel: int = 8) -> BaselineTick:
    """One tick of the naive poller over the configured targets (same discovery as the auditor)."""
    started = time.perf_counter()
    clients = _Clients()
    sources: list[tuple[str, ...]] = []
    for target in targets.get("kendra", []):
        sources += _kendra_sources(clients, target["indexId"])
    for target in targets.get("qbusiness", []):
        sources += _qbusiness_sources(clients, target["applicationId"], target["indexId"])
    discovery = sum(clients.requests.values())
    units = {"write": 0.0, "jobs": 0}
    lock = threading.Lock()

    def poll(source: tuple[str, ...]) -> None:
        for job in _history(clients, source):
            response = clients.dynamodb.put_item(
                TableName=table, Item=_item(source, job), ReturnConsumedCapacity="TOTAL"
            )
            with lock:
                units["write"] += float(response["ConsumedCapacity"]["CapacityUnits"])
                units["jobs"] += 1

    with ThreadPoolExecutor(max_workers=max_parallel) as pool:
        list(pool.map(poll, sources))
    calls = sum(clients.requests.values())
    return BaselineTick(
        api_calls=calls,
        list_calls=calls - discovery,
        read_units=0.0,
        write_units=units["write"],
        jobs_written=int(units["jobs"]),
        seconds=time.perf_counter() - started,
    )
