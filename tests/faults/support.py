"""What the fault tests share: fresh data source names, one schedule tick, what the table and
the topic hold afterwards, and botocore hooks that make chosen AWS requests fail the way an
outage does (on the wire, before moto sees them), so the real clients and handlers meet them."""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.exceptions import EndpointConnectionError

from devkit.loopback import JOB_TABLE, STATE_TABLE, Loopback
from devkit.stream_pump import PumpReport
from sync_auditor.adapters import clients
from sync_auditor.adapters.job_table import from_item
from sync_auditor.alert_message import ALERT_TYPE
from sync_auditor.settings import PollerSettings

ALERT_STATUSES = ("FAILED", "INCOMPLETE")
# Every record the poller writes has these, whatever the API sent (DESIGN.md, the job table).
WHOLE_RECORD = {
    "dataSourceKey",
    "executionId",
    "service",
    "indexId",
    "dataSourceId",
    "status",
    "firstSeenAt",
    "updatedAt",
    "statusHistory",
    "revision",
}


def new_id() -> str:
    """A fresh 36-character id, valid for every Kendra and Q Business id pattern."""
    return str(uuid.uuid4())


def kendra_key(index_id: str, data_source_id: str) -> str:
    return f"kendra#{index_id}#{data_source_id}"


def qbusiness_key(application_id: str, index_id: str, data_source_id: str) -> str:
    return f"qbusiness#{application_id}#{index_id}#{data_source_id}"


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)


@dataclass
class Tick:
    summary: dict[str, Any]
    pump: PumpReport

    def total(self, name: str) -> int:
        return sum(int(counts[name]) for counts in self.summary["services"].values())


def tick(lb: Loopback) -> Tick:
    """One schedule tick: the real poller handler, then the stream delivered to the notifier."""
    summary = lb.poll()
    return Tick(summary, lb.notify())


def settle_clients() -> None:
    """Make the shared clients the handlers will use, with the current settings, so a hook
    attached now is on the client the next tick uses (a settings change would replace it)."""
    settings = PollerSettings.from_env()
    clients.configure(settings.retry_mode, settings.max_attempts)


def status_alerts(lb: Loopback, keys: Iterable[str]) -> Counter[tuple[str, str, str]]:
    """Job status alerts the topic accepted for these data sources, per (key, execution, status).

    Other alert types (stuck, recovered) have their own rules and are left out.
    """
    wanted = set(keys)
    counts: Counter[tuple[str, str, str]] = Counter()
    for published in lb.published():
        attributes = {name: value["Value"] for name, value in published["attributes"].items()}
        if attributes.get("alertType") != ALERT_TYPE or attributes["dataSourceKey"] not in wanted:
            continue
        body = json.loads(json.loads(published["message"])["sqs"])
        counts[(body["dataSourceKey"], body["executionId"], body["status"])] += 1
    return counts


def records(lb: Loopback, key: str) -> dict[str, dict[str, Any]]:
    """One data source's job records by execution id (a query on its partition)."""
    paginator = lb.client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=JOB_TABLE,
        KeyConditionExpression="dataSourceKey = :key",
        ExpressionAttributeValues={":key": {"S": key}},
        ConsistentRead=True,
    )
    found = [from_item(item) for page in pages for item in page["Items"]]
    return {record["executionId"]: record for record in found}


def cursor_of(lb: Loopback, key: str) -> str | None:
    item = (
        lb.client("dynamodb")
        .get_item(TableName=STATE_TABLE, Key={"id": {"S": f"cursor#{key}"}}, ConsistentRead=True)
        .get("Item")
    )
    return None if item is None else str(item["since"]["S"])


def deferred_keys(lb: Loopback) -> list[str]:
    item = (
        lb.client("dynamodb")
        .get_item(TableName=STATE_TABLE, Key={"id": {"S": "deferred"}}, ConsistentRead=True)
        .get("Item", {})
    )
    return sorted(item.get("keys", {}).get("SS", []))


# -- faults on the wire ------------------------------------------------------------------------


class _Body:
    """The raw stream botocore reads a short-circuited response from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


def connection_refused(request: AWSRequest) -> AWSResponse:
    """The service cannot be reached: what botocore raises when the endpoint is down."""
    raise EndpointConnectionError(endpoint_url=request.url)


def dynamodb_error(code: str, status: int = 500) -> Callable[[AWSRequest], AWSResponse]:
    """DynamoDB answering with an error, in its JSON protocol's own shape."""

    def respond(request: AWSRequest) -> AWSResponse:
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": f"injected {code}"}
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": new_id()}
        return AWSResponse(request.url, status, headers, _Body(body))

    return respond


def rest_json_error(code: str, status: int) -> Callable[[AWSRequest], AWSResponse]:
    """A REST-JSON service (Q Business) answering with an error, as its protocol shapes it."""

    def respond(request: AWSRequest) -> AWSResponse:
        body = json.dumps({"message": f"injected {code}"}).encode()
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": code}
        return AWSResponse(request.url, status, headers, _Body(body))

    return respond


def put_item_of(table: str, execution_ids: set[str] | None = None) -> Callable[[Any], bool]:
    """Matches PutItem requests to `table`, for these execution ids only when given."""

    def matches(request: Any) -> bool:
        body = json.loads(request.body or b"{}")
        if body.get("TableName") != table:
            return False
        return execution_ids is None or body["Item"]["executionId"]["S"] in execution_ids

    return matches


def update_item_setting(table: str, attribute: str) -> Callable[[Any], bool]:
    """Matches UpdateItem requests to `table` whose update expression names `attribute`."""

    def matches(request: Any) -> bool:
        body = json.loads(request.body or b"{}")
        names = body.get("ExpressionAttributeNames", {}).values()
        return bool(body.get("TableName") == table and attribute in names)

    return matches


class Outage:
    """A before-send hook on one operation: the matching requests fail with `respond` while
    `remaining` allows (None: until detached). Counts what it failed."""

    def __init__(
        self,
        service: str,
        operation: str,
        respond: Callable[[AWSRequest], AWSResponse],
        *,
        matches: Callable[[Any], bool] = lambda request: True,
        times: int | None = None,
    ) -> None:
        self.service = service
        self.event = f"before-send.{service}.{operation}"
        self.respond = respond
        self.matches = matches
        self.remaining = times
        self.failed = 0
        self._lock = threading.Lock()
        self._client: Any = None

    def __call__(self, request: AWSRequest, **_: Any) -> AWSResponse | None:
        if not self.matches(request):
            return None
        with self._lock:
            if self.remaining is not None:
                if self.remaining <= 0:
                    return None
                self.remaining -= 1
            self.failed += 1
        return self.respond(request)

    def __enter__(self) -> Outage:
        settle_clients()
        self._client = clients.client(self.service)
        self._client.meta.events.register(self.event, self)
        return self

    def __exit__(self, *_: object) -> None:
        self._client.meta.events.unregister(self.event, self)
