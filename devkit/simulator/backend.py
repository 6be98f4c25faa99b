"""One API request from bytes to bytes: protocol, knobs, validation, operation, counters.

HTTP-server agnostic, so the order of checks is in one readable place: authentication and
routing first (a request that is not an operation is rejected, not counted as a call), then
the call is counted, delayed, maybe throttled, validated and finally served.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Any, Protocol

from devkit.simulator import kendra_protocol, qbusiness_protocol
from devkit.simulator.errors import ApiError, missing_authentication
from devkit.simulator.knobs import Knobs, Stats
from devkit.simulator.models import ServiceName, operation_model
from devkit.simulator.operations import OPERATIONS, Context
from devkit.simulator.validation import check_request
from devkit.simulator.wire import Reply

logger = logging.getLogger(__name__)

_SERVED: dict[str, frozenset[str]] = {
    service: frozenset(op for (s, op) in OPERATIONS if s == service)
    for service in ("kendra", "qbusiness")
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: Message  # case-insensitive, as HTTP header names are
    body: bytes


class _Protocol(Protocol):
    def result_reply(self, operation: str, result: dict[str, Any]) -> Reply: ...
    def error_reply(self, error: ApiError) -> Reply: ...


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
        service: ServiceName = "kendra" if "X-Amz-Target" in request.headers else "qbusiness"
        protocol: _Protocol = kendra_protocol if service == "kendra" else qbusiness_protocol
        try:
            if not request.headers.get("Authorization"):
                raise missing_authentication(status=403)
            operation, params = self._decode(service, request)
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

    @staticmethod
    def _decode(service: ServiceName, request: Request) -> tuple[str, dict[str, Any]]:
        if service == "kendra":
            return kendra_protocol.decode(request.headers, request.body, _SERVED["kendra"])
        return qbusiness_protocol.decode(
            request.method,
            request.path,
            request.query,
            request.headers,
            request.body,
            _SERVED["qbusiness"],
        )
