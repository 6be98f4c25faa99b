"""What every service's operations share: their context, addressing errors, order and paging.

Params arrive decoded and validated (member names as in the model); results are dicts keyed
by the output shape's member names, which the protocol modules serialize.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from devkit.simulator.errors import ApiError
from devkit.simulator.models import (
    ServiceName,
    default_page_size,
    list_member,
    member_named,
    operation_model,
    signing_name,
)
from devkit.simulator.paging import SortKey, TokenCodec, page
from devkit.simulator.state import Node, World
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
    new_ingestion_job_id: Callable[[], str]


@dataclass(frozen=True)
class Operation:
    run: Callable[[Context, Params], dict[str, Any]]
    # The dataSourceKey a request addresses, for the per-data-source request counts.
    data_source_key: Callable[[Params], str | None] = lambda params: None


class Dated(Protocol):
    """What ordering needs of a job, whichever service's it is."""

    @property
    def execution_id(self) -> str: ...

    @property
    def start(self) -> float | None: ...


# -- addressing ------------------------------------------------------------------------------


def access_denied(service: ServiceName, operation: str, resource_arn: str) -> ApiError:
    return ApiError(
        "AccessDeniedException",
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/sync-auditor/session is not authorized "
        f"to perform: {signing_name(service)}:{operation} on resource: {resource_arn}",
    )


def not_found(resource_type: str, resource_id: str) -> ApiError:
    return ApiError(
        "ResourceNotFoundException",
        f"{resource_type} {resource_id} not found",
        resourceId=resource_id,
        resourceType=resource_type,
    )


def data_source(
    ctx: Context, service: ServiceName, operation: str, key: str, resource_arn: str
) -> Node:
    # IAM decides before the resource is looked up: denied wins over not found.
    if ctx.world.is_denied(key):
        raise access_denied(service, operation, resource_arn)
    source = ctx.world.data_source(key)
    if source is None:
        raise not_found("DataSource", key.rsplit("#", 1)[1])
    return source


# -- ordering and paging ---------------------------------------------------------------------


def scramble(seed: int, identity: str) -> str:
    """A seeded, repeatable stand-in for "no documented order"."""
    return hashlib.blake2b(f"{seed}:{identity}".encode(), digest_size=8).hexdigest()


def job_order(order: str, seed: int) -> Callable[[Dated], SortKey]:
    """Sort keys for the `order` knob: shuffled (by seed), newest_first or oldest_first."""
    if order == "shuffled":
        return lambda job: (scramble(seed, job.execution_id),)
    sign = -1.0 if order == "newest_first" else 1.0

    def key(job: Dated) -> SortKey:
        tie = scramble(seed, job.execution_id)
        return (1, 0.0, tie) if job.start is None else (0, sign * job.start, tie)

    return key


def node_order(order: str, seed: int) -> Callable[[Node], SortKey]:
    if order == "shuffled":
        return lambda node: (scramble(seed, node.id),)
    sign = -1.0 if order == "newest_first" else 1.0
    return lambda node: (sign * node.created, scramble(seed, node.id))


def paged(
    ctx: Context,
    service: ServiceName,
    operation: str,
    params: Params,
    scope: str,
    items: Sequence[Item],
    order: str,
    order_for: Callable[[str, int], Callable[[Item], SortKey]],
    to_wire: Callable[[Item], Any],
) -> dict[str, Any]:
    """One page of `items`; `scope` names what the token continues (resource and filters), and
    `order` is the first page's: a continued listing keeps the one its token carries."""
    model = operation_model(service, operation)
    token_member = member_named(model.input_shape, "nexttoken") or "NextToken"
    size_member = member_named(model.input_shape, "maxresults") or "MaxResults"
    scope = f"{service}:{operation}:{scope}"
    token = params.get(token_member)
    after = None
    if token:
        order, after = ctx.codec.decode(token, scope, token_member)
    size = params.get(size_member) or default_page_size(model)
    chunk, last = page(items, order_for(order, ctx.seed), size, after)
    result: dict[str, Any] = {list_member(model.output_shape): [to_wire(item) for item in chunk]}
    if last is not None:
        output_token = member_named(model.output_shape, "nexttoken") or token_member
        result[output_token] = ctx.codec.encode(scope, order, last)
    return result


def item_shape(service: ServiceName, operation: str) -> Any:
    output = operation_model(service, operation).output_shape
    return output.members[list_member(output)].member


def node_lister(
    service: ServiceName, operation: str, kind: str
) -> Callable[[Context, Params, str, list[Node]], dict[str, Any]]:
    def run(ctx: Context, params: Params, scope: str, nodes: list[Node]) -> dict[str, Any]:
        shape = item_shape(service, operation)
        return paged(
            ctx,
            service,
            operation,
            params,
            scope,
            nodes,
            ctx.order(),
            node_order,
            lambda node: render(shape, node.wire_values(kind)),
        )

    return run
