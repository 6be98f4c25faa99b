"""The simulator as tests, the demo and benchmarks drive it: world, knobs, stats and server."""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from devkit.simulator import bedrock_jobs
from devkit.simulator.backend import Backend
from devkit.simulator.bedrock_control import BedrockControl
from devkit.simulator.jobs import Job, seconds_or_none
from devkit.simulator.knobs import Knobs, Stats
from devkit.simulator.models import ServiceName
from devkit.simulator.operations_common import Context
from devkit.simulator.paging import TokenCodec
from devkit.simulator.server import SimulatorServer
from devkit.simulator.state import StoredJob, World
from devkit.simulator.wire import epoch_seconds

# How each service keeps a job given in the contract's terms (put_job).
_FROM_CONTRACT: dict[ServiceName, Callable[..., StoredJob]] = {
    "kendra": Job.from_contract,
    "qbusiness": Job.from_contract,
    bedrock_jobs.SERVICE: bedrock_jobs.from_contract,
}


class Simulator(BedrockControl):
    """Amazon Kendra, Amazon Q Business and Bedrock's ingestion jobs on 127.0.0.1, for real
    boto3 clients (`kendra`, `qbusiness`, `bedrock-agent`).

    `seed` makes the shuffled listing order and the ids of started jobs repeatable; `clock`
    (default: the wall clock) is when StartDataSourceSyncJob / StartIngestionJob start a job.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._host, self._port = host, port
        self._clock = clock or (lambda: datetime.now(UTC))
        self._random = random.Random(seed)
        self._random_lock = threading.Lock()
        self._world = World(clock=lambda: epoch_seconds(self._clock()))
        self._knobs = Knobs()
        self._stats = Stats()
        context = Context(
            world=self._world,
            codec=TokenCodec(os.urandom(16)),
            seed=seed,
            order=lambda: self._knobs.order,
            now=self._now,
            new_execution_id=self._new_execution_id,
            new_ingestion_job_id=self._new_ingestion_job_id,
        )
        self.backend = Backend(context, self._knobs, self._stats)
        self._server: SimulatorServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free (or the given) loopback port in a background thread; returns the URL."""
        if self._server is None:
            self._server = SimulatorServer(self, self._host, self._port)
            self._server.start()
        return self._server.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Simulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- inventory ---------------------------------------------------------------------------

    def add_kendra_index(self, index_id: str, name: str | None = None) -> None:
        self._world.add_container("kendra", (index_id,), name)

    def add_kendra_data_source(
        self, index_id: str, data_source_id: str, name: str | None = None
    ) -> None:
        self._world.add_data_source(f"kendra#{index_id}#{data_source_id}", name)

    def add_qbusiness_application(self, application_id: str, name: str | None = None) -> None:
        self._world.add_container("qbusiness", (application_id,), name)

    def add_qbusiness_index(
        self, application_id: str, index_id: str, name: str | None = None
    ) -> None:
        self._world.add_container("qbusiness", (application_id, index_id), name)

    def add_qbusiness_data_source(
        self, application_id: str, index_id: str, data_source_id: str, name: str | None = None
    ) -> None:
        self._world.add_data_source(f"qbusiness#{application_id}#{index_id}#{data_source_id}", name)

    def add_data_source(self, key: str, name: str | None = None) -> None:
        """Add the data source a dataSourceKey names (and its parents if missing); Bedrock's
        (`bedrock#<knowledgeBaseId>#<dataSourceId>`) start AVAILABLE."""
        self._world.add_data_source(key, name)

    def delete_data_source(self, key: str) -> None:
        """Later calls for it answer ResourceNotFoundException; its jobs are gone with it."""
        self._world.delete_data_source(key)

    def deny(self, key: str) -> None:
        """Later calls for the data source answer AccessDeniedException."""
        self._world.set_denied(key, True)

    def allow(self, key: str) -> None:
        self._world.set_denied(key, False)

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
        """Create or replace a job, in the contract's terms. Metrics keys are the contract's
        names (documentsAdded ...) and values the raw strings the API would send; None fields
        are omitted on the wire.

        On a Bedrock key the job becomes what Bedrock would show (bedrock_jobs.from_contract):
        SYNCING is IN_PROGRESS, SUCCEEDED COMPLETE, INCOMPLETE COMPLETE with documentsFailed
        >= 1, ABORTED STOPPED; the end is updatedAt; counts become numeric statistics; the error
        message is the one failure reason. Bedrock has no error codes, so those go nowhere.
        """
        if not execution_id:
            raise ValueError("execution_id must be a non-empty string")
        service = self._world.service_of(key)  # a malformed key raises ValueError here
        job = _FROM_CONTRACT[service](
            execution_id=execution_id,
            status=status,
            start=seconds_or_none(start_time),
            end=seconds_or_none(end_time),
            error_code=error_code,
            error_message=error_message,
            data_source_error_code=data_source_error_code,
            metrics=dict(metrics) if metrics else None,
            now=self._now(),
        )
        self._world.put_job(key, job)

    def put_raw_job(
        self, key: str, raw: Mapping[str, Any], execution_id: str | None = None
    ) -> None:
        """A job exactly as it goes on the wire (Kendra PascalCase / Q Business and Bedrock
        camelCase; Bedrock's id is `ingestionJobId`).

        Its execution id (from `raw`, or `execution_id` when `raw` deliberately lacks one)
        addresses it for upserts; a parseable start time in `raw` is used for filtering.
        """
        self._world.put_raw_job(key, raw, execution_id)

    def jobs(self, key: str) -> list[dict[str, Any]]:
        """The simulator's truth for a data source, oldest first, in the contract's names."""
        jobs = self._world.jobs(key)
        jobs.sort(key=lambda job: (job.start is None, job.start or 0.0, job.execution_id))
        return [job.contract() for job in jobs]

    def _new_execution_id(self) -> str:
        with self._random_lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def _now(self) -> float:
        return epoch_seconds(self._clock())

    # -- knobs -------------------------------------------------------------------------------

    @property
    def latency_seconds(self) -> float:
        """Server-side delay added to every API request."""
        return self._knobs.latency_seconds

    @latency_seconds.setter
    def latency_seconds(self, value: float) -> None:
        self._knobs.latency_seconds = float(value)

    @property
    def order(self) -> str:
        """Listing order: "shuffled" (seeded, default), "newest_first" or "oldest_first"."""
        return self._knobs.order

    @order.setter
    def order(self, value: str) -> None:
        self._knobs.order = value

    def throttle_next(self, count: int) -> None:
        """The next `count` API requests answer ThrottlingException."""
        self._knobs.throttle_next(count)

    def fail_next(
        self, count: int, code: str, message: str | None = None, operation: str | None = None
    ) -> None:
        """The next `count` API requests answer error `code` (e.g. InternalServerException);
        with `operation` (e.g. "StartDataSourceSyncJob", or "kendra:StartDataSourceSyncJob" for
        one service), only requests of that operation. A bare name matches every service that
        has it: "GetDataSource" is both Q Business's and Bedrock's, so name one
        ("qbusiness:GetDataSource") to reach only its calls."""
        self._knobs.fail_next(count, code, message, operation)

    def rate_limit(self, per_second: float | None) -> None:
        """A token bucket across all API requests (burst: one second's worth); None disables."""
        self._knobs.rate_limit(per_second)

    def knobs(self) -> dict[str, Any]:
        return self._knobs.snapshot()

    # -- measurement -------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Request counters since the last reset:

        calls           {"<service>:<Operation>": n}, every request that named a served
                        operation, throttled and failed ones included (each retry counts);
                        <service> is botocore's name: kendra, qbusiness, bedrock-agent
        by_data_source  {dataSourceKey: n}, the same for requests addressed to a data source
        throttled       requests answered ThrottlingException
        rejected        requests refused as malformed, unsigned or for an unknown operation
        errors          {error code: n} for every error answer
        """
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()
