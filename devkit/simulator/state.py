"""The simulated world: indexes, applications, knowledge bases, data sources and their jobs,
behind one lock.

Every method takes the lock, and jobs are replaced rather than mutated, so a request handler
may keep the lists it got while another thread writes. Each service's resources form a tree
(Kendra: index / data source; Q Business: application / index / data source; Bedrock:
knowledge base / data source), addressed by the ids a dataSourceKey lists.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.simulator.bedrock_jobs import IngestionJob
from devkit.simulator.jobs import Job, raw_job
from devkit.simulator.keys import ID_CHECKS, LEVELS, parse_key
from devkit.simulator.models import SERVICE_NAMES, ServiceName

# What a data source's listing says of it until a test changes it (Bedrock: AVAILABLE).
_READY = {"bedrock-agent": "AVAILABLE"}


# Kendra and Q Business jobs, and raw jobs of any service, are Job; Bedrock's are IngestionJob.
StoredJob = Job | IngestionJob


@dataclass
class Node:
    """An index, application, knowledge base or data source: what the List* operations show."""

    id: str
    name: str
    created: float
    status: str = "ACTIVE"
    updated: float | None = None  # when a test last set its status; None: never since created
    children: dict[str, Node] = field(default_factory=dict)
    jobs: dict[str, StoredJob] = field(default_factory=dict)  # data sources only
    # StartIngestionJob's clientToken -> the job it started (Bedrock data sources only).
    client_tokens: dict[str, str] = field(default_factory=dict)

    def wire_values(self, kind: str) -> dict[str, Any]:
        """Values keyed by lower-cased member name; `kind` is index, application, datasource or
        knowledgebase (Q Business names ids `indexId`..., Kendra just `Id`)."""
        return {
            "id": self.id,
            f"{kind}id": self.id,
            "name": self.name,
            "displayname": self.name,
            "createdat": self.created,
            "updatedat": self.created if self.updated is None else self.updated,
            "status": self.status,
            "type": "CUSTOM",
            "edition": "ENTERPRISE_EDITION",
        }


class World:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._roots: dict[ServiceName, dict[str, Node]] = {s: {} for s in SERVICE_NAMES}
        self._denied: set[str] = set()

    # -- inventory ---------------------------------------------------------------------------

    def add_container(
        self, service: ServiceName, ids: tuple[str, ...], name: str | None = None
    ) -> Node:
        """Add (or name) the resource at `ids` (an index, application, knowledge base ...) and
        its parents if missing."""
        kinds, check = LEVELS[service], ID_CHECKS.get(service)
        if not 0 < len(ids) <= len(kinds):
            raise ValueError(f"{service} resources above a data source are {kinds}, not {ids!r}")
        with self.lock:
            level, node = self._roots[service], None
            for depth, (kind, node_id) in enumerate(zip(kinds[: len(ids)], ids, strict=True)):
                if check is not None:
                    check(node_id, f"{kind} id")
                node = self._child(level, node_id, name if depth == len(ids) - 1 else None, kind)
                level = node.children
            assert node is not None  # ids is not empty
            return node

    def add_data_source(self, key: str, name: str | None = None) -> Node:
        """Add (or name) the data source of a dataSourceKey, and its parents if missing."""
        address = parse_key(key)
        with self.lock:
            parent = self.add_container(address.service, address.parents)
            ready = _READY.get(address.service, "ACTIVE")
            return self._child(parent.children, address.data_source_id, name, "ds", ready)

    def delete_data_source(self, key: str) -> None:
        with self.lock:
            address = parse_key(key)
            parent = self.container(address.service, *address.parents)
            if parent is not None:
                parent.children.pop(address.data_source_id, None)

    def set_status(self, node: Node, status: str) -> None:
        with self.lock:
            node.status = status
            node.updated = round(self._clock(), 3)

    def set_denied(self, key: str, denied: bool) -> None:
        parse_key(key)  # refuse keys that name no data source
        with self.lock:
            (self._denied.add if denied else self._denied.discard)(key)

    def is_denied(self, key: str) -> bool:
        with self.lock:
            return key in self._denied

    def roots(self, service: ServiceName) -> list[Node]:
        """The outermost resources of a service: indexes, applications, knowledge bases."""
        with self.lock:
            return list(self._roots[service].values())

    def container(self, service: ServiceName, *ids: str) -> Node | None:
        """The resource at `ids` (outermost first), or None if it does not exist."""
        with self.lock:
            level, node = self._roots[service], None
            for node_id in ids:
                node = level.get(node_id)
                if node is None:
                    return None
                level = node.children
            return node

    def children(self, node: Node) -> list[Node]:
        with self.lock:
            return list(node.children.values())

    def data_source(self, key: str) -> Node | None:
        address = parse_key(key)
        with self.lock:
            parent = self.container(address.service, *address.parents)
            return None if parent is None else parent.children.get(address.data_source_id)

    def _child(
        self,
        parent: dict[str, Node],
        node_id: str,
        name: str | None,
        kind: str,
        status: str = "ACTIVE",
    ) -> Node:
        node = parent.get(node_id)
        if node is None:
            # Real resources always have a name; a made-up one keeps the listings realistic.
            name = name or f"{kind}-{node_id[:8]}"
            node = parent[node_id] = Node(node_id, name, round(self._clock(), 3), status)
        elif name:
            node.name = name
        return node

    # -- jobs ----------------------------------------------------------------------------------

    def put_job(self, key: str, job: StoredJob) -> None:
        with self.lock:
            source = self.data_source(key) or self.add_data_source(key)
            source.jobs[job.execution_id] = job

    def put_raw_job(self, key: str, raw: Mapping[str, Any], execution_id: str | None) -> Job:
        job = raw_job(parse_key(key).service, raw, execution_id)
        self.put_job(key, job)
        return job

    def jobs_of(self, source: Node) -> list[StoredJob]:
        with self.lock:
            return list(source.jobs.values())

    def jobs(self, key: str) -> list[StoredJob]:
        with self.lock:
            source = self.data_source(key)
            return [] if source is None else list(source.jobs.values())

    def job(self, source: Node, execution_id: str) -> StoredJob | None:
        with self.lock:
            return source.jobs.get(execution_id)

    def start_job(
        self, source: Node, job: StoredJob, client_token: str | None = None
    ) -> StoredJob | None:
        """Open `job`; or return the job `client_token` already started on this data source
        (an idempotent retry); or None if another job is still open."""
        with self.lock:
            earlier = source.jobs.get(source.client_tokens.get(client_token or "", ""))
            if earlier is not None:
                return earlier
            if any(other.is_open for other in source.jobs.values()):
                return None
            source.jobs[job.execution_id] = job
            if client_token:
                source.client_tokens[client_token] = job.execution_id
            return job

    def change_job(
        self, source: Node, execution_id: str, change: Callable[[StoredJob], StoredJob]
    ) -> StoredJob | None:
        """Replace a job by `change(job)` (which may raise to refuse); None if there is none."""
        with self.lock:
            job = source.jobs.get(execution_id)
            if job is None:
                return None
            source.jobs[execution_id] = replaced = change(job)
            return replaced

    def service_of(self, key: str) -> ServiceName:
        return parse_key(key).service
