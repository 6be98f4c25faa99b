"""The Bedrock part of the Simulator's Python API: knowledge bases, statuses, Bedrock's own jobs.

A mixin, so tests keep one object (`Simulator`) whatever the service; it uses the simulator's
world, clock and seeded random, which `Simulator.__init__` sets up.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from devkit.simulator import bedrock_jobs
from devkit.simulator.bedrock_jobs import IngestionJob
from devkit.simulator.jobs import seconds_or_none
from devkit.simulator.models import enum_of
from devkit.simulator.state import Node, World

_BEDROCK = bedrock_jobs.SERVICE
# Bedrock's ids are ten of these; the ones it generates are upper case.
_ID_ALPHABET = string.ascii_uppercase + string.digits


class BedrockControl:
    _world: World
    _random: random.Random
    _random_lock: threading.Lock

    def _now(self) -> float:  # the simulator's clock, in epoch seconds
        raise NotImplementedError

    def add_bedrock_knowledge_base(
        self, kb_id: str, name: str | None = None, status: str = "ACTIVE"
    ) -> None:
        """Add (or rename, and set the status of) a knowledge base; ids are [0-9a-zA-Z]{10}."""
        node = self._world.add_container(_BEDROCK, (kb_id,), name)
        self._set_status(node, status, "KnowledgeBaseStatus")

    def set_bedrock_status(self, key_or_kb_id: str, status: str) -> None:
        """Set a Bedrock data source's status (by dataSourceKey: AVAILABLE, DELETING, ...) or a
        knowledge base's (by id: ACTIVE, DELETING, ...); the model's enums are enforced, and
        updatedAt becomes now. A DELETING data source stays listed, as on Bedrock."""
        if "#" in key_or_kb_id:
            if self._world.service_of(key_or_kb_id) != _BEDROCK:
                raise ValueError(f"{key_or_kb_id!r} is not a Bedrock dataSourceKey")
            node = self._world.data_source(key_or_kb_id)
            enum = "DataSourceStatus"
        else:
            node = self._world.container(_BEDROCK, bedrock_jobs.check_id(key_or_kb_id, "kb id"))
            enum = "KnowledgeBaseStatus"
        if node is None:
            raise ValueError(f"no Bedrock resource {key_or_kb_id!r}: add it first")
        self._set_status(node, status, enum)

    def _set_status(self, node: Node, status: str, enum: str) -> None:
        allowed = enum_of(_BEDROCK, enum)
        if status not in allowed:
            raise ValueError(f"status {status!r} is not one of {list(allowed)}")
        self._world.set_status(node, status)

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
        """Create or replace a Bedrock ingestion job in Bedrock's own terms, sent as given: any
        status (the model's, or one it lacks), statistics verbatim. updatedAt defaults to the
        start (else now). A job StartIngestionJob made is finished by putting its id."""
        if self._world.service_of(key) != _BEDROCK:
            raise ValueError(f"{key!r} is not a Bedrock dataSourceKey")
        if not job_id:
            raise ValueError("job_id must be a non-empty string")
        start, updated = seconds_or_none(started_at), seconds_or_none(updated_at)
        if updated is None:
            updated = start if start is not None else self._now()
        job = IngestionJob(
            job_id,
            status,
            start,
            updated,
            None if statistics is None else dict(statistics),
            None if failure_reasons is None else tuple(failure_reasons),
            description,
        )
        self._world.put_job(key, job)

    def _new_ingestion_job_id(self) -> str:
        with self._random_lock:
            return "".join(self._random.choice(_ID_ALPHABET) for _ in range(10))
