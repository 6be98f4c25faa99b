"""Per-data-source watch settings: when an open job counts as stuck, how often a sync is expected,
whether a transient failure is retried (self-healing).

They come from the configured targets (the poller's TARGETS, validated at synth): an index or
application (or knowledge base) entry's settings apply to every data source it audits; without one, the global
default applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sync_auditor.model import DataSourceRef, parse_iso_utc
from sync_auditor.services import spec_of

DEFAULT_STUCK_AFTER_MINUTES = 360
# Self-healing defaults: a target's `selfHealing: {}` means these.
DEFAULT_MAX_RETRIES_PER_DAY = 3
DEFAULT_BACKOFF_MINUTES = 15


@dataclass(frozen=True)
class SelfHealing:
    """Retry a transient failure: at most `max_retries_per_day` starts per data source per UTC
    day, the first `backoff` after the failure, each later one twice as long."""

    max_retries_per_day: int = DEFAULT_MAX_RETRIES_PER_DAY
    backoff: timedelta = timedelta(minutes=DEFAULT_BACKOFF_MINUTES)


@dataclass(frozen=True)
class SourcePolicy:
    stuck_after: timedelta = timedelta(minutes=DEFAULT_STUCK_AFTER_MINUTES)
    # None: the data source has no expected rhythm, so it is never reported silent.
    expect_sync_every: timedelta | None = None
    # None: failures are only reported, never retried (self-healing is opt-in per target).
    self_healing: SelfHealing | None = None


def policy_for(
    targets: Mapping[str, Any], source: DataSourceRef, *, stuck_after_minutes: int
) -> SourcePolicy:
    """The settings of the target entry that names `source`, else the global ones."""
    entries = targets.get(source.service)
    target: Mapping[str, Any] = {}
    if isinstance(entries, list):
        matches = spec_of(source.service).matches
        target = next((t for t in entries if matches(t, source)), {})
    expect_hours = target.get("expectSyncEveryHours")
    healing = _self_healing(target)
    return SourcePolicy(
        stuck_after=timedelta(minutes=int(target.get("stuckAfterMinutes", stuck_after_minutes))),
        expect_sync_every=timedelta(hours=int(expect_hours)) if expect_hours else None,
        self_healing=None
        if healing is None
        else SelfHealing(
            max_retries_per_day=int(healing.get("maxRetriesPerDay", DEFAULT_MAX_RETRIES_PER_DAY)),
            backoff=timedelta(minutes=int(healing.get("backoffMinutes", DEFAULT_BACKOFF_MINUTES))),
        ),
    )


def heals_any(targets: Mapping[str, Any]) -> bool:
    """Whether some target entry enables self-healing. Without one, every data source's policy
    leaves failures alone, so a Healer would decide nothing and is not built."""
    return any(
        _self_healing(entry) is not None
        for entries in targets.values()
        if isinstance(entries, list)
        for entry in entries
    )


def _self_healing(target: Any) -> Mapping[str, Any] | None:
    """An entry's `selfHealing` object: its presence is what turns self-healing on."""
    healing = target.get("selfHealing") if isinstance(target, Mapping) else None
    return healing if isinstance(healing, Mapping) else None


def silent_since(
    newest: Mapping[str, Any] | None, cursor_since: str | None, now: datetime, every: timedelta
) -> str | None:
    """The start of the current silent period when no sync started within `every`, else None.

    The period starts at the newest job's start; for a job recorded as backfilled history it
    starts no earlier than when the auditor first saw it, and for a data source without any
    job at its cursor (the first poll's time): silence before the auditor watched is history.
    """
    if newest is not None:
        reference = newest.get("startTime")
        if newest.get("backfilled") is True and newest.get("firstSeenAt"):
            reference = max(str(reference or ""), str(newest["firstSeenAt"]))
    else:
        reference = cursor_since
    if not reference:
        return None
    return str(reference) if now - parse_iso_utc(str(reference)) > every else None
