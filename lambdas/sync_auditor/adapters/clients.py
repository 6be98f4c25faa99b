"""The one place boto3 clients are made: lazily, cached, with an explicit retry policy.

Endpoints are left to boto3, so AWS_ENDPOINT_URL_<SERVICE> points them at moto or the
simulator without code changes.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
_pacers: dict[str, RequestPacer] = {}
# Every client comes from this one session, made at the first client: botocore caches the
# service models, endpoint rules and credentials per session, so the second and later clients
# cost a fraction of the first (a session of its own each took ~60 ms a client at cold start).
_session: boto3.session.Session | None = None


class RequestPacer:
    """Spaces one service's requests at least 1/per_second apart, across threads.

    A token bucket that holds a single token: no bursts. A server-side bucket of the same rate
    then stays full and absorbs the jitter of requests in flight, where a client burst would
    drain it and every early arrival would be throttled.
    """

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("requests per second must be positive")
        self.per_second = per_second
        self._interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    def wait(self) -> float:
        """Block until this request's slot; returns how long it waited, in seconds."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._interval
        delay = slot - now
        if delay > 0:
            # Outside the lock: the next caller takes the following slot meanwhile.
            self._sleep(delay)
        return delay


def configure(retry_mode: str, max_attempts: int) -> None:
    """Set the retry policy of clients made from now on."""
    if (_retries["mode"], _retries["total_max_attempts"]) != (retry_mode, max_attempts):
        _retries.update(mode=retry_mode, total_max_attempts=max_attempts)
        client.cache_clear()


def pace(max_requests_per_second: float | None) -> None:
    """Let each audited service's client send at most this many requests per second (None:
    unpaced): the request quotas the poller shares with the console and the connectors.
    Retries are paced too.

    Under the APIs' request quota, parallel calls that bounce off it drain botocore's retry
    quota and lose data sources to ThrottlingException for the tick; paced, a tick takes
    calls / rate and covers them all.
    """
    from sync_auditor.services import REGISTRY  # the services' adapters build on this module

    with _lock:
        for service in (spec.client_name for spec in REGISTRY.values()):
            current = _pacers.get(service)
            if max_requests_per_second is None:
                _pacers.pop(service, None)
            elif current is None or current.per_second != max_requests_per_second:
                _pacers[service] = RequestPacer(max_requests_per_second)


@cache
def client(service_name: str) -> Any:
    """A shared client for `service_name`; boto3 clients are thread-safe once created."""
    config = Config(
        retries=dict(_retries),
        connect_timeout=5,
        read_timeout=20,
        max_pool_connections=32,
    )
    # Creating clients from one session is not thread-safe: one at a time (which also keeps
    # two builds from pausing and resuming the collector across each other).
    with _lock, _collector_paused():
        made = _shared_session().client(service_name, config=config)
    # Every client waits for its pacer, if `pace` gave it one (the audited services' have).
    made.meta.events.register("before-send", partial(_wait_for_pacer, service_name))
    made.meta.events.register("before-send", partial(_count_request, service_name))
    return made


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a client is built, then frozen out of what
    the build left, and on again as it was.

    A build parses the service's botocore model into some hundred thousand objects, all kept
    (the session caches the model), so the collector's passes meanwhile find nothing, yet each
    full pass walks the whole heap, which Powertools and this package make larger than a bare
    boto3's: it cost the first DynamoDB client ~30 ms over bare's, and three service clients ~30
    more (bench/coldstart.py). Once built, the same objects would still be walked: first by the
    young collection the build's allocations set off, then by every full one of the tick. So
    they, and the modules imported before, are frozen (gc.freeze: moved to a generation no
    collection walks; refcounting frees them as ever), which took the four clients' build from
    ~480 to ~330 million instructions (bench/instructions.py). What the tick allocates later is
    collected as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _shared_session() -> boto3.session.Session:
    """The process's session, made on first use; the caller holds `_lock`."""
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


def _wait_for_pacer(service_name: str, **_: Any) -> None:
    pacer = _pacers.get(service_name)
    if pacer is not None:
        pacer.wait()


def _count_request(service_name: str, **_: Any) -> None:
    with _lock:
        _requests_sent[service_name] += 1


def requests_sent(service_name: str) -> int:
    """How many HTTP requests clients of this process sent to a service so far."""
    with _lock:
        return _requests_sent[service_name]


def reset() -> None:
    """Forget cached clients, their session and pacing (tests that change endpoints,
    credentials or settings between cases: the session holds resolved credentials)."""
    global _session
    client.cache_clear()
    with _lock:
        _session = None
    pace(None)
    # What earlier builds froze may be garbage now that their clients are forgotten.
    gc.unfreeze()
