"""The only code that reads CloudWatch Logs: a job's log events, within a fixed budget.

A failure alert must go out promptly whatever the size of the job's logs, so the read stops at
whichever comes first: `max_calls` FilterLogEvents pages, `max_events` events, `max_bytes` of
messages, or `max_seconds`. A missing log group (logging not enabled) is an answer, not an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sync_auditor.failure_reasons import LogRead

_lock = threading.Lock()


@cache
def logs_client() -> Any:
    """A CloudWatch Logs client with short timeouts and few retries, unlike the shared ones.

    The read sits in front of an alert inside a one-minute function: a slow Logs API must cost
    seconds and a "could not be read" line, not the alert.
    """
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 2},
        connect_timeout=2,
        read_timeout=5,
    )
    with _lock:
        return boto3.session.Session().client("logs", config=config)


@dataclass(frozen=True)
class ReadBudget:
    max_calls: int = 6
    max_events: int = 5000
    max_bytes: int = 2_000_000
    max_seconds: float = 8.0
    page_size: int = 1000


DEFAULT_BUDGET = ReadBudget()


class JobLogs:
    def __init__(
        self,
        client: Callable[[], Any] = logs_client,
        budget: ReadBudget = DEFAULT_BUDGET,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.budget = budget
        self._clock = clock
        self.calls = 0

    def within(self, seconds: float) -> JobLogs:
        """The same reader with at most `seconds` for its read (what the invocation has left)."""
        budget = replace(self.budget, max_seconds=min(self.budget.max_seconds, seconds))
        return JobLogs(client=self._client, budget=budget, clock=self._clock)

    def read(
        self, group: str, prefixes: Sequence[str], window: tuple[datetime, datetime]
    ) -> LogRead:
        """Messages of the streams starting with each prefix, in [window], within the budget."""
        budget = self.budget
        deadline = self._clock() + budget.max_seconds
        messages: list[str] = []
        size = 0
        logs = self._client()
        for prefix in prefixes:
            request: dict[str, Any] = {
                "logGroupName": group,
                "logStreamNamePrefix": prefix,
                "startTime": int(window[0].timestamp() * 1000),
                "endTime": int(window[1].timestamp() * 1000),
                "limit": budget.page_size,
            }
            while True:
                if self.calls >= budget.max_calls or self._clock() >= deadline:
                    return LogRead(messages, truncated=True)
                self.calls += 1
                try:
                    response = logs.filter_log_events(**request)
                except ClientError as error:
                    code = error.response.get("Error", {}).get("Code", "ClientError")
                    if code == "ResourceNotFoundException":
                        return LogRead(messages, group_found=False)
                    return LogRead(messages, error_code=code)
                except BotoCoreError as error:
                    return LogRead(messages, error_code=type(error).__name__)
                for event in response.get("events", []):
                    # The API filters on the prefix; checking again costs nothing and keeps a
                    # stand-in that ignores it (moto) from counting other jobs' streams.
                    if not str(event.get("logStreamName", prefix)).startswith(prefix):
                        continue
                    message = str(event.get("message", ""))
                    if len(messages) >= budget.max_events or size + len(message) > budget.max_bytes:
                        return LogRead(messages, truncated=True)
                    messages.append(message)
                    size += len(message)
                token = response.get("nextToken")
                if not token or token == request.get("nextToken"):
                    break
                request["nextToken"] = token
        return LogRead(messages)
