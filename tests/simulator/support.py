"""Ids, times, clients and request helpers shared by the simulator tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

INDEX = "5f3c2a10-8d4e-4b6a-9c1e-0a1b2c3d4e5f"
APP = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
QB_INDEX = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
QB_DS = "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f"
KENDRA_DS = "web"
KENDRA_KEY = f"kendra#{INDEX}#{KENDRA_DS}"
QB_KEY = f"qbusiness#{APP}#{QB_INDEX}#{QB_DS}"
KB = "KB12345678"  # Bedrock ids: [0-9a-zA-Z]{10}
BEDROCK_DS = "DS12345678"
BEDROCK_KEY = f"bedrock#{KB}#{BEDROCK_DS}"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

# One session for the whole module: loading the service models once keeps clients cheap.
_SESSION = boto3.session.Session()
# `max_attempts` in botocore's retries config counts retries, not attempts: 1 still retries once.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
UNVALIDATED = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, parameter_validation=False
)

ClientFactory = Callable[..., Any]


def hours_ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def client_for(url: str, service: str, config: Config = NO_RETRIES) -> Any:
    return _SESSION.client(service, endpoint_url=url, region_name="us-east-1", config=config)


def kendra_jobs(kendra: Any, **params: Any) -> Any:
    return kendra.list_data_source_sync_jobs(Id=KENDRA_DS, IndexId=INDEX, **params)


def qbusiness_jobs(qbusiness: Any, **params: Any) -> Any:
    return qbusiness.list_data_source_sync_jobs(
        applicationId=APP, indexId=QB_INDEX, dataSourceId=QB_DS, **params
    )


def bedrock_jobs(bedrock: Any, **params: Any) -> Any:
    return bedrock.list_ingestion_jobs(knowledgeBaseId=KB, dataSourceId=BEDROCK_DS, **params)


def error_code(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


def http_status(excinfo: pytest.ExceptionInfo[Any]) -> int:
    return int(excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"])


def raw_http(
    url: str,
    method: str = "GET",
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, parsed JSON body) of a plain HTTP request, errors included."""
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, reply_headers, payload = (
                response.status,
                dict(response.headers),
                response.read(),
            )
    except urllib.error.HTTPError as error:
        status, reply_headers, payload = error.code, dict(error.headers), error.read()
    return status, reply_headers, json.loads(payload) if payload else None


# What a signed request carries; the simulator checks presence, not the signature.
FAKE_AUTH = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261122/us-east-1/x/aws4_request"
}
