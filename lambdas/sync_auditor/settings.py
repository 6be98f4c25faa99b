"""Environment variables, parsed once at the handler edge into typed settings.

The names are the interface between the CDK stack (infra/) and the functions: change both together.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_auditor.model import ALL_STATUSES, DEFAULT_ALERT_STATUSES
from sync_auditor.policies import DEFAULT_STUCK_AFTER_MINUTES
from sync_auditor.services import SERVICES

# What the outbox sweep's schedule sends the notifier (instead of stream records).
DELIVER_PENDING_EVENT: dict[str, str] = {"action": "deliverPendingAlerts"}


class SettingsError(ValueError):
    """An environment variable is missing or malformed (a deployment error, not a data error)."""


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise SettingsError(f"environment variable {name}={value} must be at least {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise SettingsError(f"environment variable {name}={raw!r} must be 'true' or 'false'")
    return raw == "true"


def _retry_mode(env: Mapping[str, str]) -> str:
    mode = env.get("RETRY_MODE", "standard").strip() or "standard"
    if mode not in ("standard", "adaptive"):
        raise SettingsError(
            f"environment variable RETRY_MODE={mode!r} must be 'standard' or 'adaptive'"
        )
    return mode


def _services(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("AUDITED_SERVICES", "").strip()
    if not raw:
        return SERVICES
    services = tuple(s.strip() for s in raw.split(",") if s.strip())
    unknown = sorted(set(services) - set(SERVICES))
    if unknown:
        raise SettingsError(
            f"environment variable AUDITED_SERVICES has {unknown}; allowed: {list(SERVICES)}"
        )
    return services


def _targets(env: Mapping[str, str]) -> dict[str, Any]:
    """The targets from the file TARGETS_FILE names (what the stack deploys: a layer's file,
    as thousands of data sources do not fit in Lambda's 4 KB of variables), or from TARGETS
    itself (what the CLI, the demo and tests set)."""
    path = env.get("TARGETS_FILE", "").strip()
    inline = env.get("TARGETS", "").strip()
    if path and inline:
        raise SettingsError(
            f"environment variables TARGETS_FILE={path!r} and TARGETS are both set; "
            "set one: the path of the targets file, or the targets as JSON"
        )
    if path:
        where = f"the targets file {path!r} (environment variable TARGETS_FILE)"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(f"{where} cannot be read: {error}") from None
    elif inline:
        where, text = "environment variable TARGETS", inline
    else:
        raise SettingsError(
            "environment variable TARGETS_FILE (the path of the targets file) or TARGETS "
            "(the targets as JSON) is required"
        )
    try:
        targets = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{where} is not JSON: {error}") from None
    if (
        not isinstance(targets, dict)
        or set(targets) - set(SERVICES)
        or not all(
            value == "all" or (isinstance(value, list) and all(isinstance(t, dict) for t in value))
            for value in targets.values()
        )
    ):
        form = ", ".join(f'"{service}": "all" | [{{...}}, ...]' for service in SERVICES)
        raise SettingsError(f"{where} must be {{{form}}} (any of the keys)")
    return targets


# Requests per second per service (Kendra, Q Business) the poller allows itself unless told
# otherwise: a quiet tick of 1,000 data sources then takes about 100 s, inside one invocation.
DEFAULT_MAX_REQUESTS_PER_SECOND = 10


@dataclass(frozen=True)
class PollerSettings:
    job_table: str
    state_table: str
    # The `kendra` and `qbusiness` parts of the syncAuditor config, already validated at synth.
    targets: dict[str, Any]
    lookback_days: int = 30
    retention_days: int | None = None
    max_parallel_calls: int = 8
    # Paces the list calls under the APIs' request quota instead of bouncing off it.
    max_requests_per_second: int = DEFAULT_MAX_REQUESTS_PER_SECOND
    deadline_margin_seconds: int = 20
    retry_mode: str = "standard"
    max_attempts: int = 5
    # Per-target `stuckAfterMinutes` in the targets overrides this default.
    stuck_after_minutes: int = DEFAULT_STUCK_AFTER_MINUTES
    # How long discovery's listing is reused (discovery_cache.py); 0 lists on every tick and
    # keeps no cache: what a caller that sets nothing gets (the CLI's audit, loopback tests),
    # while the stack always sends the configured discoveryRefreshMinutes (default 60).
    discovery_refresh_minutes: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PollerSettings:
        env = os.environ if env is None else env
        targets = _targets(env)
        retention = _int(env, "RETENTION_DAYS", 0, minimum=0)
        return cls(
            job_table=_required(env, "JOB_TABLE_NAME"),
            state_table=_required(env, "STATE_TABLE_NAME"),
            targets=targets,
            lookback_days=_int(env, "LOOKBACK_DAYS", 30, minimum=1),
            retention_days=retention or None,
            max_parallel_calls=_int(env, "MAX_PARALLEL_CALLS", 8, minimum=1),
            max_requests_per_second=_int(
                env, "MAX_REQUESTS_PER_SECOND", DEFAULT_MAX_REQUESTS_PER_SECOND, minimum=1
            ),
            deadline_margin_seconds=_int(env, "DEADLINE_MARGIN_SECONDS", 20, minimum=1),
            retry_mode=_retry_mode(env),
            max_attempts=_int(env, "MAX_ATTEMPTS", 5, minimum=1),
            stuck_after_minutes=_int(
                env, "STUCK_AFTER_MINUTES", DEFAULT_STUCK_AFTER_MINUTES, minimum=1
            ),
            discovery_refresh_minutes=_int(env, "DISCOVERY_REFRESH_MINUTES", 0, minimum=0),
        )


@dataclass(frozen=True)
class NotifierSettings:
    topic_arn: str
    state_table: str
    alert_statuses: frozenset[str] = DEFAULT_ALERT_STATUSES
    per_data_source_metrics: bool = False
    # The job table is read (byDataSource index) only to decide recovery notices.
    job_table: str = ""
    recovery_notices: bool = True
    retry_mode: str = "standard"
    max_attempts: int = 5
    # The services the stack audits: the outbox sweep reports pending alerts for each, every
    # sweep (zero included), so its alarm can treat missing data as a sweep that stopped.
    audited_services: tuple[str, ...] = SERVICES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifierSettings:
        env = os.environ if env is None else env
        raw_statuses = env.get("ALERT_STATUSES", "").strip()
        statuses = (
            frozenset(s.strip() for s in raw_statuses.split(",") if s.strip())
            if raw_statuses
            else DEFAULT_ALERT_STATUSES
        )
        unknown = statuses - ALL_STATUSES
        if unknown:
            raise SettingsError(
                f"environment variable ALERT_STATUSES has {sorted(unknown)}; "
                f"allowed: {sorted(ALL_STATUSES)}"
            )
        return cls(
            topic_arn=_required(env, "ALERT_TOPIC_ARN"),
            state_table=_required(env, "STATE_TABLE_NAME"),
            alert_statuses=statuses,
            per_data_source_metrics=_bool(env, "PER_DATA_SOURCE_METRICS", False),
            job_table=env.get("JOB_TABLE_NAME", "").strip(),
            recovery_notices=_bool(env, "RECOVERY_NOTICES", True),
            retry_mode=_retry_mode(env),
            max_attempts=_int(env, "MAX_ATTEMPTS", 5, minimum=1),
            audited_services=_services(env),
        )
