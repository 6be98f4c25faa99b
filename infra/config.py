"""The `syncAuditor` context of cdk.json, parsed and validated into one typed object.

Every value is checked at synth time against the constraint the AWS API itself enforces, so a
typo fails `cdk synth` with the field path, the value and the allowed form, instead of failing
at deploy time or, worse, making the poller call the API with an id that can never exist.
The ID patterns are the ones in botocore's service models (tests/infra checks they still are).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from sync_auditor.model import DEFAULT_ALERT_STATUSES, TERMINAL_STATUSES
from sync_auditor.policies import DEFAULT_BACKOFF_MINUTES, DEFAULT_MAX_RETRIES_PER_DAY
from sync_auditor.settings import DEFAULT_MAX_REQUESTS_PER_SECOND

CONTEXT_KEY: Final = "syncAuditor"
ALL: Final = "all"


@dataclass(frozen=True)
class IdForm:
    """An API identifier's constraint: length range and pattern, as the service model states them."""

    noun: str
    pattern: str
    min_length: int
    max_length: int
    example: str

    def matches(self, value: str) -> bool:
        return self.min_length <= len(value) <= self.max_length and bool(
            re.fullmatch(self.pattern, value)
        )

    def __str__(self) -> str:
        if self.min_length == self.max_length:
            length = f"exactly {self.min_length} characters"
        else:
            length = f"{self.min_length} to {self.max_length} characters"
        return f"a {self.noun}: {length} matching {self.pattern}, e.g. {self.example}"


