"""The poller's two events: the schedule's (plan the tick: poll it, or send it out as batches)
and the fan-out queue's (poll a batch), composed here so the handler stays one call."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sync_auditor.adapters import clients
from sync_auditor.adapters.discovery_cache import DiscoveryCacheTable
from sync_auditor.discovery_cache import mark_gone
from sync_auditor.fanout import FanOutSettings
from sync_auditor.fanout_consume import is_batch_event
from sync_auditor.poller_compose import compose_poller
from sync_auditor.services import REGISTRY, SERVICES
from sync_auditor.settings import PollerSettings, SettingsError

if TYPE_CHECKING:
    from sync_auditor.adapters.usage import CapacityMeter
    from sync_auditor.model import DataSourceRef
    from sync_auditor.poll_report import PollReport


def dispatch(
    event: Mapping[str, Any],
    settings: PollerSettings,
    *,
    run: Callable[..., dict[str, Any]],
    summarize: Callable[..., dict[str, Any]],
    time_left: Callable[[], float],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    fan_out: FanOutSettings | None = None,
) -> dict[str, Any]:
    """The invocation's summary: a batch's (SQS event) or the scheduled tick's (any other).

    `run` and `summarize` are the scheduled run and its summary (handlers/poller.py); `fan_out`
    defaults to what the environment configures.
    """
    fan_out = fan_out or FanOutSettings.from_env()
    if not is_batch_event(event):
        plan = None
        if fan_out is not None:
            # Imported here: a deployment without fanOut never plans (a cold start's saving).
            from sync_auditor.adapters.fanout_queue import FanOutQueue
            from sync_auditor.fanout_plan import planner

            plan = planner(
                fan_out,
                FanOutQueue(fan_out.queue_url),
                rate=settings.max_requests_per_second,
                time_left=time_left,
                clock=clock,
            )
        return run(settings, time_left=time_left, clock=clock, fan_out=plan)
    if fan_out is None:
        raise SettingsError(
            "an SQS batch arrived but environment variable FANOUT_QUEUE_URL is not set"
        )
    # Imported here: only a fan-out batch consumes (a scheduled tick's cold start skips them).
    from sync_auditor.adapters.fanout_queue import FanOutQueue
    from sync_auditor.fanout_consume import consume

    # Each consumer's share of the pace: MaximumConcurrency of them stay under the rate.
    clients.pace(fan_out.consumer_rate(settings.max_requests_per_second))
    apis = {name: spec.make_api(clients.client) for name, spec in REGISTRY.items()}
    meters: list[CapacityMeter] = []

    def poll(sources: Sequence[DataSourceRef]) -> PollReport:
        composed = compose_poller(settings, apis, time_left=time_left, clock=clock)
        meters.extend(composed.meters)
        report = composed.poller.run(sources)
        if settings.discovery_refresh_minutes:
            # A listed data source gone: the next tick's plan lists its service again.
            cache = DiscoveryCacheTable(settings.state_table)
            mark_gone(cache, report.results)
            meters.append(cache.capacity)
        return report

    audited = [service for service in SERVICES if service in settings.targets]
    summary = consume(
        event,
        poll=poll,
        queue=FanOutQueue(fan_out.queue_url),
        services=audited,
        summarize=summarize,
    )
    summary["readUnits"] = sum(meter.read_units for meter in meters)
    summary["writeUnits"] = sum(meter.write_units for meter in meters)
    return summary
