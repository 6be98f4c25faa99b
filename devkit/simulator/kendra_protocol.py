"""Kendra's wire protocol, AWS JSON 1.1: POST / with `X-Amz-Target: <prefix>.<Operation>`.

Errors are HTTP 400 (500 for server faults) with `{"__type": code, "Message": text}`; the
model gives Kendra's error shapes no status codes of their own.
"""

from __future__ import annotations

import json
from typing import Any

from devkit.simulator.errors import ApiError, unknown_operation
from devkit.simulator.models import ServiceName, error_shape, service_model
from devkit.simulator.wire import Reply, Request, json_bytes

SERVICE: ServiceName = "kendra"
_SERVER_FAULTS = {"InternalServerException": 500, "ServiceUnavailableException": 503}


def _content_type() -> str:
    return f"application/x-amz-json-{service_model(SERVICE).metadata['jsonVersion']}"


def decode(request: Request, served: frozenset[str]) -> tuple[str, dict[str, Any]]:
    """(operation, params) of a request; UnknownOperation or Serialization errors otherwise."""
    target, body = request.headers.get("X-Amz-Target", ""), request.body
    prefix, _, operation = target.partition(".")
    if prefix != service_model(SERVICE).metadata["targetPrefix"] or operation not in served:
        raise unknown_operation(f"X-Amz-Target {target!r}", status=400)
    try:
        params = json.loads(body) if body.strip() else {}
    except ValueError:
        params = None
    if not isinstance(params, dict):
        raise ApiError("SerializationException", "The request body is not a JSON object")
    return operation, params


def result_reply(operation: str, result: dict[str, Any]) -> Reply:
    return Reply(200, json_bytes(result), {"Content-Type": _content_type()})


def error_reply(error: ApiError) -> Reply:
    status = error.status or _SERVER_FAULTS.get(error.code, 400)
    body: dict[str, Any] = {"__type": error.code, "Message": error.message}
    shape = error_shape(SERVICE, error.code)
    if shape is not None:
        body.update({k: v for k, v in error.fields.items() if k in shape.members})
    return Reply(status, json_bytes(body), {"Content-Type": _content_type()})