_UUID = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"
# kendra ListDataSourceSyncJobs: IndexId, Id; qbusiness ListDataSourceSyncJobs: the three ids.
KENDRA_INDEX_ID: Final = IdForm("Kendra index id", "[a-zA-Z0-9][a-zA-Z0-9-]*", 36, 36, _UUID)
KENDRA_DATA_SOURCE_ID: Final = IdForm(
    "Kendra data source id", "[a-zA-Z0-9][a-zA-Z0-9_-]*", 1, 100, _UUID
)
QBUSINESS_APPLICATION_ID: Final = IdForm(
    "Q Business application id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)
QBUSINESS_INDEX_ID: Final = IdForm(
    "Q Business index id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)
QBUSINESS_DATA_SOURCE_ID: Final = IdForm(
    "Q Business data source id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)
# chatbot CreateSlackChannelConfiguration allows [0-9A-Z]{1,255} / [A-Za-z0-9]+; Slack's own
# ids add the prefix (T: workspace; C: channel, G: older private channel), which catches the
# common mistake of pasting a channel name or a user id.
SLACK_WORKSPACE_ID: Final = IdForm("Slack workspace (team) id", "T[0-9A-Z]+", 2, 255, "T0123ABCD")
SLACK_CHANNEL_ID: Final = IdForm("Slack channel id", "[CG][A-Za-z0-9]+", 2, 255, "C0456EFGH")

# Values the CloudWatch Logs PutRetentionPolicy API accepts.
LOG_RETENTION_DAYS: Final = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
LOOKBACK_DAYS_RANGE: Final = (1, 365)
# The boto3 clients keep 32 pooled connections (adapters/clients.py): more parallel calls only queue.
MAX_PARALLEL_CALLS_RANGE: Final = (1, 32)
# Per service (Kendra, Q Business); set it at or under the account's quota for their List APIs.
MAX_REQUESTS_PER_SECOND_RANGE: Final = (1, 1000)
RETRY_MODES: Final = ("standard", "adaptive")
# Lambda allows 4 KB of environment variables per function, names and values together. The
# poller's other variables take at most ~1 KB (two table names and the namespace can each be
# 255 characters), so TARGETS gets the rest.
TARGETS_MAX_BYTES: Final = 4096 - 1024
# Only terminal statuses reach the notifier (stream_filter.py), so only they can alert.
ALERT_STATUS_CHOICES: Final = tuple(sorted(TERMINAL_STATUSES))

_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_NAMESPACE_CHARS: Final = re.compile(r"[0-9A-Za-z.\-_/#: ]{1,255}")
_RATE: Final = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_CRON: Final = re.compile(r"cron\(([^()]*)\)")
# cron(minutes hours day-of-month month day-of-week year), EventBridge Scheduler's six fields.
_CRON_FIELDS: Final = (
    ("minutes", r"[0-9,\-*/]+"),
    ("hours", r"[0-9,\-*/]+"),
    ("day-of-month", r"[0-9,\-*/?LW]+"),
    ("month", r"[0-9A-Za-z,\-*/]+"),
    ("day-of-week", r"[1-7A-Za-z,\-*/?L#]+"),
    ("year", r"[0-9,\-*/]+"),
)
SCHEDULE_FORM: Final = (
    "rate(<n> minute|minutes|hour|hours|day|days) with the singular unit only for 1, "
    "e.g. rate(5 minutes), or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> "
    "<year>) with ? in day-of-month or day-of-week, e.g. cron(0/15 * * * ? *)"
)

KNOWN_KEYS: Final = (
    "schedule",
    "kendra",
    "qbusiness",
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
)
# A job open longer than this is STUCK; Kendra and Q Business syncs of big sources take hours.
DEFAULT_STUCK_AFTER_MINUTES: Final = 360
# From one poll interval to a week.
STUCK_AFTER_MINUTES_RANGE: Final = (5, 7 * 24 * 60)
EXPECT_SYNC_EVERY_HOURS_RANGE: Final = (1, 90 * 24)
# Self-healing: a data source that fails transiently more often than hourly needs a person,
# not more retries.
MAX_RETRIES_PER_DAY_RANGE: Final = (1, 24)
# At most 12 h: the poller only retries failures that ended within the last 24 hours
# (self_healing.RETRY_WINDOW), and the second retry of a day waits twice the backoff.
BACKOFF_MINUTES_RANGE: Final = (1, 12 * 60)
SELF_HEALING_KEYS: Final = ("maxRetriesPerDay", "backoffMinutes")
SELF_HEALING_FORM: Final = (
    f'{{"maxRetriesPerDay": {"-".join(map(str, MAX_RETRIES_PER_DAY_RANGE))}, '
    f'"backoffMinutes": {"-".join(map(str, BACKOFF_MINUTES_RANGE))}}} '
    "(omit the key to leave self-healing off)"
)
# Settings an index or application entry may carry for the data sources it audits.
TARGET_SETTING_KEYS: Final = ("stuckAfterMinutes", "expectSyncEveryHours", "selfHealing")


class ConfigError(ValueError):
    """The syncAuditor context is invalid; the message lists every problem, one per line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid {CONTEXT_KEY} configuration in cdk.json context:\n{lines}")


@dataclass(frozen=True)
class SelfHealingSettings:
    """Retry transient failures of a target's data sources (policies.SelfHealing at runtime)."""

    max_retries_per_day: int = DEFAULT_MAX_RETRIES_PER_DAY
    backoff_minutes: int = DEFAULT_BACKOFF_MINUTES

    def to_json(self) -> dict[str, int]:
        # Both keys always: TARGETS then states what runs, not what the runtime would assume.
        return {
            "maxRetriesPerDay": self.max_retries_per_day,
            "backoffMinutes": self.backoff_minutes,
        }


@dataclass(frozen=True)
class TargetSettings:
    """Per-target watch settings; None means the global default (or, for silence and
    self-healing, off)."""

    stuck_after_minutes: int | None = None
    expect_sync_every_hours: int | None = None
    self_healing: SelfHealingSettings | None = None

    def to_json(self) -> dict[str, Any]:
        values = {
            "stuckAfterMinutes": self.stuck_after_minutes,
            "expectSyncEveryHours": self.expect_sync_every_hours,
            "selfHealing": None if self.self_healing is None else self.self_healing.to_json(),
        }
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class KendraTarget:
    index_id: str
    # None: every data source of the index, discovered at poll time.
    data_source_ids: tuple[str, ...] | None = None
    settings: TargetSettings = TargetSettings()

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"indexId": self.index_id}
        if self.data_source_ids is not None:
            value["dataSourceIds"] = list(self.data_source_ids)
        return value | self.settings.to_json()


@dataclass(frozen=True)
class QBusinessTarget:
    application_id: str
    # None: every index of the application (then data_source_ids is None too).
    index_id: str | None = None
    data_source_ids: tuple[str, ...] | None = None
    settings: TargetSettings = TargetSettings()

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"applicationId": self.application_id}
        if self.index_id is not None:
            value["indexId"] = self.index_id
        if self.data_source_ids is not None:
            value["dataSourceIds"] = list(self.data_source_ids)
        return value | self.settings.to_json()


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class SyncAuditorConfig:
    """The validated configuration; defaults are the documented ones."""

    schedule: str = "rate(5 minutes)"
    kendra: tuple[KendraTarget, ...] | Literal["all"] = ()
    qbusiness: tuple[QBusinessTarget, ...] | Literal["all"] = ()
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

    @property
    def services(self) -> tuple[str, ...]:
        """The services this deployment audits, in a stable order (metric dimension values)."""
        # "all" and a non-empty target list are both truthy; no targets is an empty tuple.
        sides = (("kendra", self.kendra), ("qbusiness", self.qbusiness))
        return tuple(name for name, targets in sides if targets)

    @property
    def self_healing_enabled(self) -> bool:
        """Whether any target entry retries transient failures ("all" carries no settings)."""
        entries = [
            target
            for targets in (self.kendra, self.qbusiness)
            if not isinstance(targets, str)
            for target in targets
        ]
        return any(target.settings.self_healing is not None for target in entries)

    def targets_json(self) -> str:
        """The poller's TARGETS variable: compact JSON, the same shape as the configuration."""

        def side(targets: tuple[Any, ...] | str) -> Any:
            return targets if isinstance(targets, str) else [t.to_json() for t in targets]

        value = {"kendra": side(self.kendra), "qbusiness": side(self.qbusiness)}
        return json.dumps(value, separators=(",", ":"))


class _Problems:
    """Collects every problem, so one synth reports them all rather than one per attempt."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, value: Any, expected: str) -> None:
        self.items.append(f"{path}: {_show(value)} is not valid; expected {expected}")

    def note(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _show(value: Any) -> str:
    text = json.dumps(value, default=repr)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_int(value: Any) -> bool:
    # JSON true/false arrive as bool, which Python treats as an int: they are not numbers here.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_keys(
    problems: _Problems, path: str, value: Mapping[str, Any], allowed: Sequence[str]
) -> None:
    for key in value:
        if key not in allowed:
            problems.note(f"{path}.{key}", f"unknown key; allowed keys are {', '.join(allowed)}")


def _id(problems: _Problems, path: str, value: Any, form: IdForm) -> str | None:
    if isinstance(value, str) and form.matches(value):
        return value
    problems.add(path, value, str(form))
    return None


def _id_list(problems: _Problems, path: str, value: Any, form: IdForm) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        problems.add(
            path,
            value,
            f"a non-empty list of {form.noun}s (omit the key to audit every data source)",
        )
        return None
    ids: list[str] = []
    for index, item in enumerate(value):
        checked = _id(problems, f"{path}[{index}]", item, form)
        if checked is None:
            continue
        if checked in ids:
            problems.note(f"{path}[{index}]", f"duplicate {form.noun} {checked!r}")
            continue
        ids.append(checked)
    return tuple(ids)


def _targets(
    problems: _Problems,
    path: str,
    value: Any,
    parse_one: Callable[[_Problems, str, Mapping[str, Any]], Any],
    what: str,
) -> list[tuple[int, Any]] | Literal["all"]:
    """The valid targets with their list positions (overlap messages must name the raw index)."""
    if value == ALL:
        return ALL
    if not isinstance(value, list):
        problems.add(path, value, f'"all" or a list of {what} objects')
        return []
    parsed = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.add(item_path, item, f"a {what} object")
            continue
        target = parse_one(problems, item_path, item)
        if target is not None:
            parsed.append((index, target))
    return parsed


def _target_settings(problems: _Problems, path: str, item: Mapping[str, Any]) -> TargetSettings:
    stuck = expect = None
    if "stuckAfterMinutes" in item:
        stuck = _int_in(
            problems,
            f"{path}.stuckAfterMinutes",
            item["stuckAfterMinutes"],
            *STUCK_AFTER_MINUTES_RANGE,
        )
    if "expectSyncEveryHours" in item:
        expect = _int_in(
            problems,
            f"{path}.expectSyncEveryHours",
            item["expectSyncEveryHours"],
            *EXPECT_SYNC_EVERY_HOURS_RANGE,
        )
    healing = None
    if "selfHealing" in item:
        healing = _self_healing(problems, f"{path}.selfHealing", item["selfHealing"])
    return TargetSettings(stuck, expect, healing)


def _self_healing(problems: _Problems, path: str, value: Any) -> SelfHealingSettings | None:
    if not isinstance(value, dict):
        problems.add(path, value, f"an object {SELF_HEALING_FORM}")
        return None
    _check_keys(problems, path, value, SELF_HEALING_KEYS)
    retries: int | None = DEFAULT_MAX_RETRIES_PER_DAY
    backoff: int | None = DEFAULT_BACKOFF_MINUTES
    if "maxRetriesPerDay" in value:
        retries = _int_in(
            problems,
            f"{path}.maxRetriesPerDay",
            value["maxRetriesPerDay"],
            *MAX_RETRIES_PER_DAY_RANGE,
            " (sync starts per data source per UTC day)",
        )
    if "backoffMinutes" in value:
        backoff = _int_in(
            problems,
            f"{path}.backoffMinutes",
            value["backoffMinutes"],
            *BACKOFF_MINUTES_RANGE,
            " (minutes from the failure to the first retry; each later retry waits twice as long)",
        )
    if retries is None or backoff is None:
        return None
    return SelfHealingSettings(retries, backoff)


def _kendra_target(problems: _Problems, path: str, item: Mapping[str, Any]) -> KendraTarget | None:
    _check_keys(problems, path, item, ("indexId", "dataSourceIds", *TARGET_SETTING_KEYS))
    settings = _target_settings(problems, path, item)
    if "indexId" not in item:
        problems.note(f"{path}.indexId", "is required")
        return None
    index_id = _id(problems, f"{path}.indexId", item["indexId"], KENDRA_INDEX_ID)
    data_sources = None
    if "dataSourceIds" in item:
        data_sources = _id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], KENDRA_DATA_SOURCE_ID
        )
    if index_id is None or ("dataSourceIds" in item and data_sources is None):
        return None
    return KendraTarget(index_id, data_sources, settings)


def _qbusiness_target(
    problems: _Problems, path: str, item: Mapping[str, Any]
) -> QBusinessTarget | None:
    _check_keys(
        problems, path, item, ("applicationId", "indexId", "dataSourceIds", *TARGET_SETTING_KEYS)
    )
    settings = _target_settings(problems, path, item)
    if "applicationId" not in item:
        problems.note(f"{path}.applicationId", "is required")
        return None
    application_id = _id(
        problems, f"{path}.applicationId", item["applicationId"], QBUSINESS_APPLICATION_ID
    )
    index_id = None
    if "indexId" in item:
        index_id = _id(problems, f"{path}.indexId", item["indexId"], QBUSINESS_INDEX_ID)
    data_sources = None
    if "dataSourceIds" in item:
        if "indexId" not in item:
            problems.note(
                f"{path}.dataSourceIds",
                "needs indexId: a Q Business data source belongs to one index of the application",
            )
            return None
        data_sources = _id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], QBUSINESS_DATA_SOURCE_ID
        )
    # Every field was checked above, so all its problems are reported before giving up.
    if application_id is None or ("indexId" in item and index_id is None):
        return None
    if "dataSourceIds" in item and data_sources is None:
        return None
    return QBusinessTarget(application_id, index_id, data_sources, settings)


def _check_kendra_overlaps(problems: _Problems, targets: list[tuple[int, KendraTarget]]) -> None:
    seen: set[str] = set()
    for position, target in targets:
        if target.index_id in seen:
            problems.note(
                f"{CONTEXT_KEY}.kendra[{position}].indexId",
                f"duplicate index {target.index_id!r}: list each index once "
                "(with all its dataSourceIds, or none to audit all)",
            )
        seen.add(target.index_id)


def _check_qbusiness_overlaps(
    problems: _Problems, targets: list[tuple[int, QBusinessTarget]]
) -> None:
    whole_apps = {t.application_id for _, t in targets if t.index_id is None}
    seen: set[tuple[str, str | None]] = set()
    for position, target in targets:
        key = (target.application_id, target.index_id)
        path = f"{CONTEXT_KEY}.qbusiness[{position}]"
        if key in seen:
            problems.note(
                path,
                f"duplicate entry for application {target.application_id!r}"
                + (f" index {target.index_id!r}" if target.index_id else "")
                + ": list each application/index once",
            )
        elif target.index_id is not None and target.application_id in whole_apps:
            problems.note(
                path,
                f"application {target.application_id!r} is also listed without indexId, which "
                "already audits all its indices: keep one of the two entries",
            )
        seen.add(key)


def _int_in(
    problems: _Problems, path: str, value: Any, low: int, high: int | None, extra: str = ""
) -> int | None:
    if _is_int(value) and value >= low and (high is None or value <= high):
        return int(value)
    bound = f"from {low} to {high}" if high is not None else f"at least {low}"
    problems.add(path, value, f"a whole number {bound}{extra}")
    return None


def _schedule(problems: _Problems, path: str, value: Any) -> str | None:
    if not isinstance(value, str):
        problems.add(path, value, SCHEDULE_FORM)
        return None
    rate = _RATE.fullmatch(value)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount >= 1 and (amount == 1) == (not unit.endswith("s")):
            return value
    cron = _CRON.fullmatch(value)
    if cron:
        fields = cron.group(1).split(" ")
        if len(fields) == len(_CRON_FIELDS) and all(
            re.fullmatch(pattern, text)
            for (_, pattern), text in zip(_CRON_FIELDS, fields, strict=True)
        ):
            day_of_month, day_of_week = fields[2], fields[4]
            # Scheduler, like EventBridge, rejects a cron that sets both day fields.
            if (day_of_month == "?") != (day_of_week == "?"):
                return value
    problems.add(path, value, SCHEDULE_FORM)
    return None


def _string_list(
    problems: _Problems,
    path: str,
    value: Any,
    check: Callable[[str], bool],
    form: str,
    *,
    allow_empty: bool,
    normalize: Callable[[str], str] = lambda s: s,
) -> tuple[str, ...] | None:
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.add(path, value, f"a {'' if allow_empty else 'non-empty '}list of {form}")
        return None
    items: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        if not isinstance(item, str) or not check(item):
            problems.add(f"{path}[{index}]", item, form)
            continue
        if normalize(item) in seen:
            problems.note(f"{path}[{index}]", f"duplicate {item!r}")
            continue
        seen.add(normalize(item))
        items.append(item)
    return tuple(items)


def _slack(problems: _Problems, path: str, value: Any) -> SlackChannel | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(path, value, 'null or {"workspaceId": "T...", "channelId": "C..."}')
        return None
    _check_keys(problems, path, value, ("workspaceId", "channelId"))
    ids = {}
    for key, form in (("workspaceId", SLACK_WORKSPACE_ID), ("channelId", SLACK_CHANNEL_ID)):
        if key not in value:
            problems.note(f"{path}.{key}", "is required")
        else:
            ids[key] = _id(problems, f"{path}.{key}", value[key], form)
    if ids.get("workspaceId") and ids.get("channelId"):
        return SlackChannel(str(ids["workspaceId"]), str(ids["channelId"]))
    return None


def _namespace(problems: _Problems, path: str, value: Any) -> str | None:
    form = (
        "1 to 255 characters of letters, digits and . - _ / # : space, not starting with ':' "
        "nor 'AWS/' (a CloudWatch namespace)"
    )
    if (
        isinstance(value, str)
        and _NAMESPACE_CHARS.fullmatch(value)
        and not value.startswith(":")
        and not value.startswith("AWS/")
    ):
        return value
    problems.add(path, value, form)
    return None


def load_config(raw: Any) -> SyncAuditorConfig:
    """Validate the `syncAuditor` context value; raises ConfigError naming every bad field."""
    problems = _Problems()
    if not isinstance(raw, dict):
        problems.add(CONTEXT_KEY, raw, "an object (set the syncAuditor key in cdk.json context)")
        raise ConfigError(problems.items)

    def path(key: str) -> str:
        return f"{CONTEXT_KEY}.{key}"

    _check_keys(problems, CONTEXT_KEY, raw, KNOWN_KEYS)
    defaults = SyncAuditorConfig()
    values: dict[str, Any] = {}

    if "schedule" in raw:
        values["schedule"] = _schedule(problems, path("schedule"), raw["schedule"])
    if "kendra" in raw:
        kendra = _targets(problems, path("kendra"), raw["kendra"], _kendra_target, "Kendra index")
        if kendra == ALL:
            values["kendra"] = ALL
        else:
            _check_kendra_overlaps(problems, kendra)
            values["kendra"] = tuple(target for _, target in kendra)
    if "qbusiness" in raw:
        qbusiness = _targets(
            problems,
            path("qbusiness"),
            raw["qbusiness"],
            _qbusiness_target,
            "Q Business application",
        )
        if qbusiness == ALL:
            values["qbusiness"] = ALL
        else:
            _check_qbusiness_overlaps(problems, qbusiness)
            values["qbusiness"] = tuple(target for _, target in qbusiness)
    if "alertStatuses" in raw:
        values["alert_statuses"] = _string_list(
            problems,
            path("alertStatuses"),
            raw["alertStatuses"],
            lambda s: s in ALERT_STATUS_CHOICES,
            f"terminal sync statuses ({', '.join(ALERT_STATUS_CHOICES)})",
            allow_empty=False,
        )
    if "alertEmails" in raw:
        values["alert_emails"] = _string_list(
            problems,
            path("alertEmails"),
            raw["alertEmails"],
            lambda s: len(s) <= 254 and bool(_EMAIL.fullmatch(s)),
            "email addresses (name@example.com)",
            allow_empty=True,
            normalize=str.lower,
        )
    if "slack" in raw:
        values["slack"] = _slack(problems, path("slack"), raw["slack"])
    if "lookbackDays" in raw:
        values["lookback_days"] = _int_in(
            problems, path("lookbackDays"), raw["lookbackDays"], *LOOKBACK_DAYS_RANGE
        )
    if "retentionDays" in raw and raw["retentionDays"] is not None:
        lookback = values.get("lookback_days") or defaults.lookback_days
        values["retention_days"] = _int_in(
            problems,
            path("retentionDays"),
            raw["retentionDays"],
            lookback,
            None,
            f" (not less than lookbackDays={lookback}, or records backfilled on the first "
            "poll would expire at once), or null to keep records forever",
        )
    if "metricsNamespace" in raw:
        values["metrics_namespace"] = _namespace(
            problems, path("metricsNamespace"), raw["metricsNamespace"]
        )
    if "perDataSourceMetrics" in raw:
        flag = raw["perDataSourceMetrics"]
        if isinstance(flag, bool):
            values["per_data_source_metrics"] = flag
        else:
            problems.add(path("perDataSourceMetrics"), flag, "true or false")
    if "maxParallelCalls" in raw:
        values["max_parallel_calls"] = _int_in(
            problems, path("maxParallelCalls"), raw["maxParallelCalls"], *MAX_PARALLEL_CALLS_RANGE
        )
    if "maxRequestsPerSecond" in raw:
        values["max_requests_per_second"] = _int_in(
            problems,
            path("maxRequestsPerSecond"),
            raw["maxRequestsPerSecond"],
            *MAX_REQUESTS_PER_SECOND_RANGE,
            " (Kendra / Q Business requests per second per service the poller allows itself; "
            "at or under your account's quota for their List APIs)",
        )
    if "retryMode" in raw:
        mode = raw["retryMode"]
        if mode in RETRY_MODES:
            values["retry_mode"] = mode
        else:
            problems.add(path("retryMode"), mode, '"standard" or "adaptive"')
    if "logRetentionDays" in raw:
        days = raw["logRetentionDays"]
        if _is_int(days) and days in LOG_RETENTION_DAYS:
            values["log_retention_days"] = days
        else:
            problems.add(
                path("logRetentionDays"),
                days,
                f"one of {', '.join(map(str, LOG_RETENTION_DAYS))} (CloudWatch Logs retention)",
            )

    if "stuckAfterMinutes" in raw:
        values["stuck_after_minutes"] = _int_in(
            problems,
            path("stuckAfterMinutes"),
            raw["stuckAfterMinutes"],
            *STUCK_AFTER_MINUTES_RANGE,
        )
    if "recoveryNotices" in raw:
        flag = raw["recoveryNotices"]
        if isinstance(flag, bool):
            values["recovery_notices"] = flag
        else:
            problems.add(path("recoveryNotices"), flag, "true or false")

    if not problems.items:
        config = SyncAuditorConfig(**values)
        size = len("TARGETS") + len(config.targets_json().encode())
        if not config.services:
            problems.note(
                CONTEXT_KEY,
                'nothing to audit: set "kendra" and/or "qbusiness" to a list of targets or "all"',
            )
        elif size > TARGETS_MAX_BYTES:
            problems.note(
                f"{path('kendra')} + {path('qbusiness')}",
                f"the targets take {size} bytes in the poller's TARGETS environment variable; "
                f"at most {TARGETS_MAX_BYTES} fit in Lambda's 4 KB of environment variables. "
                "List whole indexes or applications (omit dataSourceIds / indexId) or use "
                '"all" to let the poller discover them instead',
            )
        else:
            return config
    raise ConfigError(problems.items)
