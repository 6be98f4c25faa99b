"""What every service's targets share: "all" or a list of entries, the per-target settings
(stuckAfterMinutes, expectSyncEveryHours, selfHealing) and the checks entries are made of.

A service's module says what its entry looks like (its ids and their forms); the settings and
their ranges are the same for all services, so one runtime policy reads them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

from infra.config_checks import IdForm, Problems, check_keys, id_list, id_value, int_in
from sync_auditor.policies import DEFAULT_BACKOFF_MINUTES, DEFAULT_MAX_RETRIES_PER_DAY

ALL: Final = "all"

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
# Settings a target entry may carry for the data sources it audits.
TARGET_SETTING_KEYS: Final = ("stuckAfterMinutes", "expectSyncEveryHours", "selfHealing")

T = TypeVar("T")


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


def target_list(
    problems: Problems,
    path: str,
    value: Any,
    parse_one: Callable[[Problems, str, Mapping[str, Any]], T | None],
    what: str,
) -> list[tuple[int, T]] | Literal["all"]:
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


def target_settings(problems: Problems, path: str, item: Mapping[str, Any]) -> TargetSettings:
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


@dataclass(frozen=True)
class ParentEntry:
    """An entry that names one parent and, optionally, some of its data sources."""

    parent_id: str
    data_source_ids: tuple[str, ...] | None
    settings: TargetSettings


def parent_entry(
    problems: Problems,
    path: str,
    item: Mapping[str, Any],
    parent_key: str,
    parent_form: IdForm,
    data_source_form: IdForm,
) -> ParentEntry | None:
    """`{<parent_key>: <id>, "dataSourceIds"?: [...], <settings>...}`, every field checked
    before giving up so that one synth reports all of an entry's problems."""
    check_keys(problems, path, item, (parent_key, "dataSourceIds", *TARGET_SETTING_KEYS))
    settings = target_settings(problems, path, item)
    if parent_key not in item:
        problems.note(f"{path}.{parent_key}", "is required")
        return None
    parent_id = id_value(problems, f"{path}.{parent_key}", item[parent_key], parent_form)
    data_sources = None
    if "dataSourceIds" in item:
        data_sources = id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], data_source_form
        )
    if parent_id is None or ("dataSourceIds" in item and data_sources is None):
        return None
    return ParentEntry(parent_id, data_sources, settings)


def check_duplicate_parents(
    problems: Problems, path: str, parent_key: str, noun: str, parents: list[tuple[int, str]]
) -> None:
    """Each parent at most once: two entries for one would audit its data sources twice."""
    seen: set[str] = set()
    for position, parent_id in parents:
        if parent_id in seen:
            problems.note(
                f"{path}[{position}].{parent_key}",
                f"duplicate {noun} {parent_id!r}: list each {noun} once "
                "(with all its dataSourceIds, or none to audit all)",
            )
        seen.add(parent_id)
