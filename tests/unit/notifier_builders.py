"""Builders for the notifier's tests: job images, DynamoDB stream records, EMF read-back."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeSerializer

KENDRA_INDEX = "a" * 8 + "-1111-2222-3333-" + "b" * 12
QB_APP = "c" * 8 + "-1111-2222-3333-" + "d" * 12
QB_INDEX = "e" * 8 + "-1111-2222-3333-" + "f" * 12
QB_DS = "0" * 8 + "-1111-2222-3333-" + "9" * 12
KENDRA_KEY = f"kendra#{KENDRA_INDEX}#web-crawler"
QB_KEY = f"qbusiness#{QB_APP}#{QB_INDEX}#{QB_DS}"

_serializer = TypeSerializer()
_sequence = itertools.count(1)


def kendra_job(**fields: Any) -> dict[str, Any]:
    """A Kendra job record with every attribute set; pass None to drop one."""
    job: dict[str, Any] = {
        "dataSourceKey": KENDRA_KEY,
        "executionId": "exec-1",
        "service": "kendra",
        "indexId": KENDRA_INDEX,
        "dataSourceId": "web-crawler",
        "dataSourceName": "Public docs crawler",
        "indexName": "support-index",
        "status": "FAILED",
        "startTime": "2026-11-22T10:00:00Z",
        "endTime": "2026-11-22T11:02:03Z",
        "durationSeconds": 3723,
        "errorCode": "InternalError",
        "errorMessage": "The crawler could not reach the seed URL.",
        "dataSourceErrorCode": "SEED_UNREACHABLE",
        "documentsAdded": 10,
        "documentsModified": 2,
        "documentsDeleted": 1,
        "documentsFailed": 7,
        "documentsScanned": 120,
        "firstSeenAt": "2026-11-22T10:01:00Z",
        "updatedAt": "2026-11-22T11:05:00Z",
        "statusHistory": [
            {"status": "SYNCING", "observedAt": "2026-11-22T10:01:00Z"},
            {"status": "FAILED", "observedAt": "2026-11-22T11:05:00Z"},
        ],
        "revision": 2,
    }
    job.update(fields)
    return {name: value for name, value in job.items() if value is not None}


def qbusiness_job(**fields: Any) -> dict[str, Any]:
    job = kendra_job(
        dataSourceKey=QB_KEY,
        service="qbusiness",
        applicationId=QB_APP,
        applicationName="HR assistant",
        indexId=QB_INDEX,
        indexName="hr-index",
        dataSourceId=QB_DS,
        dataSourceName="HR wiki",
        status="INCOMPLETE",
        errorCode=None,
        errorMessage=None,
        dataSourceErrorCode=None,
    )
    job.update(fields)
    return {name: value for name, value in job.items() if value is not None}


def typed(image: dict[str, Any]) -> dict[str, Any]:
    """A plain image in DynamoDB's typed JSON, as the stream carries it."""
    return {name: _serializer.serialize(value) for name, value in image.items()}


def stream_record(
    event_name: str,
    new: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    *,
    event_id: str | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """One record of a Lambda DynamoDB stream event (NEW_AND_OLD_IMAGES)."""
    sequence = next(_sequence)
    image = new or old or {}
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": 1795000000,
        "Keys": typed({k: image[k] for k in ("dataSourceKey", "executionId")}),
        "SequenceNumber": f"{sequence:021d}",
        "SizeBytes": 512,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        dynamodb["NewImage"] = typed(new)
    if old is not None:
        dynamodb["OldImage"] = typed(old)
    return {
        "eventID": event_id or f"event-{sequence}",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/jobs/stream/2026-11-22T00:00:00.000",
    }


def insert(new: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return stream_record("INSERT", new=new, **kwargs)


def modify(old: dict[str, Any], new: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return stream_record("MODIFY", new=new, old=old, **kwargs)


def remove(old: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return stream_record("REMOVE", old=old, **kwargs)


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


@dataclass
class FakeLambdaContext:
    function_name: str = "sync-auditor-notifier"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:sync-auditor-notifier"
    )
    aws_request_id: str = "request-1"
    log_group_name: str = "/aws/lambda/sync-auditor-notifier"
    log_stream_name: str = "2026/11/22/[$LATEST]0"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass(frozen=True)
class EmittedMetric:
    namespace: str
    name: str
    unit: str
    value: float
    dimensions: tuple[tuple[str, ...], ...]
    dimension_values: dict[str, str]


def emitted_metrics(stdout: str) -> list[EmittedMetric]:
    """Every metric in the EMF documents printed to stdout (other log lines are skipped)."""
    found = []
    for line in stdout.splitlines():
        if '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            dimensions = tuple(tuple(names) for names in directive["Dimensions"])
            values = {name: document[name] for names in dimensions for name in names}
            for definition in directive["Metrics"]:
                raw = document[definition["Name"]]
                for value in raw if isinstance(raw, list) else [raw]:
                    found.append(
                        EmittedMetric(
                            namespace=directive["Namespace"],
                            name=definition["Name"],
                            unit=definition["Unit"],
                            value=value,
                            dimensions=dimensions,
                            dimension_values=values,
                        )
                    )
    return found
