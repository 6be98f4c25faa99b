"""The `syncAuditor` context of cdk.json, parsed and validated into one typed object.

Every value is checked at synth time against the constraint the AWS API itself enforces, so a
typo fails `cdk synth` with the field path, the value and the allowed form, instead of failing
at deploy time or, worse, making the poller call the API with an id that can never exist.
The checks live in config_checks.py; each service parses its own key (infra/services), and
the schedule and the alerting keys are parsed by config_schedule.py and config_alerts.py; this
module is the schema, its defaults and load_config.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from infra.config_alerts import SlackChannel, alert_values
from infra.config_checks import (
    CONTEXT_KEY,
    ConfigError,
    Problems,
    check_keys,
    flag,
    int_in,
)
from infra.config_fanout import FanOutConfig, parse_fan_out
from infra.config_schedule import configured_heartbeat, heartbeat_minutes, schedule
from infra.services import REGISTRY, SERVICE_KEYS, in_words
from infra.services.base import InfraService, Targets
from infra.services.targets import ALL, STUCK_AFTER_MINUTES_RANGE
from sync_auditor.model import DEFAULT_ALERT_STATUSES
from sync_auditor.settings import DEFAULT_MAX_REQUESTS_PER_SECOND

# The names app.py, the CLI and the other infra modules import from here.
__all__ = [
    "ALL",
    "CONTEXT_KEY",
    "ConfigError",
    "SlackChannel",
    "SyncAuditorConfig",
    "load_config",
]

LOOKBACK_DAYS_RANGE: Final = (1, 365)
# The boto3 clients keep 32 pooled connections (adapters/clients.py): more parallel calls only queue.
MAX_PARALLEL_CALLS_RANGE: Final = (1, 32)
# Per audited service; set it at or under the account's quota for their List APIs.
MAX_REQUESTS_PER_SECOND_RANGE: Final = (1, 1000)
RETRY_MODES: Final = ("standard", "adaptive")
# How long the poller reuses discovery's listing (sync_auditor/discovery_cache.py): minutes.
DISCOVERY_REFRESH_MINUTES_RANGE: Final = (5, 1440)
# A job open longer than this is STUCK; syncs and ingestions of big sources take hours.
DEFAULT_STUCK_AFTER_MINUTES: Final = 360
# How the code asset gets its bytecode (infra/asset.py says what each does).
BYTECODE_MODES: Final = ("auto", "docker", "none")
KNOWN_KEYS: Final = (
    "schedule",
    *SERVICE_KEYS,
    "alertStatuses",
    "alertEmails",
    "slack",
    "lookbackDays",
    "retentionDays",
    "metricsNamespace",
    "perDataSourceMetrics",
    "maxParallelCalls",
    "maxRequestsPerSecond",
    "retryMode",
    "logRetentionDays",
    "stuckAfterMinutes",
    "recoveryNotices",
    "alarmEmails",
    "alarmSlack",
    "heartbeatMinutes",
    "discoveryRefreshMinutes",
    "tracing",
    "fanOut",
    "bytecode",
)


@dataclass(frozen=True)
class _Values:
    """The validated values; defaults are the documented ones."""

    schedule: str = "rate(5 minutes)"
    # What each service audits, by its key (infra/services): its entries, or "all". A service
    # that audits nothing is absent.
    targets: Mapping[str, Targets] = field(default_factory=dict)
    alert_statuses: tuple[str, ...] = tuple(sorted(DEFAULT_ALERT_STATUSES))
    alert_emails: tuple[str, ...] = ()
    slack: SlackChannel | None = None
    lookback_days: int = 30
    retention_days: int | None = None
    metrics_namespace: str = "SyncAuditor"
    per_data_source_metrics: bool = False
    max_parallel_calls: int = 8
    max_requests_per_second: int = DEFAULT_MAX_REQUESTS_PER_SECOND
    retry_mode: str = "standard"
    log_retention_days: int = 90
    stuck_after_minutes: int = DEFAULT_STUCK_AFTER_MINUTES
    recovery_notices: bool = True
    # Who hears the auditor's own health alarms. load_config resolves an absent alarmEmails /
    # alarmSlack to the alert recipients, so these are always the addresses and channel used.
    alarm_emails: tuple[str, ...] = ()
    alarm_slack: SlackChannel | None = None
    # heartbeatMinutes as configured; None derives the window from the schedule.
    heartbeat_minutes: int | None = None
    # How often the targets are listed again (also at once after a change of targets, a failed
    # listing, or a listed data source found deleted).
    discovery_refresh_minutes: int = 60
    # X-Ray active tracing of both functions. Off by default: the Tracer's import is about a
    # fifth of the poller's handler import (cold start); most deployments never open a trace.
    tracing: bool = False
    # Fan-out of a tick beyond one invocation over an SQS FIFO queue (infra/fanout.py); None:
    # every tick is polled by the scheduled invocation alone, as before.
    fan_out: FanOutConfig | None = None
    # Compiled where a Python of the runtime's version is at hand, else source only (warned).
    bytecode: str = "auto"


class SyncAuditorConfig(_Values):
    """The validated configuration.

    A service's targets may also be given and read under the service's key, as when each
    service was a field of its own (SyncAuditorConfig(<key>="all"), config.<key>); a service
    that audits nothing reads ().
    """

    def __init__(self, targets: Mapping[str, Targets] | None = None, **values: Any) -> None:
        by_key = dict(targets or {})
        by_key |= {key: values.pop(key) for key in SERVICE_KEYS if key in values}
        if unknown := set(by_key) - set(SERVICE_KEYS):
            raise TypeError(f"unknown services {sorted(unknown)}; the registry has {SERVICE_KEYS}")
        # In registry order, and nothing for a service without targets: two configurations
        # that audit the same are equal however they were written.
        audited = {key: by_key[key] for key in SERVICE_KEYS if by_key.get(key)}
        super().__init__(targets=audited, **values)

    if not TYPE_CHECKING:
        # Hidden from mypy, which then still catches a misspelt attribute in infra/.

        def __getattr__(self, name: str) -> Any:
            # Reached only when normal lookup fails; `targets` is read from __dict__ so that an
            # instance being copied or unpickled, which has none yet, does not recurse.
            if name in SERVICE_KEYS:
                return self.__dict__.get("targets", {}).get(name, ())
            raise AttributeError(name)

    @property
    def heartbeat_window_minutes(self) -> int:
        """How long without a completed poll before the heartbeat alarm fires."""
        return heartbeat_minutes(self.schedule, self.heartbeat_minutes)

    @property
    def services(self) -> tuple[str, ...]:
        """The services this deployment audits, in registry order (metric dimension values)."""
        return tuple(self.targets)

    @property
    def audited(self) -> tuple[InfraService, ...]:
        """The registered services this deployment audits, in registry order."""
        return tuple(s for s in REGISTRY if s.key in self.targets)

    def targets_of(self, service: InfraService) -> Targets:
        """What `service` audits: its entries, "all", or () when nothing."""
        return self.targets.get(service.key, ())

    @property
    def target_services(self) -> tuple[InfraService, ...]:
        """The services whose key TARGETS carries: the audited ones and those always present."""
        return tuple(s for s in REGISTRY if s.always_in_targets or s.key in self.targets)

    @property
    def self_healing_enabled(self) -> bool:
        """Whether any target entry retries transient failures ("all" carries no settings)."""
        entries = [
            target
            for targets in self.targets.values()
            if not isinstance(targets, str)
            for target in targets
        ]
        return any(target.settings.self_healing is not None for target in entries)

    def targets_json(self) -> str:
        """The poller's targets file (infra/targets_file.py), also what the CLI passes as
        TARGETS: compact JSON, the same shape as the configuration."""
        value = {s.key: s.targets_json(self.targets_of(s)) for s in self.target_services}
        return json.dumps(value, separators=(",", ":"))


def _path(key: str) -> str:
    return f"{CONTEXT_KEY}.{key}"


def _audit_values(problems: Problems, raw: dict[str, Any]) -> dict[str, Any]:
    """What is audited, when, and how the poller behaves."""
    values: dict[str, Any] = {}
    if "schedule" in raw:
        values["schedule"] = schedule(problems, _path("schedule"), raw["schedule"])
    targets = {s.key: s.parse(problems, _path(s.key), raw[s.key]) for s in REGISTRY if s.key in raw}
    if targets:
        values["targets"] = targets
    if "lookbackDays" in raw:
        values["lookback_days"] = int_in(
            problems, _path("lookbackDays"), raw["lookbackDays"], *LOOKBACK_DAYS_RANGE
        )
    if "retentionDays" in raw and raw["retentionDays"] is not None:
        lookback = values.get("lookback_days") or SyncAuditorConfig.lookback_days
        values["retention_days"] = int_in(
            problems,
            _path("retentionDays"),
            raw["retentionDays"],
            lookback,
            None,
            f" (not less than lookbackDays={lookback}, or records backfilled on the first "
            "poll would expire at once), or null to keep records forever",
        )
    if "maxParallelCalls" in raw:
        values["max_parallel_calls"] = int_in(
            problems, _path("maxParallelCalls"), raw["maxParallelCalls"], *MAX_PARALLEL_CALLS_RANGE
        )
    if "maxRequestsPerSecond" in raw:
        values["max_requests_per_second"] = int_in(
            problems,
            _path("maxRequestsPerSecond"),
            raw["maxRequestsPerSecond"],
            *MAX_REQUESTS_PER_SECOND_RANGE,
            f" ({' / '.join(s.short_title for s in REGISTRY)} requests per second per service "
            "the poller allows itself; at or under your account's quota for their List APIs)",
        )
    if "retryMode" in raw:
        mode = raw["retryMode"]
        if mode in RETRY_MODES:
            values["retry_mode"] = mode
        else:
            problems.add(_path("retryMode"), mode, '"standard" or "adaptive"')
    if "stuckAfterMinutes" in raw:
        values["stuck_after_minutes"] = int_in(
            problems,
            _path("stuckAfterMinutes"),
            raw["stuckAfterMinutes"],
            *STUCK_AFTER_MINUTES_RANGE,
        )
    if "discoveryRefreshMinutes" in raw:
        values["discovery_refresh_minutes"] = int_in(
            problems,
            _path("discoveryRefreshMinutes"),
            raw["discoveryRefreshMinutes"],
            *DISCOVERY_REFRESH_MINUTES_RANGE,
            " (how long the poller reuses its listing of the targets' data sources)",
        )
    if "heartbeatMinutes" in raw:
        values["heartbeat_minutes"] = configured_heartbeat(
            problems,
            _path("heartbeatMinutes"),
            raw["heartbeatMinutes"],
            values.get("schedule", SyncAuditorConfig.schedule),
        )
    if "tracing" in raw:
        values["tracing"] = flag(problems, _path("tracing"), raw["tracing"])
    if "fanOut" in raw:
        values["fan_out"] = parse_fan_out(problems, _path("fanOut"), raw["fanOut"])
    if "bytecode" in raw:
        if raw["bytecode"] in BYTECODE_MODES:
            values["bytecode"] = raw["bytecode"]
        else:
            problems.add(_path("bytecode"), raw["bytecode"], '"auto", "docker" or "none"')
    return values


def _check_whole(problems: Problems, config: SyncAuditorConfig) -> None:
    """Problems only the whole configuration shows."""
    if not config.services:
        keys = in_words([f'"{key}"' for key in SERVICE_KEYS], "and/or")
        problems.note(CONTEXT_KEY, f'nothing to audit: set {keys} to a list of targets or "all"')


def load_config(raw: Any) -> SyncAuditorConfig:
    """Validate the `syncAuditor` context value; raises ConfigError naming every bad field."""
    problems = Problems()
    if not isinstance(raw, dict):
        problems.add(CONTEXT_KEY, raw, "an object (set the syncAuditor key in cdk.json context)")
        raise ConfigError(problems.items)
    check_keys(problems, CONTEXT_KEY, raw, KNOWN_KEYS)
    values = _audit_values(problems, raw) | alert_values(problems, raw)
    if problems.items:
        raise ConfigError(problems.items)
    config = SyncAuditorConfig(**values)
    _check_whole(problems, config)
    if problems.items:
        raise ConfigError(problems.items)
    return config
