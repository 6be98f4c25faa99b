"""Scheduled poller: discover the data sources, poll them, record what changed, report health."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sync_auditor import fanout_dispatch, job_metrics
from sync_auditor.adapters import clients
from sync_auditor.adapters.discovery_cache import DiscoveryCacheTable
from sync_auditor.adapters.job_table import JobTable
from sync_auditor.adapters.notices import SilenceNotices
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.deferral import capped
from sync_auditor.discovery_cache import cached_discovery
from sync_auditor.job_metrics import Metric, MetricSet
from sync_auditor.observability import logger, tracer
from sync_auditor.poll_errors import error_code_of
from sync_auditor.poll_report import PollReport
from sync_auditor.poller_compose import compose_poller
from sync_auditor.services import REGISTRY, SERVICES, spec_of
from sync_auditor.settings import PollerSettings

if TYPE_CHECKING:  # the planner is imported only where fan-out is configured (fanout_dispatch)
    from sync_auditor.fanout_plan import Planner


@cache
def _settings() -> PollerSettings:
    return PollerSettings.from_env()


def run(
    settings: PollerSettings,
    time_left: Any = lambda: float("inf"),
    apis: Mapping[str, Any] | None = None,
    jobs: JobTable | None = None,
    cursors: CursorStore | None = None,
    notices: SilenceNotices | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    fan_out: Planner | None = None,
) -> dict[str, Any]:
    """One poll of every configured data source; returns a summary (also the Lambda result).

    The service adapters (`apis`, by service) and the stores are injectable so the CLI's
    `audit --dry-run` can read the real tables while recording, instead of making, the writes.
    """
    apis = {
        name: (apis or {}).get(name) or spec.make_api(clients.client)
        for name, spec in REGISTRY.items()
    }
    sent_before = {service: _requests_sent(service) for service in SERVICES}
    # The services this deployment audits: its metrics (the heartbeat among them) are theirs.
    audited = [service for service in SERVICES if service in settings.targets]
    # Listed at most every discoveryRefreshMinutes; between refreshes, from the state table.
    listings = cached_discovery(
        error_code_of,
        {service: settings.targets[service] for service in audited},
        apis,
        DiscoveryCacheTable(settings.state_table),
        settings.discovery_refresh_minutes,
        clock(),
    )
    discovery = listings.discovery
    for failure in discovery.errors:
        logger.warning(
            "discovery failed",
            extra={
                "service": failure.service,
                "scope": failure.scope,
                "errorCode": failure.error_code,
            },
        )

    composed = compose_poller(
        settings,
        apis,
        time_left=time_left,
        clock=clock,
        jobs=jobs,
        cursors=cursors,
        notices=notices,
    )
    cursors = composed.cursors
    deferred_before = cursors.load_deferred()
    # Data sources the last poll could not reach go first, so none is starved.
    first = set(deferred_before)
    sources = sorted(discovery.sources, key=lambda s: (s.key not in first, s.key))
    # Beyond what one invocation covers, the tick goes out as batches (fanout_plan.py).
    fanned = fan_out(sources, discovery.scopes, cursors, deferred_before) if fan_out else None
    if fanned is None:
        report = composed.poller.run(sources, discovery.scopes)
        listings.forget_gone(report.results)  # a listed data source gone: list again next tick
        cursors.save_deferred(capped(report.deferred_keys), deferred_before)
        _log(report)
    else:
        report = PollReport([])
    api_calls: dict[str, int] = {s: _requests_sent(s) - sent_before[s] for s in audited}
    discovery_errors: dict[str, int] = {
        s: sum(1 for e in discovery.errors if e.service == s) for s in audited
    }
    summary = _summary(report, api_calls, discovery_errors, discovery.skipped)
    if fanned is not None:
        for service, counts in summary["services"].items():
            counts.update(fanned.counts(service))
    meters = [*composed.meters, *listings.capacity]
    summary["readUnits"] = sum(meter.read_units for meter in meters)
    summary["writeUnits"] = sum(meter.write_units for meter in meters)
    return summary


def _requests_sent(service: str) -> int:
    return clients.requests_sent(spec_of(service).client_name)


def _log(report: PollReport) -> None:
    for result in report.results:
        if result.outcome == "error":
            logger.warning(
                "data source poll failed",
                extra={"dataSourceKey": result.source.key, "errorCode": result.error_code},
            )
        elif result.jobs_written:
            logger.info(
                "data source polled",
                extra={
                    "dataSourceKey": result.source.key,
                    "jobsSeen": result.jobs_seen,
                    "jobsWritten": result.jobs_written,
                    "backfill": result.backfill,
                },
            )
    if report.deferred_keys:
        logger.warning(
            "deadline reached: data sources deferred to the next tick",
            extra={
                "deferred": len(report.deferred_keys),
                "dataSourceKeys": report.deferred_keys[:50],
            },
        )


def _summary(
    report: PollReport,
    api_calls: dict[str, int],
    discovery_errors: dict[str, int],
    skipped: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Per audited service (those `api_calls` counts), the health counts of the tick."""
    skipped = skipped or {}
    per_service = {}
    for service in api_calls:
        per_service[service] = {
            "DataSourcesPolled": report.count(service, "polled"),
            "PollErrors": report.count(service, "error") + discovery_errors[service],
            "DataSourcesDeferred": report.count(service, "deferred")
            + report.count(service, "partial"),
            "JobsWritten": report.jobs_written(service),
            "ApiCalls": api_calls[service],
            # The heartbeat: a tick that got this far completed (its alarm breaches on missing
            # data, so a poller that stops running, or cannot import, is heard of).
            job_metrics.TICKS_COMPLETED: 1,
        }
        if service in skipped:
            # Found by listing but not audited: being deleted, or not active.
            per_service[service]["DataSourcesSkipped"] = skipped[service]
    return {"services": per_service}


def emit_metrics(summary: dict[str, Any]) -> None:
    """Auditor health metrics, one EMF document per service (dimension Service)."""
    job_metrics.emit(
        [
            MetricSet(
                ({"Service": service},),
                tuple(Metric(name, MetricUnit.Count, value) for name, value in counts.items()),
            )
            for service, counts in summary["services"].items()
        ]
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = _settings()
    clients.configure(settings.retry_mode, settings.max_attempts)
    clients.pace(settings.max_requests_per_second)
    deadline = (
        time.monotonic()
        + context.get_remaining_time_in_millis() / 1000
        - settings.deadline_margin_seconds
    )
    summary = fanout_dispatch.dispatch(
        event, settings, run=run, summarize=_summary, time_left=lambda: deadline - time.monotonic()
    )
    emit_metrics(summary)
    return summary
