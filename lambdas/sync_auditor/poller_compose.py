"""A Poller with its stores, composed once for both ways a tick is polled: the scheduled run
(handlers/poller.py) and a fan-out batch (fanout_consume.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from sync_auditor.adapters.job_table import JobTable
from sync_auditor.adapters.notices import SilenceNotices
from sync_auditor.adapters.state_table import CursorStore
from sync_auditor.policies import heals_any, policy_for
from sync_auditor.poll import Poller
from sync_auditor.poll_errors import error_code_of
from sync_auditor.settings import PollerSettings

if TYPE_CHECKING:
    from sync_auditor.adapters.retry_quota import StateTableRetryQuota
    from sync_auditor.adapters.usage import CapacityMeter
    from sync_auditor.self_healing import Healer


@dataclass
class ComposedPoller:
    poller: Poller
    jobs: JobTable
    cursors: CursorStore
    # Every store's capacity meter, for the summary's read and write units.
    meters: list[CapacityMeter]


def compose_poller(
    settings: PollerSettings,
    apis: Mapping[str, Any],
    *,
    time_left: Callable[[], float],
    clock: Callable[[], datetime],
    jobs: JobTable | None = None,
    cursors: CursorStore | None = None,
    notices: SilenceNotices | None = None,
) -> ComposedPoller:
    """The Poller over the real stores, or over those a caller injects (the CLI's audit)."""
    healer: Healer | None = None
    quota: StateTableRetryQuota | None = None
    if notices is None and jobs is None and cursors is None:
        # Only with the real stores: a caller that injects its own (the CLI's audit) writes no
        # notice and starts no sync.
        notices = SilenceNotices(settings.job_table, settings.state_table)
        jobs = JobTable(settings.job_table)
        if heals_any(settings.targets):
            # Imported here: self-healing is opt-in per target, so most ticks never load it.
            from sync_auditor.adapters.retry_quota import StateTableRetryQuota
            from sync_auditor.self_healing import Healer

            quota = StateTableRetryQuota(settings.state_table)
            healer = Healer(
                starters=apis,
                jobs=jobs,
                quota=quota,
                error_code_of=error_code_of,
                retention_days=settings.retention_days,
            )
    if cursors is None:
        cursors = CursorStore(settings.state_table)
    if jobs is None:
        jobs = JobTable(settings.job_table)
    poller = Poller(
        apis=dict(apis),
        jobs=jobs,
        cursors=cursors,
        lookback_days=settings.lookback_days,
        retention_days=settings.retention_days,
        max_parallel=settings.max_parallel_calls,
        time_left=time_left,
        error_code_of=error_code_of,
        policy_of=partial(
            policy_for, settings.targets, stuck_after_minutes=settings.stuck_after_minutes
        ),
        notices=notices,
        healer=healer,
        clock=clock,
    )
    meters = [jobs.capacity, cursors.capacity] + ([quota.capacity] if quota else [])
    return ComposedPoller(poller, jobs, cursors, meters)
