"""The REST-JSON wire protocol (Q Business, Bedrock): routes and members' locations from the model.

Each served operation's `http.method` and `http.requestUri` become a route; members come from
the URI, the query string (by `locationName`, e.g. `statusFilter` travels as `syncStatus`),
headers or the JSON body. Errors carry the status code of the model's error shape, the code in
`x-amzn-ErrorType` and `{"message": ...}` plus the members the shape declares.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.model import Shape

from devkit.simulator.errors import ApiError, unknown_operation, validation_error
from devkit.simulator.models import ServiceName, error_shape, operation_model, signing_name
from devkit.simulator.wire import (
    HEADER_FORMAT,
    QUERY_FORMAT,
    Reply,
    Request,
    json_bytes,
    parse_timestamp,
    timestamp_format,
)

_JSON = {"Content-Type": "application/json"}
_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


class RestJson:
    """One REST-JSON service: decodes its requests and renders its replies."""

    def __init__(self, service: ServiceName) -> None:
        self.service = service
        self.signing_name = signing_name(service)

    def claims(self, path: str, served: frozenset[str]) -> bool:
        """Whether `path` lies under one of the served operations' first path segments
        (/applications, /knowledgebases): how an unsigned request finds its service."""
        segment = path.lstrip("/").split("/", 1)[0]
        return any(_first_segment(self.service, operation) == segment for operation in served)

    def decode(self, request: Request, served: frozenset[str]) -> tuple[str, dict[str, Any]]:
        """(operation, params) of a request, members converted to their model types."""
        for operation in sorted(served):
            route_method, route = _route(self.service, operation)
            match = route.fullmatch(request.path)
            if match and route_method == request.method:
                return operation, self._params(operation, match, request)
        raise unknown_operation(f"{request.method} {request.path}", status=404)

    def _params(self, operation: str, match: re.Match[str], request: Request) -> dict[str, Any]:
        shape = operation_model(self.service, operation).input_shape
        query_values = parse_qs(request.query, keep_blank_values=True)
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
            elif location == "header" and wire_name in request.headers:
                params[name] = _scalar(name, member, request.headers[wire_name], HEADER_FORMAT)
            elif location is None:
                body_members.append(name)
        if body_members and request.body.strip():
            try:
                document = json.loads(request.body)
            except ValueError:
                document = None
            if not isinstance(document, dict):
                raise validation_error("The request body is not a JSON object")
            params.update({name: document[name] for name in body_members if name in document})
        return params

    def result_reply(self, operation: str, result: dict[str, Any]) -> Reply:
        status = int(operation_model(self.service, operation).http.get("responseCode", 200))
        return Reply(status, json_bytes(result), dict(_JSON))

    def error_reply(self, error: ApiError) -> Reply:
        shape = error_shape(self.service, error.code)
        body: dict[str, Any] = {"message": error.message}
        if shape is not None:
            body.update({k: v for k, v in error.fields.items() if k in shape.members})
        status = error.status or _status(shape, error.code)
        return Reply(status, json_bytes(body), {**_JSON, "x-amzn-ErrorType": error.code})


@cache
def _route(service: ServiceName, operation: str) -> tuple[str, re.Pattern[str]]:
    http = operation_model(service, operation).http
    path = http["requestUri"].split("?", 1)[0]
    pattern, last = "", 0
    for label in _LABEL.finditer(path):
        pattern += re.escape(path[last : label.start()])
        greedy = label.group(2) == "+"
        pattern += f"(?P<{_group(label.group(1))}>{'.+' if greedy else '[^/]+'})"
        last = label.end()
    pattern += re.escape(path[last:])
    return http["method"], re.compile(pattern)


@cache
def _first_segment(service: ServiceName, operation: str) -> str:
    uri = str(operation_model(service, operation).http["requestUri"])
    return uri.lstrip("/").split("/", 1)[0].split("?", 1)[0]


def _group(label: str) -> str:
    return re.sub(r"\W", "_", label)


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


def _status(shape: Shape | None, code: str) -> int:
    if shape is not None and "httpStatusCode" in shape.metadata.get("error", {}):
        return int(shape.metadata["error"]["httpStatusCode"])
    return 500 if code.startswith("Internal") else 400
