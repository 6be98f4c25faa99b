"""The `kendra` and `qbusiness` parts of the syncAuditor context: what is audited, with which
per-target settings.

The ID patterns are the ones in botocore's service models (tests/infra checks they still are).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from infra.config_checks import (
    CONTEXT_KEY,
    IdForm,
    Problems,
    check_keys,
    id_list,
    id_value,
    int_in,
)
from sync_auditor.policies import DEFAULT_BACKOFF_MINUTES, DEFAULT_MAX_RETRIES_PER_DAY

ALL: Final = "all"

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


def kendra_targets(
    problems: Problems, path: str, value: Any
) -> tuple[KendraTarget, ...] | Literal["all"]:
    """The `kendra` value: "all", or the valid entries (overlaps reported)."""
    parsed = _targets(problems, path, value, _kendra_target, "Kendra index")
    if parsed == ALL:
        return ALL
    _check_kendra_overlaps(problems, parsed)
    return tuple(target for _, target in parsed)


def qbusiness_targets(
    problems: Problems, path: str, value: Any
) -> tuple[QBusinessTarget, ...] | Literal["all"]:
    """The `qbusiness` value: "all", or the valid entries (overlaps reported)."""
    parsed = _targets(problems, path, value, _qbusiness_target, "Q Business application")
    if parsed == ALL:
        return ALL
    _check_qbusiness_overlaps(problems, parsed)
    return tuple(target for _, target in parsed)


def _targets(
    problems: Problems,
    path: str,
    value: Any,
    parse_one: Callable[[Problems, str, Mapping[str, Any]], Any],
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


def _target_settings(problems: Problems, path: str, item: Mapping[str, Any]) -> TargetSettings:
    stuck = expect = None
    if "stuckAfterMinutes" in item:
        stuck = int_in(
            problems,
            f"{path}.stuckAfterMinutes",
            item["stuckAfterMinutes"],
            *STUCK_AFTER_MINUTES_RANGE,
        )
    if "expectSyncEveryHours" in item:
        expect = int_in(
            problems,
            f"{path}.expectSyncEveryHours",
            item["expectSyncEveryHours"],
            *EXPECT_SYNC_EVERY_HOURS_RANGE,
        )
    healing = None
    if "selfHealing" in item:
        healing = _self_healing(problems, f"{path}.selfHealing", item["selfHealing"])
    return TargetSettings(stuck, expect, healing)


def _self_healing(problems: Problems, path: str, value: Any) -> SelfHealingSettings | None:
    if not isinstance(value, dict):
        problems.add(path, value, f"an object {SELF_HEALING_FORM}")
        return None
    check_keys(problems, path, value, SELF_HEALING_KEYS)
    retries: int | None = DEFAULT_MAX_RETRIES_PER_DAY
    backoff: int | None = DEFAULT_BACKOFF_MINUTES
    if "maxRetriesPerDay" in value:
        retries = int_in(
            problems,
            f"{path}.maxRetriesPerDay",
            value["maxRetriesPerDay"],
            *MAX_RETRIES_PER_DAY_RANGE,
            " (sync starts per data source per UTC day)",
        )
    if "backoffMinutes" in value:
        backoff = int_in(
            problems,
            f"{path}.backoffMinutes",
            value["backoffMinutes"],
            *BACKOFF_MINUTES_RANGE,
            " (minutes from the failure to the first retry; each later retry waits twice as long)",
        )
    if retries is None or backoff is None:
        return None
    return SelfHealingSettings(retries, backoff)


def _kendra_target(problems: Problems, path: str, item: Mapping[str, Any]) -> KendraTarget | None:
    check_keys(problems, path, item, ("indexId", "dataSourceIds", *TARGET_SETTING_KEYS))
    settings = _target_settings(problems, path, item)
    if "indexId" not in item:
        problems.note(f"{path}.indexId", "is required")
        return None
    index_id = id_value(problems, f"{path}.indexId", item["indexId"], KENDRA_INDEX_ID)
    data_sources = None
    if "dataSourceIds" in item:
        data_sources = id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], KENDRA_DATA_SOURCE_ID
        )
    if index_id is None or ("dataSourceIds" in item and data_sources is None):
        return None
    return KendraTarget(index_id, data_sources, settings)


def _qbusiness_target(
    problems: Problems, path: str, item: Mapping[str, Any]
) -> QBusinessTarget | None:
    check_keys(
        problems, path, item, ("applicationId", "indexId", "dataSourceIds", *TARGET_SETTING_KEYS)
    )
    settings = _target_settings(problems, path, item)
    if "applicationId" not in item:
        problems.note(f"{path}.applicationId", "is required")
        return None
    application_id = id_value(
        problems, f"{path}.applicationId", item["applicationId"], QBUSINESS_APPLICATION_ID
    )
    index_id = None
    if "indexId" in item:
        index_id = id_value(problems, f"{path}.indexId", item["indexId"], QBUSINESS_INDEX_ID)
    data_sources = None
    if "dataSourceIds" in item:
        if "indexId" not in item:
            problems.note(
                f"{path}.dataSourceIds",
                "needs indexId: a Q Business data source belongs to one index of the application",
            )
            return None
        data_sources = id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], QBUSINESS_DATA_SOURCE_ID
        )
    # Every field was checked above, so all its problems are reported before giving up.
    if application_id is None or ("indexId" in item and index_id is None):
        return None
    if "dataSourceIds" in item and data_sources is None:
        return None
    return QBusinessTarget(application_id, index_id, data_sources, settings)


def _check_kendra_overlaps(problems: Problems, targets: list[tuple[int, KendraTarget]]) -> None:
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
    problems: Problems, targets: list[tuple[int, QBusinessTarget]]
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
