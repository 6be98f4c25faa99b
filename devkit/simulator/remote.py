"""A client of the /_sim/ control API with the Simulator's own method names, for scripts and
benchmarks that run the simulator in another process (`python -m devkit.simulator`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from devkit.simulator.wire import epoch_seconds


class RemoteSimulator:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        if not url.startswith("http://"):
            raise ValueError(f"the simulator serves plain http on loopback, not {url!r}")
        self.url = url.rstrip("/")
        self._timeout = timeout

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        # The scheme is checked in __init__: http only, never file: or others.
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/_sim/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise ValueError(f"simulator control API: {error.read().decode()}") from None

    # -- inventory ---------------------------------------------------------------------------

    def add_kendra_index(self, index_id: str, name: str | None = None) -> None:
        self._call("POST", "kendra-indices", {"index_id": index_id, "name": name})

    def add_kendra_data_source(
        self, index_id: str, data_source_id: str, name: str | None = None
    ) -> None:
        self.add_data_source(f"kendra#{index_id}#{data_source_id}", name)

    def add_qbusiness_application(self, application_id: str, name: str | None = None) -> None:
        self._call(
            "POST", "qbusiness-applications", {"application_id": application_id, "name": name}
        )

    def add_qbusiness_index(
        self, application_id: str, index_id: str, name: str | None = None
    ) -> None:
        self._call(
            "POST",
            "qbusiness-indices",
            {"application_id": application_id, "index_id": index_id, "name": name},
        )

    def add_qbusiness_data_source(
        self, application_id: str, index_id: str, data_source_id: str, name: str | None = None
    ) -> None:
        self.add_data_source(f"qbusiness#{application_id}#{index_id}#{data_source_id}", name)

    def add_bedrock_knowledge_base(
        self, kb_id: str, name: str | None = None, status: str = "ACTIVE"
    ) -> None:
        body = {"kb_id": kb_id, "name": name, "status": status}
        self._call("POST", "bedrock-knowledge-bases", body)

    def add_data_source(self, key: str, name: str | None = None) -> None:
        self._call("POST", "data-sources", {"key": key, "name": name})

    def set_bedrock_status(self, key_or_kb_id: str, status: str) -> None:
        self._call("POST", "bedrock-status", {"target": key_or_kb_id, "status": status})

    def delete_data_source(self, key: str) -> None:
        self._call("DELETE", f"data-sources?key={quote(key)}")

    def deny(self, key: str) -> None:
        self._call("POST", "deny", {"key": key, "denied": True})

    def allow(self, key: str) -> None:
        self._call("POST", "deny", {"key": key, "denied": False})

    # -- jobs --------------------------------------------------------------------------------

    def put_job(
        self,
        key: str,
        execution_id: str,
        status: str,
        start_time: datetime | None,
        end_time: datetime | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
        data_source_error_code: str | None = None,
        metrics: Mapping[str, str] | None = None,
    ) -> None:
        self.put_jobs(
            [
                {
                    "key": key,
                    "execution_id": execution_id,
                    "status": status,
                    "start_time": start_time,
                    "end_time": end_time,
                    "error_code": error_code,
                    "error_message": error_message,
                    "data_source_error_code": data_source_error_code,
                    "metrics": dict(metrics) if metrics else None,
                }
            ]
        )

    def put_jobs(self, jobs: Iterable[Mapping[str, Any]]) -> None:
        """Many put_job calls (dicts of its arguments) in one request."""
        self._call("POST", "jobs", {"jobs": [_job_document(job) for job in jobs]})

    def put_ingestion_job(
        self,
        key: str,
        job_id: str,
        status: str,
        started_at: datetime | None,
        updated_at: datetime | None = None,
        statistics: Mapping[str, Any] | None = None,
        failure_reasons: Sequence[str] | None = None,
        description: str | None = None,
    ) -> None:
        job = {
            "key": key,
            "job_id": job_id,
            "status": status,
            "started_at": started_at,
            "updated_at": updated_at,
            "statistics": None if statistics is None else dict(statistics),
            "failure_reasons": None if failure_reasons is None else list(failure_reasons),
            "description": description,
        }
        self._call("POST", "ingestion-jobs", {"jobs": [_job_document(job)]})

    def put_raw_job(
        self, key: str, raw: Mapping[str, Any], execution_id: str | None = None
    ) -> None:
        body = {"key": key, "raw": json.loads(json.dumps(raw, default=_encode))}
        if execution_id is not None:
            body["execution_id"] = execution_id
        self._call("POST", "raw-jobs", body)

    def jobs(self, key: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"jobs?key={quote(key)}")["jobs"])

    # -- knobs and measurement ---------------------------------------------------------------

    def knobs(self) -> dict[str, Any]:
        return dict(self._call("GET", "knobs"))

    def set_knobs(self, **knobs: Any) -> dict[str, Any]:
        """latency_seconds=, order=, rate_limit=, throttle_next=,
        fail_next={count, code, message?, operation?}."""
        return dict(self._call("POST", "knobs", knobs))

    def throttle_next(self, count: int) -> None:
        self.set_knobs(throttle_next=count)

    def fail_next(
        self, count: int, code: str, message: str | None = None, operation: str | None = None
    ) -> None:
        failure: dict[str, Any] = {"count": count, "code": code}
        if message:
            failure["message"] = message
        if operation:
            failure["operation"] = operation
        self.set_knobs(fail_next=failure)

    def rate_limit(self, per_second: float | None) -> None:
        self.set_knobs(rate_limit=per_second)

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "stats"))

    def reset_stats(self) -> None:
        self._call("POST", "stats/reset")


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return epoch_seconds(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _job_document(job: Mapping[str, Any]) -> dict[str, Any]:
    document = dict(job)
    for name in ("start_time", "end_time", "started_at", "updated_at"):
        if isinstance(document.get(name), datetime):
            document[name] = epoch_seconds(document[name])
    return document
