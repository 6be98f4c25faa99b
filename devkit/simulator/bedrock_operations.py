"""What each Bedrock (`bedrock-agent`) operation does: knowledge bases, data sources, jobs.

Bedrock authorizes on the knowledge base (`bedrock:<Action>` on its ARN), so a denied data
source's calls name the knowledge base's ARN. Listings are paged as the others are; an
ingestion job listing without `sortBy` has no documented order, so it follows the `order`
knob (seeded shuffle by default).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

from devkit.simulator.bedrock_jobs import SERVICE, IngestionJob, started
from devkit.simulator.errors import ApiError, validation_error
from devkit.simulator.models import ServiceName, enum_of, operation_model
from devkit.simulator.operations_common import (
    ACCOUNT,
    REGION,
    Context,
    Dated,
    Operation,
    Params,
    access_denied,
    item_shape,
    job_order,
    node_order,
    not_found,
    paged,
    scramble,
)
from devkit.simulator.paging import SortKey
from devkit.simulator.state import Node, StoredJob
from devkit.simulator.wire import render

_STORAGE_BUCKET = "arn:aws:s3:::kb-{}"  # GetDataSource's made-up S3 configuration


def bedrock_key(params: Params) -> str | None:
    ids = params.get("knowledgeBaseId"), params.get("dataSourceId")
    if all(isinstance(value, str) for value in ids):
        return "bedrock#" + "#".join(str(value) for value in ids)
    return None


def _arn(knowledge_base_id: str) -> str:
    return f"arn:aws:bedrock:{REGION}:{ACCOUNT}:knowledge-base/{knowledge_base_id}"


def _source(ctx: Context, operation: str, params: Params) -> tuple[str, Node]:
    """The addressed data source; denied, then unknown knowledge base, then unknown source."""
    kb_id, ds_id = params["knowledgeBaseId"], params["dataSourceId"]
    key = f"bedrock#{kb_id}#{ds_id}"
    if ctx.world.is_denied(key):
        raise access_denied(SERVICE, operation, _arn(kb_id))
    if ctx.world.container(SERVICE, kb_id) is None:
        raise not_found("KnowledgeBase", kb_id)
    source = ctx.world.data_source(key)
    if source is None:
        raise not_found("DataSource", ds_id)
    return key, source


def _job(ctx: Context, source: Node, params: Params) -> StoredJob:
    job = ctx.world.job(source, params["ingestionJobId"])
    if job is None:
        raise not_found("IngestionJob", params["ingestionJobId"])
    return job


def _wire(shape: Any, params: Params, job: StoredJob) -> dict[str, Any]:
    """A summary or a whole job, as `shape` has it; raw jobs go out exactly as given."""
    if not isinstance(job, IngestionJob):
        return dict(job.raw or {})
    values = job.wire_values(params["knowledgeBaseId"], params["dataSourceId"])
    out = render(shape, values, descend=False)
    if job.statistics is not None:
        out["statistics"] = dict(job.statistics)  # verbatim: fault tests send odd ones
    return out


def _job_shape(operation: str) -> Any:
    return operation_model(SERVICE, operation).output_shape.members["ingestionJob"]


# -- ingestion jobs ----------------------------------------------------------------------------


@cache
def _status_rank() -> dict[str, int]:
    # AWS documents no order for sortBy STATUS; the model's enum order is as good as any.
    return {status: rank for rank, status in enumerate(enum_of(SERVICE, "IngestionJobStatus"))}


def _ingestion_order(order: str, seed: int) -> Callable[[StoredJob], SortKey]:
    """Sort keys for `ATTRIBUTE:ORDER` (a request's sortBy) or, without one, the order knob.
    Ties (same status, same start) fall in seeded order: the API promises nothing there."""
    attribute, _, direction = order.partition(":")
    if not direction:
        return job_order(order, seed)
    sign = -1.0 if direction == "DESCENDING" else 1.0

    def by_start(job: Dated) -> SortKey:
        tie = scramble(seed, job.execution_id)
        return (1, 0.0, tie) if job.start is None else (0, sign * job.start, tie)

    def by_status(job: StoredJob) -> SortKey:
        ranks = _status_rank()
        status = job.status or ""
        # Statuses the model lacks (fault tests) come after the known ones, by name.
        rank = ranks.get(status, len(ranks))
        return (sign * rank, "" if status in ranks else status, scramble(seed, job.execution_id))

    return by_start if attribute == "STARTED_AT" else by_status


def _statuses(filters: list[dict[str, Any]] | None) -> frozenset[str] | None:
    """The statuses a request's filters admit (None: all). The model leaves the values free
    text (0-10 of them); the service takes job statuses, and at least one: an empty list is
    refused rather than guessed to mean "all" or "none"."""
    if not filters:
        return None
    values = filters[0]["values"]
    path = "filters.1.member.values"
    if not values:
        problem = (
            f"Value '[]' at '{path}' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )
        raise validation_error(f"1 validation error detected: {problem}", [(path, problem)])
    known = enum_of(SERVICE, "IngestionJobStatus")
    problems = [
        (
            f"{path}.{n}.member",
            f"Value '{value}' at '{path}.{n}.member' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(known)}]",
        )
        for n, value in enumerate(values, start=1)
        if value not in known
    ]
    if problems:
        detail = "; ".join(problem for _, problem in problems)
        plural = "error" if len(problems) == 1 else "errors"
        raise validation_error(f"{len(problems)} validation {plural} detected: {detail}", problems)
    return frozenset(values)


def _list_ingestion_jobs(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "ListIngestionJobs"
    key, source = _source(ctx, operation, params)
    statuses = _statuses(params.get("filters"))
    sort = params.get("sortBy")
    order = f"{sort['attribute']}:{sort['order']}" if sort else ctx.order()
    jobs = [job for job in ctx.world.jobs_of(source) if statuses is None or job.status in statuses]
    shape = item_shape(SERVICE, operation)
    return paged(
        ctx,
        SERVICE,
        operation,
        params,
        f"{key}|{params.get('filters')}|{sort}",
        jobs,
        order,
        _ingestion_order,
        lambda job: _wire(shape, params, job),
    )


def _get_ingestion_job(ctx: Context, params: Params) -> dict[str, Any]:
    _, source = _source(ctx, "GetIngestionJob", params)
    job = _job(ctx, source, params)
    return {"ingestionJob": _wire(_job_shape("GetIngestionJob"), params, job)}


def _start_ingestion_job(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "StartIngestionJob"
    _, source = _source(ctx, operation, params)
    fresh = started(ctx.new_ingestion_job_id(), ctx.now(), params.get("description"))
    # The same clientToken on the same data source is a retry: the job it started, not a new one.
    job = ctx.world.start_job(source, fresh, params.get("clientToken"))
    if job is None:
        raise ApiError(
            "ConflictException",
            f"Data source {params['dataSourceId']} already has an ingestion job in progress",
        )
    return {"ingestionJob": _wire(_job_shape(operation), params, job)}


def _stop_ingestion_job(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "StopIngestionJob"
    _, source = _source(ctx, operation, params)
    now = ctx.now()

    def stop(job: StoredJob) -> StoredJob:
        if isinstance(job, IngestionJob) and job.status in ("STARTING", "IN_PROGRESS"):
            return replace(job, status="STOPPING", updated=now)
        if isinstance(job, IngestionJob) and job.status == "STOPPING":
            return job
        raise ApiError(
            "ConflictException", f"Ingestion job {job.execution_id} is not running: {job.status}"
        )

    job = ctx.world.change_job(source, _job(ctx, source, params).execution_id, stop)
    if job is None:  # deleted between the two looks
        raise not_found("IngestionJob", params["ingestionJobId"])
    return {"ingestionJob": _wire(_job_shape(operation), params, job)}


# -- knowledge bases and data sources --------------------------------------------------------


def _data_source_values(knowledge_base: str, node: Node) -> dict[str, Any]:
    return {**node.wire_values("datasource"), "knowledgebaseid": knowledge_base}


def _list_knowledge_bases(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "ListKnowledgeBases"
    shape = item_shape(SERVICE, operation)
    return paged(
        ctx,
        SERVICE,
        operation,
        params,
        "",
        ctx.world.roots(SERVICE),
        ctx.order(),
        node_order,
        lambda node: render(shape, node.wire_values("knowledgebase")),
    )


def _list_data_sources(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "ListDataSources"
    kb_id = params["knowledgeBaseId"]
    knowledge_base = ctx.world.container(SERVICE, kb_id)
    if knowledge_base is None:
        raise not_found("KnowledgeBase", kb_id)
    shape = item_shape(SERVICE, operation)
    return paged(
        ctx,
        SERVICE,
        operation,
        params,
        kb_id,
        ctx.world.children(knowledge_base),
        ctx.order(),
        node_order,
        lambda node: render(shape, _data_source_values(kb_id, node)),
    )


def _get_data_source(ctx: Context, params: Params) -> dict[str, Any]:
    operation = "GetDataSource"
    _, source = _source(ctx, operation, params)
    shape = operation_model(SERVICE, operation).output_shape.members["dataSource"]
    values = {
        **_data_source_values(params["knowledgeBaseId"], source),
        "datadeletionpolicy": "DELETE",
    }
    out = render(shape, values, descend=False)
    bucket = _STORAGE_BUCKET.format(source.id.lower())
    out["dataSourceConfiguration"] = {"type": "S3", "s3Configuration": {"bucketArn": bucket}}
    return {"dataSource": out}


OPERATIONS: dict[tuple[ServiceName, str], Operation] = {
    (SERVICE, "ListIngestionJobs"): Operation(_list_ingestion_jobs, bedrock_key),
    (SERVICE, "GetIngestionJob"): Operation(_get_ingestion_job, bedrock_key),
    (SERVICE, "StartIngestionJob"): Operation(_start_ingestion_job, bedrock_key),
    (SERVICE, "StopIngestionJob"): Operation(_stop_ingestion_job, bedrock_key),
    (SERVICE, "ListKnowledgeBases"): Operation(_list_knowledge_bases),
    (SERVICE, "ListDataSources"): Operation(_list_data_sources),
    (SERVICE, "GetDataSource"): Operation(_get_data_source, bedrock_key),
}
