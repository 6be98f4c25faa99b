"""The botocore service models the simulator speaks: one source of truth for shapes and routes.

Everything a real service would enforce or emit (members, constraints, error status codes,
routes, timestamp formats) is read from here, so the simulator cannot drift from the SDK.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

# botocore's service names: what `boto3.client(...)` takes, and what the stats and the fail_next
# knob call a service ("bedrock-agent:StartIngestionJob"); Bedrock signs and authorizes as
# `bedrock` (its signing name, see `signing_name`).
ServiceName = Literal["kendra", "qbusiness", "bedrock-agent"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("kendra", "qbusiness", "bedrock-agent")

# Used when a list operation's model gives no maximum page size.
FALLBACK_PAGE_SIZE = 10


@cache
def service_model(service: ServiceName) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def signing_name(service: ServiceName) -> str:
    """The service name in a SigV4 credential scope, which is also its IAM action prefix."""
    return str(service_model(service).signing_name)


def enum_of(service: ServiceName, shape_name: str) -> tuple[str, ...]:
    """The values of one of the model's string enums (statuses, sort orders ...)."""
    return tuple(service_model(service).shape_for(shape_name).metadata["enum"])


@cache
def operation_model(service: ServiceName, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@cache
def error_shape(service: ServiceName, code: str) -> Shape | None:
    """The model's shape of error `code`, or None for errors the model does not list."""
    model = service_model(service)
    return model.shape_for(code) if code in model.shape_names else None


def member_named(shape: Shape, lowercase_name: str) -> str | None:
    """The member of `shape` whose name matches case-insensitively (MaxResults / maxResults)."""
    for name in shape.members:
        if name.lower() == lowercase_name:
            return name
    return None


def list_member(shape: Shape) -> str:
    """The one list member of a list operation's output (History, SummaryItems, history ...)."""
    names = [name for name, member in shape.members.items() if member.type_name == "list"]
    if len(names) != 1:
        raise ValueError(f"{shape.name} has list members {names}, expected exactly one")
    return names[0]


def default_page_size(operation: OperationModel) -> int:
    """The page size when the request names none: the model's maximum for MaxResults."""
    name = member_named(operation.input_shape, "maxresults")
    if name is None:
        return FALLBACK_PAGE_SIZE
    return int(operation.input_shape.members[name].metadata.get("max", FALLBACK_PAGE_SIZE))
