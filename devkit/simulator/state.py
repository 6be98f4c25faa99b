"""The simulated world: indexes, applications, data sources and their sync jobs, behind one lock.

Every method takes the lock, and jobs are replaced rather than mutated, so a request handler
may keep the lists it got while another thread writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from devkit.simulator.wire import epoch_seconds
from sync_auditor.model import OPEN_STATUSES, DataSourceRef, iso_utc

# Raw jobs use service-native names; these are where their identity, status and start live.
_RAW_NAMES = {
    "kendra": {"execution_id": "ExecutionId", "status": "Status", "start": "StartTime"},
    "qbusiness": {"execution_id": "executionId", "status": "status", "start": "startTime"},
}


@dataclass(frozen=True, slots=True)
class Job:
    execution_id: str
    status: str | None
    start: float | None  # epoch seconds
    end: float | None = None
    error_code: str | None = None
    error_message: str | None = None
    data_source_error_code: str | None = None
    metrics: Mapping[str, str] | None = None
    raw: Mapping[str, Any] | None = None  # for fault tests: emitted verbatim

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def wire_values(self) -> dict[str, Any]:
        """Values keyed by lower-cased contract name, for `wire.render`."""
        values: dict[str, Any] = {
            "executionid": self.execution_id,
            "status": self.status,
            "starttime": self.start,
            "endtime": self.end,
            "errorcode": self.error_code,
            "errormessage": self.error_message,
            "datasourceerrorcode": self.data_source_error_code,
        }
        values.update({name.lower(): value for name, value in (self.metrics or {}).items()})
        return values

    def contract(self) -> dict[str, Any]:
        """The job in the contract's vocabulary (document counts as the raw strings sent)."""
        if self.raw is not None:
            return {
                "executionId": self.execution_id,
                "status": self.status,
                "startTime": _iso(self.start),
                "raw": dict(self.raw),
            }
        values = {
            "executionId": self.execution_id,
            "status": self.status,
            "startTime": _iso(self.start),
            "endTime": _iso(self.end),
            "errorCode": self.error_code,
            "errorMessage": self.error_message,
            "dataSourceErrorCode": self.data_source_error_code,
            **(self.metrics or {}),
        }
        return {name: value for name, value in values.items() if value is not None}


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso_utc(datetime.fromtimestamp(seconds, UTC))


@dataclass
class Node:
    """An index, application or data source: what the List* operations describe."""

    id: str
    name: str
    created: float
    children: dict[str, Node] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)  # data sources only

    def wire_values(self, kind: str) -> dict[str, Any]:
        """Values keyed by lower-cased member name; `kind` is index, application or datasource
        (Q Business names ids `indexId`..., Kendra just `Id`)."""
        return {
            "id": self.id,
            f"{kind}id": self.id,
            "name": self.name,
            "displayname": self.name,
            "createdat": self.created,
            "updatedat": self.created,
            "status": "ACTIVE",
            "type": "CUSTOM",
            "edition": "ENTERPRISE_EDITION",
        }


