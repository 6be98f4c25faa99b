"""Fault and load knobs (injected errors, throttling, a rate limit) and the request counters."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from devkit.simulator.errors import ApiError

ORDERS = ("shuffled", "newest_first", "oldest_first")


def throttling() -> ApiError:
    return ApiError("ThrottlingException", "Rate exceeded")


class TokenBucket:
    """`per_second` tokens a second, holding at most one second's worth (at least one)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("rate limit must be positive (None disables it)")
        self._rate = per_second
        self._capacity = max(1.0, per_second)
        self._tokens = self._capacity
        self._clock = clock
        self._last = clock()

    @property
    def rate(self) -> float:
        return self._rate

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class Knobs:
    """What the next API requests meet before they reach the service logic."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        # (operation it is for, or None for any; the error it answers)
        self._failures: deque[tuple[str | None, ApiError]] = deque()
        self._bucket: TokenBucket | None = None
        self.latency_seconds = 0.0
        self._order = "shuffled"

    @property
    def order(self) -> str:
        return self._order

    @order.setter
    def order(self, value: str) -> None:
        if value not in ORDERS:
            raise ValueError(f"order must be one of {ORDERS}, not {value!r}")
        self._order = value

    def throttle_next(self, count: int) -> None:
        self.fail_next(count, "ThrottlingException", "Rate exceeded")

    def fail_next(
        self, count: int, code: str, message: str | None = None, operation: str | None = None
    ) -> None:
        """The next `count` requests (of `operation` only, when given: "StartDataSourceSyncJob"
        for either service, "qbusiness:StartDataSourceSyncJob" for one) answer `code`."""
        with self._lock:
            self._failures.extend(
                (operation, ApiError(code, message or f"Injected {code}")) for _ in range(count)
            )

    def rate_limit(self, per_second: float | None) -> None:
        with self._lock:
            self._bucket = None if per_second is None else TokenBucket(per_second, self._clock)

    def admit(self, service: str, operation: str) -> None:
        """Raise the injected failure or throttling this request meets, if any."""
        with self._lock:
            for queued in self._failures:
                if queued[0] in (None, operation, f"{service}:{operation}"):
                    self._failures.remove(queued)
                    raise queued[1]
            if self._bucket is not None and not self._bucket.take():
                raise throttling()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "latency_seconds": self.latency_seconds,
                "order": self._order,
                "pending_failures": [failure.code for _, failure in self._failures],
                "rate_limit": None if self._bucket is None else self._bucket.rate,
            }


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._calls: Counter[str] = Counter()
            self._by_data_source: Counter[str] = Counter()
            self._errors: Counter[str] = Counter()
            self._throttled = 0
            self._rejected = 0

    def call(self, operation: str, data_source_key: str | None) -> None:
        with self._lock:
            self._calls[operation] += 1
            if data_source_key is not None:
                self._by_data_source[data_source_key] += 1

    def error(self, error: ApiError) -> None:
        with self._lock:
            self._errors[error.code] += 1
            self._throttled += error.code == "ThrottlingException"
            self._rejected += error.is_rejection

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": dict(self._calls),
                "throttled": self._throttled,
                "by_data_source": dict(self._by_data_source),
                "rejected": self._rejected,
                "errors": dict(self._errors),
            }
