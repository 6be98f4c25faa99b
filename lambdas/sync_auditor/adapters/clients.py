"""The one place boto3 clients are made: lazily, cached, with an explicit retry policy.

Endpoints are left to boto3, so AWS_ENDPOINT_URL_<SERVICE> points them at moto or the
simulator without code changes.
"""

from __future__ import annotations

import threading
from collections import Counter
from functools import cache, partial
from typing import Any

import boto3
from botocore.config import Config

# Standard mode retries throttling with a token-bucket quota; adaptive adds client-side rate
# limiting. Handlers call `configure` with their settings before the first client is made.
# total_max_attempts counts the first try; botocore's max_attempts would count only retries.
_retries: dict[str, Any] = {"mode": "standard", "total_max_attempts": 5}
_lock = threading.Lock()
# HTTP requests sent per service, retries included: the ApiCalls metric and the benchmark.
_requests_sent: Counter[str] = Counter()


def configure(retry_mode: str, max_attempts: int) -> None:
    """Set the retry policy of clients made from now on."""
    if (_retries["mode"], _retries["total_max_attempts"]) != (retry_mode, max_attempts):
        _retries.update(mode=retry_mode, total_max_attempts=max_attempts)
        client.cache_clear()


@cache
def client(service_name: str) -> Any:
    """A shared client for `service_name`; boto3 clients are thread-safe once created."""
    config = Config(
        retries=dict(_retries),
        connect_timeout=5,
        read_timeout=20,
        max_pool_connections=32,
    )
    # Creating clients is not thread-safe in boto3's default session.
    with _lock:
        made = boto3.session.Session().client(service_name, config=config)
    made.meta.events.register("before-send", partial(_count_request, service_name))
    return made


def _count_request(service_name: str, **_: Any) -> None:
    with _lock:
        _requests_sent[service_name] += 1


def requests_sent(service_name: str) -> int:
    """How many HTTP requests clients of this process sent to a service so far."""
    with _lock:
        return _requests_sent[service_name]


def reset() -> None:
    """Forget cached clients (tests that change endpoints or credentials between cases)."""
    client.cache_clear()