class World:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._kendra: dict[str, Node] = {}  # index id -> index, children = data sources
        self._qbusiness: dict[str, Node] = {}  # app id -> app -> indices -> data sources
        self._denied: set[str] = set()

    # -- inventory ---------------------------------------------------------------------------

    def add_kendra_index(self, index_id: str, name: str | None = None) -> None:
        with self.lock:
            self._child(self._kendra, index_id, name, "index")

    def add_qbusiness_application(self, application_id: str, name: str | None = None) -> None:
        with self.lock:
            self._child(self._qbusiness, application_id, name, "app")

    def add_qbusiness_index(
        self, application_id: str, index_id: str, name: str | None = None
    ) -> None:
        with self.lock:
            app = self._child(self._qbusiness, application_id, None, "app")
            self._child(app.children, index_id, name, "index")

    def add_data_source(self, key: str, name: str | None = None) -> Node:
        """Add (or name) the data source of a dataSourceKey, and its parents if missing."""
        ref = parse_key(key)
        with self.lock:
            if ref.service == "kendra":
                parent = self._child(self._kendra, ref.index_id, None, "index")
            else:
                app = self._child(self._qbusiness, str(ref.application_id), None, "app")
                parent = self._child(app.children, ref.index_id, None, "index")
            return self._child(parent.children, ref.data_source_id, name, "ds")

    def delete_data_source(self, key: str) -> None:
        with self.lock:
            ref = parse_key(key)
            parent = self._parent_of(ref)
            if parent is not None:
                parent.children.pop(ref.data_source_id, None)

    def set_denied(self, key: str, denied: bool) -> None:
        parse_key(key)  # refuse keys that name no data source
        with self.lock:
            (self._denied.add if denied else self._denied.discard)(key)

    def is_denied(self, key: str) -> bool:
        with self.lock:
            return key in self._denied

    def kendra_indices(self) -> list[Node]:
        with self.lock:
            return list(self._kendra.values())

    def qbusiness_applications(self) -> list[Node]:
        with self.lock:
            return list(self._qbusiness.values())

    def kendra_index(self, index_id: str) -> Node | None:
        with self.lock:
            return self._kendra.get(index_id)

    def qbusiness_application(self, application_id: str) -> Node | None:
        with self.lock:
            return self._qbusiness.get(application_id)

    def qbusiness_index(self, application_id: str, index_id: str) -> Node | None:
        with self.lock:
            app = self._qbusiness.get(application_id)
            return None if app is None else app.children.get(index_id)

    def children(self, node: Node) -> list[Node]:
        with self.lock:
            return list(node.children.values())

    def data_source(self, key: str) -> Node | None:
        ref = parse_key(key)
        with self.lock:
            parent = self._parent_of(ref)
            return None if parent is None else parent.children.get(ref.data_source_id)

    def _parent_of(self, ref: DataSourceRef) -> Node | None:
        if ref.service == "kendra":
            return self._kendra.get(ref.index_id)
        app = self._qbusiness.get(str(ref.application_id))
        return None if app is None else app.children.get(ref.index_id)

    def _child(self, parent: dict[str, Node], node_id: str, name: str | None, kind: str) -> Node:
        node = parent.get(node_id)
        if node is None:
            # Real resources always have a name; a made-up one keeps the listings realistic.
            name = name or f"{kind}-{node_id[:8]}"
            node = parent[node_id] = Node(node_id, name, created=round(self._clock(), 3))
        elif name:
            node.name = name
        return node

    # -- jobs ----------------------------------------------------------------------------------

    def put_job(self, key: str, job: Job) -> None:
        with self.lock:
            source = self.data_source(key) or self.add_data_source(key)
            source.jobs[job.execution_id] = job

    def put_raw_job(self, key: str, raw: Mapping[str, Any], execution_id: str | None) -> Job:
        names = _RAW_NAMES[parse_key(key).service]
        address = raw.get(names["execution_id"]) or execution_id
        if not address:
            raise ValueError(
                f"a raw job needs {names['execution_id']!r} or execution_id= to be addressable"
            )
        status = raw.get(names["status"])
        job = Job(
            execution_id=str(address),
            status=status if isinstance(status, str) else None,
            start=_lenient_seconds(raw.get(names["start"])),
            raw=dict(raw),
        )
        self.put_job(key, job)
        return job

    def jobs_of(self, source: Node) -> list[Job]:
        with self.lock:
            return list(source.jobs.values())

    def jobs(self, key: str) -> list[Job]:
        with self.lock:
            source = self.data_source(key)
            return [] if source is None else list(source.jobs.values())

    def start_job(self, source: Node, execution_id: str, start: float) -> Job | None:
        """Open a new SYNCING job, or return None if one is already open."""
        with self.lock:
            if any(job.is_open for job in source.jobs.values()):
                return None
            job = Job(execution_id=execution_id, status="SYNCING", start=start)
            source.jobs[execution_id] = job
            return job


def _lenient_seconds(value: Any) -> float | None:
    """A raw job's start time if it can be read as one, for filtering; else None."""
    if isinstance(value, datetime):
        return epoch_seconds(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return epoch_seconds(datetime.fromisoformat(value))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=1 << 16)
def parse_key(key: str) -> DataSourceRef:
    """A dataSourceKey's parts (ValueError if malformed); cached, as the same keys recur."""
    return DataSourceRef.from_key(key)


def seconds_or_none(moment: datetime | None) -> float | None:
    return None if moment is None else epoch_seconds(moment)
