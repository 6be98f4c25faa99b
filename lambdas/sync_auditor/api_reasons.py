"""Failure reasons that a service's API gives only per job (Bedrock's GetIngestionJob): read
once, when a job is first seen FAILED or INCOMPLETE, and stored with it as errorMessage.

A service adapter offers this by having `with_failure_reasons(job)`. History (a job that had
ended before auditing began) is not read: no extra calls for the past. A read that fails leaves
the job as the list gave it: the record and its alert go out without the reasons, never later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sync_auditor.model import DEFAULT_ALERT_STATUSES, TERMINAL_STATUSES, SyncJob
from sync_auditor.observability import logger


def with_api_reasons(
    api: Any,
    job: SyncJob,
    existing: Mapping[str, Any] | None,
    *,
    history: bool,
    error_code_of: Callable[[Exception], str | None],
) -> SyncJob:
    read = getattr(api, "with_failure_reasons", None)
    if read is None or history or job.status not in DEFAULT_ALERT_STATUSES:
        return job
    if existing is not None and existing.get("status") in TERMINAL_STATUSES:
        return job  # read when it ended (or it ended before reasons were read): once only
    try:
        return read(job)
    except Exception as error:
        code = error_code_of(error)
        if code is None:
            raise
        logger.warning(
            "failure reasons unreadable",
            extra={
                "dataSourceKey": job.source.key,
                "executionId": job.execution_id,
                "errorCode": code,
            },
        )
        return job
