"""Logger, Metrics and Tracer, created once for the whole package.

Powertools reads POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE from the environment;
the defaults here are what the stack sets, so local runs and Lambda emit the same names.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

SERVICE_NAME = "sync-auditor"
DEFAULT_NAMESPACE = "SyncAuditor"

os.environ.setdefault("POWERTOOLS_SERVICE_NAME", SERVICE_NAME)
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)


class _NoSegment(BaseSegment):
    """What a subsegment is when nothing is traced: every call is accepted and dropped."""

    def close(self, end_time: int | None = None) -> None:
        pass

    def add_subsegment(self, subsegment: Any) -> None:
        pass

    def remove_subsegment(self, subsegment: Any) -> None:
        pass

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        pass


class NoTracing(BaseProvider):
    """A Tracer provider that records nothing, for when tracing is off.

    Powertools' Tracer imports the X-Ray SDK to build its default provider even when it is
    disabled, and that import makes two botocore clients (the SDK's sampling connector): about
    a third of the poller's cold start, measured by bench/coldstart.py. Given a provider, the
    Tracer skips it; its decorators then run the handler inside a segment that drops everything.
    """

    @contextmanager
    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _NoSegment()

    @asynccontextmanager
    async def in_subsegment_async(
        self, name: str | None = None, **kwargs: Any
    ) -> AsyncIterator[BaseSegment]:
        yield _NoSegment()

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        pass

    def patch(self, modules: Sequence[str]) -> None:
        pass

    def patch_all(self) -> None:
        pass


def tracing_disabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether nothing is to be traced: POWERTOOLS_TRACE_DISABLED is true (the stack sets it
    unless the configuration's `tracing` is on), read as Powertools reads it, or this is not
    Lambda (no LAMBDA_TASK_ROOT: the CLI, tests), where Powertools disables its Tracer too."""
    value = environ.get(constants.TRACER_DISABLED_ENV, "false")
    in_lambda = bool(environ.get(constants.LAMBDA_TASK_ROOT_ENV))
    return bool(resolve_truthy_env_var_choice(env=value)) or not in_lambda


def make_tracer(disabled: bool) -> Tracer:
    """The Tracer: Powertools' own with X-Ray when tracing is on, else one on `NoTracing`."""
    if disabled:
        # Tracer's configuration is class-wide: one made later in this process shares it.
        return Tracer(disabled=True, auto_patch=False, provider=NoTracing())
    return Tracer()


logger = Logger()
metrics = Metrics()
tracer = make_tracer(tracing_disabled())
