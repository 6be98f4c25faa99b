"""What each served operation does, in service terms: params in, output members out.

Params arrive decoded and validated (member names as in the model); results are dicts keyed
by the output shape's member names, which the protocol modules serialize.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from devkit.simulator.errors import ApiError
from devkit.simulator.models import (
    ServiceName,
    default_page_size,
    list_member,
    member_named,
    operation_model,
)
from devkit.simulator.paging import SortKey, TokenCodec, page
from devkit.simulator.state import Job, Node, World
from devkit.simulator.wire import render

Item = TypeVar("Item")
Params = dict[str, Any]
ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class Context:
    """What operations need from the running simulator."""

    world: World
    codec: TokenCodec
    seed: int
    order: Callable[[], str]
    now: Callable[[], float]
    new_execution_id: Callable[[], str]


@dataclass(frozen=True)
class Operation:
    run: Callable[[Context, Params], dict[str, Any]]
    # The dataSourceKey a request addresses, for the per-data-source request counts.
    data_source_key: Callable[[Params], str | None] = lambda params: None


# -- addressing ------------------------------------------------------------------------------


def kendra_key(params: Params) -> str | None:
    index_id, data_source_id = params.get("IndexId"), params.get("Id")
    if isinstance(index_id, str) and isinstance(data_source_id, str):
        return f"kendra#{index_id}#{data_source_id}"
    return None


def qbusiness_key(params: Params) -> str | None:
    ids = [params.get(name) for name in ("applicationId", "indexId", "dataSourceId")]
    if all(isinstance(value, str) for value in ids):
        return "qbusiness#" + "#".join(str(value) for value in ids)
    return None


def _arn(service: ServiceName, key: str) -> str:
    parts = key.split("#")[1:]
    if service == "kendra":
        return f"arn:aws:kendra:{REGION}:{ACCOUNT}:index/{parts[0]}/data-source/{parts[1]}"
    app, index, source = parts
    return (
        f"arn:aws:qbusiness:{REGION}:{ACCOUNT}:application/{app}/index/{index}/data-source/{source}"
    )


def _access_denied(service: ServiceName, operation: str, key: str) -> ApiError:
    return ApiError(
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/sync-auditor/session is not authorized "
        f"to perform: {service}:{operation} on resource: {_arn(service, key)}",
    )


def _not_found(resource_type: str, resource_id: str) -> ApiError:
    return ApiError(
        "ResourceNotFoundException",
        f"{resource_type} {resource_id} not found",
        resourceId=resource_id,
        resourceType=resource_type,
    )


def _data_source(ctx: Context, service: ServiceName, operation: str, key: str) -> Node:
    # IAM decides before the resource is looked up: denied wins over not found.
    if ctx.world.is_denied(key):
        raise _access_denied(service, operation, key)
    source = ctx.world.data_source(key)
    if source is None:
        raise _not_found("DataSource", key.rsplit("#", 1)[1])
    return source


# -- ordering and paging ---------------------------------------------------------------------


def _scramble(seed: int, identity: str) -> str:
    return hashlib.blake2b(f"{seed}:{identity}".encode(), digest_size=8).hexdigest()


def _job_order(order: str, seed: int) -> Callable[[Job], SortKey]:
    if order == "shuffled":
        return lambda job: (_scramble(seed, job.execution_id),)
    sign = -1.0 if order == "newest_first" else 1.0

    def key(job: Job) -> SortKey:
        tie = _scramble(seed, job.execution_id)
        return (1, 0.0, tie) if job.start is None else (0, sign * job.start, tie)

    return key


def _node_order(order: str, seed: int) -> Callable[[Node], SortKey]:
    if order == "shuffled":
        return lambda node: (_scramble(seed, node.id),)
    sign = -1.0 if order == "newest_first" else 1.0
    return lambda node: (sign * node.created, _scramble(seed, node.id))


def _paged(
    ctx: Context,
    service: ServiceName,
    operation: str,
    params: Params,
    scope: str,
    items: Sequence[Item],
    order_for: Callable[[str, int], Callable[[Item], SortKey]],
    to_wire: Callable[[Item], Any],
) -> dict[str, Any]:
    """One page of `items`; `scope` names what the token continues (resource and filters)."""
    model = operation_model(service, operation)
    token_member = member_named(model.input_shape, "nexttoken") or "NextToken"
    size_member = member_named(model.input_shape, "maxresults") or "MaxResults"
    scope = f"{service}:{operation}:{scope}"
    token = params.get(token_member)
    if token:
        order, after = ctx.codec.decode(token, scope, token_member)
    else:
        order, after = ctx.order(), None
    size = params.get(size_member) or default_page_size(model)
    chunk, last = page(items, order_for(order, ctx.seed), size, after)
    result: dict[str, Any] = {list_member(model.output_shape): [to_wire(item) for item in chunk]}
    if last is not None:
        output_token = member_named(model.output_shape, "nexttoken") or token_member
        result[output_token] = ctx.codec.encode(scope, order, last)
    return result


def _item_shape(service: ServiceName, operation: str) -> Any:
    output = operation_model(service, operation).output_shape
    return output.members[list_member(output)].member


def _node_lister(
    service: ServiceName, operation: str, kind: str
) -> Callable[[Context, Params, str, list[Node]], dict[str, Any]]:
    def run(ctx: Context, params: Params, scope: str, nodes: list[Node]) -> dict[str, Any]:
        shape = _item_shape(service, operation)
        return _paged(
            ctx,
            service,
            operation,
            params,
            scope,
            nodes,
            _node_order,
            lambda node: render(shape, node.wire_values(kind)),
        )

    return run


# -- sync jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFilter:
    """What a ListDataSourceSyncJobs request selects; None bounds select everything."""

    started_from: float | None = None
    started_until: float | None = None
    # Q Business's `endTime` is documented only as "the end time of the data source connector
    # sync": the simulator takes the reading that hurts a client most, a bound on when a job
    # ended, so open jobs (no end yet) drop out, and a client that relies on it is caught.
    ended_until: float | None = None
    status: str | None = None

    def admits(self, job: Job) -> bool:
        if self.status is not None and job.status != self.status:
            return False
        if self.started_from is not None or self.started_until is not None:
            if job.start is None:
                return False
            if self.started_from is not None and job.start < self.started_from:
                return False
            if self.started_until is not None and job.start > self.started_until:
                return False
        return self.ended_until is None or (job.end is not None and job.end <= self.ended_until)


def _list_jobs(
    ctx: Context,
    service: ServiceName,
    params: Params,
    key: str,
    window: JobFilter,
) -> dict[str, Any]:
    operation = "ListDataSourceSyncJobs"
    source = _data_source(ctx, service, operation, key)
    jobs = [job for job in ctx.world.jobs_of(source) if window.admits(job)]
    shape = _item_shape(service, operation)
    return _paged(
        ctx,
        service,
        operation,
        params,
        f"{key}|{window}",
        jobs,
        _job_order,
        # Raw jobs go out exactly as given: that is what fault tests need.
        lambda job: dict(job.raw) if job.raw is not None else render(shape, job.wire_values()),
    )


def _start_job(ctx: Context, service: ServiceName, key: str) -> dict[str, Any]:
    operation = "StartDataSourceSyncJob"
    source = _data_source(ctx, service, operation, key)
    job = ctx.world.start_job(source, ctx.new_execution_id(), ctx.now())
    if job is None:
        data_source_id = key.rsplit("#", 1)[1]
        if service == "kendra":
            raise ApiError(
                "ResourceInUseException",
                f"Data source {data_source_id} is already syncing",
            )
        raise ApiError(
            "ConflictException",
            f"Data source {data_source_id} is already syncing",
            resourceId=data_source_id,
            resourceType="DataSource",
        )
    output = operation_model(service, operation).output_shape
    return render(output, {"executionid": job.execution_id})


# -- Kendra ----------------------------------------------------------------------------------


def _kendra_list_jobs(ctx: Context, params: Params) -> dict[str, Any]:
    window = params.get("StartTimeFilter") or {}
    return _list_jobs(
        ctx,
        "kendra",
        params,
        str(kendra_key(params)),
        JobFilter(window.get("StartTime"), window.get("EndTime"), None, params.get("StatusFilter")),
    )


def _kendra_list_indices(ctx: Context, params: Params) -> dict[str, Any]:
    lister = _node_lister("kendra", "ListIndices", "index")
    return lister(ctx, params, "", ctx.world.kendra_indices())


def _kendra_list_data_sources(ctx: Context, params: Params) -> dict[str, Any]:
    index = ctx.world.kendra_index(params["IndexId"])
    if index is None:
        raise _not_found("Index", params["IndexId"])
    lister = _node_lister("kendra", "ListDataSources", "datasource")
    return lister(ctx, params, index.id, ctx.world.children(index))


def _kendra_start(ctx: Context, params: Params) -> dict[str, Any]:
    return _start_job(ctx, "kendra", str(kendra_key(params)))


# -- Q Business ------------------------------------------------------------------------------


def _qbusiness_list_jobs(ctx: Context, params: Params) -> dict[str, Any]:
    return _list_jobs(
        ctx,
        "qbusiness",
        params,
        str(qbusiness_key(params)),
        JobFilter(
            started_from=params.get("startTime"),
            ended_until=params.get("endTime"),
            status=params.get("statusFilter"),
        ),
    )


def _qbusiness_list_applications(ctx: Context, params: Params) -> dict[str, Any]:
    lister = _node_lister("qbusiness", "ListApplications", "application")
    return lister(ctx, params, "", ctx.world.qbusiness_applications())


def _qbusiness_list_indices(ctx: Context, params: Params) -> dict[str, Any]:
    app = ctx.world.qbusiness_application(params["applicationId"])
    if app is None:
        raise _not_found("Application", params["applicationId"])
    lister = _node_lister("qbusiness", "ListIndices", "index")
    return lister(ctx, params, app.id, ctx.world.children(app))


def _qbusiness_list_data_sources(ctx: Context, params: Params) -> dict[str, Any]:
    app_id, index_id = params["applicationId"], params["indexId"]
    if ctx.world.qbusiness_application(app_id) is None:
        raise _not_found("Application", app_id)
    index = ctx.world.qbusiness_index(app_id, index_id)
    if index is None:
        raise _not_found("Index", index_id)
    lister = _node_lister("qbusiness", "ListDataSources", "datasource")
    return lister(ctx, params, f"{app_id}#{index_id}", ctx.world.children(index))


def _qbusiness_start(ctx: Context, params: Params) -> dict[str, Any]:
    return _start_job(ctx, "qbusiness", str(qbusiness_key(params)))


OPERATIONS: dict[tuple[ServiceName, str], Operation] = {
    ("kendra", "ListDataSourceSyncJobs"): Operation(_kendra_list_jobs, kendra_key),
    ("kendra", "ListIndices"): Operation(_kendra_list_indices),
    ("kendra", "ListDataSources"): Operation(_kendra_list_data_sources),
    ("kendra", "StartDataSourceSyncJob"): Operation(_kendra_start, kendra_key),
    ("qbusiness", "ListDataSourceSyncJobs"): Operation(_qbusiness_list_jobs, qbusiness_key),
    ("qbusiness", "ListApplications"): Operation(_qbusiness_list_applications),
    ("qbusiness", "ListIndices"): Operation(_qbusiness_list_indices),
    ("qbusiness", "ListDataSources"): Operation(_qbusiness_list_data_sources),
    ("qbusiness", "StartDataSourceSyncJob"): Operation(_qbusiness_start, qbusiness_key),
}
