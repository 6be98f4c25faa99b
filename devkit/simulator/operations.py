"""What each Kendra and Q Business operation does, in service terms: params in, output members out.

Bedrock's are in bedrock_operations.py; what all of them share is in operations_common.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from devkit.simulator.errors import ApiError
from devkit.simulator.jobs import Job
from devkit.simulator.keys import parse_key
from devkit.simulator.models import ServiceName, operation_model
from devkit.simulator.operations_common import (
    ACCOUNT,
    REGION,
    Context,
    Operation,
    Params,
    data_source,
    item_shape,
    job_order,
    node_lister,
    not_found,
    paged,
)
from devkit.simulator.state import Node
from devkit.simulator.wire import render

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


# The resources above a data source, outermost first, as their not-found errors name them.
_PARENT_TYPES: dict[ServiceName, tuple[str, ...]] = {
    "kendra": ("Index",),
    "qbusiness": ("Application", "Index"),
}


def _addressed_source(ctx: Context, service: ServiceName, operation: str, key: str) -> Node:
    """The data source a describe call names: denied first (IAM decides before any lookup),
    then the first missing parent, then the data source itself, as Bedrock's `_source` does."""
    if not ctx.world.is_denied(key):
        parents = parse_key(key).parents
        for depth, resource_type in enumerate(_PARENT_TYPES[service], start=1):
            if ctx.world.container(service, *parents[:depth]) is None:
                raise not_found(resource_type, parents[depth - 1])
    return data_source(ctx, service, operation, key, _arn(service, key))


def _details(
    ctx: Context, service: ServiceName, operation: str, key: str, values: Params
) -> dict[str, Any]:
    """One data source as DescribeDataSource / GetDataSource show it: the listing's values
    (the same name ListDataSources gives) plus `values`. Nested structures are left out:
    deep in a connector configuration, names such as Type or Name would land where they do
    not belong."""
    source = _addressed_source(ctx, service, operation, key)
    output = operation_model(service, operation).output_shape
    return render(output, {**source.wire_values("datasource"), **values}, descend=False)


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
    source = data_source(ctx, service, operation, key, _arn(service, key))
    # Kendra and Q Business data sources hold only Job: put_job makes no other kind for them.
    jobs = [job for job in ctx.world.jobs_of(source) if isinstance(job, Job) and window.admits(job)]
    shape = item_shape(service, operation)
    return paged(
        ctx,
        service,
        operation,
        params,
        f"{key}|{window}",
        jobs,
        ctx.order(),
        job_order,
        # Raw jobs go out exactly as given: that is what fault tests need.
        lambda job: dict(job.raw) if job.raw is not None else render(shape, job.wire_values()),
    )


def _start_job(ctx: Context, service: ServiceName, key: str) -> dict[str, Any]:
    operation = "StartDataSourceSyncJob"
    source = data_source(ctx, service, operation, key, _arn(service, key))
    job = ctx.world.start_job(source, Job(ctx.new_execution_id(), "SYNCING", ctx.now()))
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
    lister = node_lister("kendra", "ListIndices", "index")
    return lister(ctx, params, "", ctx.world.roots("kendra"))


def _kendra_list_data_sources(ctx: Context, params: Params) -> dict[str, Any]:
    index = ctx.world.container("kendra", params["IndexId"])
    if index is None:
        raise not_found("Index", params["IndexId"])
    lister = node_lister("kendra", "ListDataSources", "datasource")
    return lister(ctx, params, index.id, ctx.world.children(index))


def _kendra_describe_data_source(ctx: Context, params: Params) -> dict[str, Any]:
    key = str(kendra_key(params))
    # A CUSTOM data source has no connector, so no Configuration, as on the real service.
    return _details(ctx, "kendra", "DescribeDataSource", key, {"indexid": params["IndexId"]})


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
    lister = node_lister("qbusiness", "ListApplications", "application")
    return lister(ctx, params, "", ctx.world.roots("qbusiness"))


def _qbusiness_list_indices(ctx: Context, params: Params) -> dict[str, Any]:
    app = ctx.world.container("qbusiness", params["applicationId"])
    if app is None:
        raise not_found("Application", params["applicationId"])
    lister = node_lister("qbusiness", "ListIndices", "index")
    return lister(ctx, params, app.id, ctx.world.children(app))


def _qbusiness_list_data_sources(ctx: Context, params: Params) -> dict[str, Any]:
    app_id, index_id = params["applicationId"], params["indexId"]
    if ctx.world.container("qbusiness", app_id) is None:
        raise not_found("Application", app_id)
    index = ctx.world.container("qbusiness", app_id, index_id)
    if index is None:
        raise not_found("Index", index_id)
    lister = node_lister("qbusiness", "ListDataSources", "datasource")
    return lister(ctx, params, f"{app_id}#{index_id}", ctx.world.children(index))


def _qbusiness_get_data_source(ctx: Context, params: Params) -> dict[str, Any]:
    key = str(qbusiness_key(params))
    values = {
        "applicationid": params["applicationId"],
        "indexid": params["indexId"],
        "datasourcearn": _arn("qbusiness", key),
    }
    details = _details(ctx, "qbusiness", "GetDataSource", key, values)
    # `configuration` is a document whose schema each connector defines; made up here, as
    # Bedrock's S3 bucket is: just the connector type, which those schemas carry.
    details["configuration"] = {"type": details["type"]}
    return details


def _qbusiness_start(ctx: Context, params: Params) -> dict[str, Any]:
    return _start_job(ctx, "qbusiness", str(qbusiness_key(params)))


OPERATIONS: dict[tuple[ServiceName, str], Operation] = {
    ("kendra", "ListDataSourceSyncJobs"): Operation(_kendra_list_jobs, kendra_key),
    ("kendra", "ListIndices"): Operation(_kendra_list_indices),
    ("kendra", "ListDataSources"): Operation(_kendra_list_data_sources),
    ("kendra", "DescribeDataSource"): Operation(_kendra_describe_data_source, kendra_key),
    ("kendra", "StartDataSourceSyncJob"): Operation(_kendra_start, kendra_key),
    ("qbusiness", "ListDataSourceSyncJobs"): Operation(_qbusiness_list_jobs, qbusiness_key),
    ("qbusiness", "ListApplications"): Operation(_qbusiness_list_applications),
    ("qbusiness", "ListIndices"): Operation(_qbusiness_list_indices),
    ("qbusiness", "ListDataSources"): Operation(_qbusiness_list_data_sources),
    ("qbusiness", "GetDataSource"): Operation(_qbusiness_get_data_source, qbusiness_key),
    ("qbusiness", "StartDataSourceSyncJob"): Operation(_qbusiness_start, qbusiness_key),
}
