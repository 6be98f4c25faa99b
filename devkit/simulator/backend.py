"""One API request from bytes to bytes: protocol, knobs, validation, operation, counters.

HTTP-server agnostic, so the order of checks is in one readable place: authentication and
routing first (a request that is not an operation is rejected, not counted as a call), then
the call is counted, delayed, maybe throttled, validated and finally served.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from devkit.simulator import (
    bedrock_operations,
    bedrock_protocol,
    kendra_protocol,
    operations,
    qbusiness_protocol,
)
from devkit.simulator.errors import ApiError, missing_authentication
from devkit.simulator.knobs import Knobs, Stats
from devkit.simulator.models import SERVICE_NAMES, ServiceName, operation_model
from devkit.simulator.operations_common import Context, Operation
from devkit.simulator.rest_json import RestJson
from devkit.simulator.validation import check_request
from devkit.simulator.wire import Reply, Request

__all__ = ["Backend", "Request"]

logger = logging.getLogger(__name__)

OPERATIONS: dict[tuple[ServiceName, str], Operation] = {
    **operations.OPERATIONS,
    **bedrock_operations.OPERATIONS,
}
_SERVED: dict[ServiceName, frozenset[str]] = {
    service: frozenset(op for (s, op) in OPERATIONS if s == service) for service in SERVICE_NAMES
}
# The REST-JSON services, in the order a request that names none of them is tried by path;
# Q Business comes last because it was the only one once: unknown paths stay its 404s.
_REST: tuple[RestJson, ...] = (bedrock_protocol.PROTOCOL, qbusiness_protocol.PROTOCOL)
# SigV4: "AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, ..."
_SCOPE_SERVICE = re.compile(r"Credential=[^/,\s]*/[^/]*/[^/]*/([^/]+)/aws4_request")


class _Protocol(Protocol):
    def decode(self, request: Request, served: frozenset[str]) -> tuple[str, dict[str, Any]]: ...
    def result_reply(self, operation: str, result: dict[str, Any]) -> Reply: ...
    def error_reply(self, error: ApiError) -> Reply: ...


def _protocol_of(request: Request) -> tuple[ServiceName, _Protocol]:
    """Which service a request is for. Kendra's JSON 1.1 names its target in a header; the
    REST-JSON services are told apart as AWS's front ends tell them apart, by the service in
    the SigV4 credential scope (Bedrock signs as `bedrock`), and by path when that names none
    of them (an unsigned request, or a hand-made one)."""
    if "X-Amz-Target" in request.headers:
        return "kendra", kendra_protocol
    match = _SCOPE_SERVICE.search(request.headers.get("Authorization", ""))
    scope = match.group(1) if match else None
    for rest in _REST:
        if rest.signing_name == scope:
            return rest.service, rest
    for rest in _REST:
        if rest.claims(request.path, _SERVED[rest.service]):
            return rest.service, rest
    return "qbusiness", qbusiness_protocol.PROTOCOL


class Backend:
    def __init__(
        self,
        context: Context,
        knobs: Knobs,
        stats: Stats,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.context = context
        self.knobs = knobs
        self.stats = stats
        self._sleep = sleep

    def handle_api(self, request: Request) -> Reply:
        service, protocol = _protocol_of(request)
        try:
            if not request.headers.get("Authorization"):
                raise missing_authentication(status=403)
            operation, params = protocol.decode(request, _SERVED[service])
        except ApiError as error:
            self.stats.error(error)
            return protocol.error_reply(error)
        spec = OPERATIONS[(service, operation)]
        self.stats.call(f"{service}:{operation}", spec.data_source_key(params))
        if self.knobs.latency_seconds > 0:
            self._sleep(self.knobs.latency_seconds)
        try:
            self.knobs.admit(service, operation)
            check_request(operation_model(service, operation), params)
            return protocol.result_reply(operation, spec.run(self.context, params))
        except ApiError as error:
            self.stats.error(error)
            return protocol.error_reply(error)
        except Exception as exc:  # a simulator bug: answer like a server fault, and say so
            logger.exception("simulator failed on %s:%s", service, operation)
            fault = ApiError("InternalServerException", f"simulator error: {exc!r}")
            self.stats.error(fault)
            return protocol.error_reply(fault)
