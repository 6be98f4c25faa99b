"""Q Business's wire protocol, REST-JSON: routes and members' locations from the model.

Each served operation's `http.method` and `http.requestUri` become a route; members come from
the URI, the query string (by `locationName`, e.g. `statusFilter` travels as `syncStatus`),
headers or the JSON body. Errors carry the status code of the model's error shape, the code in
`x-amzn-ErrorType` and `{"message": ...}` plus the members the shape declares.
"""

from __future__ import annotations

import json
import re
from email.message import Message
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import Shape

from devkit.simulator.errors import ApiError, unknown_operation, validation_error
from devkit.simulator.models import error_shape, operation_model
from devkit.simulator.wire import (
    HEADER_FORMAT,
    QUERY_FORMAT,
    Reply,
    json_bytes,
    parse_timestamp,
    timestamp_format,
)

SERVICE = "qbusiness"
_JSON = {"Content-Type": "application/json"}
_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


@cache
def _route(operation: str) -> tuple[str, re.Pattern[str]]:
    http = operation_model(SERVICE, operation).http
    path = http["requestUri"].split("?", 1)[0]
    pattern, last = "", 0
    for label in _LABEL.finditer(path):
        pattern += re.escape(path[last : label.start()])
        greedy = label.group(2) == "+"
        pattern += f"(?P<{_group(label.group(1))}>{'.+' if greedy else '[^/]+'})"
        last = label.end()
    pattern += re.escape(path[last:])
    return http["method"], re.compile(pattern)


def _group(label: str) -> str:
    return re.sub(r"\W", "_", label)


def decode(
    method: str,
    path: str,
    query: str,
    headers: Message,
    body: bytes,
    served: frozenset[str],
) -> tuple[str, dict[str, Any]]:
    """(operation, params) of a request, members converted to their model types."""
    for operation in sorted(served):
        route_method, route = _route(operation)
        match = route.fullmatch(path)
        if match and route_method == method:
            return operation, _params(operation, match, query, headers, body)
    raise unknown_operation(f"{method} {path}", status=404)


def _params(
    operation: str, match: re.Match[str], query: str, headers: Message, body: bytes
) -> dict[str, Any]:
    shape = operation_model(SERVICE, operation).input_shape
    query_values = parse_qs(query, keep_blank_values=True)
    params: dict[str, Any] = {}
    body_members = []
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "uri":
            params[name] = unquote(match.group(_group(wire_name)))
        elif location == "querystring" and wire_name in query_values:
            values = query_values[wire_name]
            if member.type_name == "list":
                params[name] = [_scalar(name, member.member, v, QUERY_FORMAT) for v in values]
            else:
                params[name] = _scalar(name, member, values[0], QUERY_FORMAT)
        elif location == "header" and wire_name in headers:
            params[name] = _scalar(name, member, headers[wire_name], HEADER_FORMAT)
        elif location is None:
            body_members.append(name)
    if body_members and body.strip():
        try:
            document = json.loads(body)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise validation_error("The request body is not a JSON object")
        params.update({name: document[name] for name in body_members if name in document})
    return params


def _scalar(name: str, shape: Shape, text: str, default_format: str) -> Any:
    """A URI/query/header string as the member's type; ValidationException if it is not one."""
    try:
        if shape.type_name in ("integer", "long"):
            return int(text)
        if shape.type_name in ("float", "double"):
            return float(text)
        if shape.type_name == "boolean":
            return {"true": True, "false": False}[text]
        if shape.type_name == "timestamp":
            return parse_timestamp(text, timestamp_format(shape, default_format))
    except (ValueError, KeyError, TypeError):
        raise validation_error(
            f"1 validation error detected: Value '{text}' at '{name}' failed to satisfy "
            f"constraint: Member must be of type {shape.type_name}",
            [(name, f"Member must be of type {shape.type_name}")],
        ) from None
    return text


def result_reply(operation: str, result: dict[str, Any]) -> Reply:
    status = int(operation_model(SERVICE, operation).http.get("responseCode", 200))
    return Reply(status, json_bytes(result), dict(_JSON))


def error_reply(error: ApiError) -> Reply:
    shape = error_shape(SERVICE, error.code)
    body: dict[str, Any] = {"message": error.message}
    if shape is not None:
        body.update({k: v for k, v in error.fields.items() if k in shape.members})
    status = error.status or _status(shape, error.code)
    return Reply(status, json_bytes(body), {**_JSON, "x-amzn-ErrorType": error.code})


def _status(shape: Shape | None, code: str) -> int:
    if shape is not None and "httpStatusCode" in shape.metadata.get("error", {}):
        return int(shape.metadata["error"]["httpStatusCode"])
    return 500 if code.startswith("Internal") else 400
