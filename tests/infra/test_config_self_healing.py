"""selfHealing on a target entry: every bad value fails with its path, the value and the allowed
form; the kept values reach the targets file and the runtime's retry rules."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from infra import config_targets as targets_cfg
from infra.config import load_config
from sync_auditor import policies, self_healing

from .config_support import base, problem_list, problem_paths, problems_of, with_value
from .conftest import healing_config

HEALING_FORM = (
    'an object {"maxRetriesPerDay": 1-24, "backoffMinutes": 1-720} '
    "(omit the key to leave self-healing off)"
)

# (field path, bad value, the start of the allowed form the message must state)
SELF_HEALING_BAD_VALUES: list[tuple[str, Any, str]] = [
    *(("syncAuditor.kendra[0].selfHealing", bad, HEALING_FORM)
      for bad in (True, False, None, 3, [], [{}], "on")),
    ("syncAuditor.qbusiness[1].selfHealing", True, HEALING_FORM),
    *(("syncAuditor.kendra[0].selfHealing.maxRetriesPerDay", bad, "a whole number from 1 to 24")
      for bad in (0, 25, -1, 2.5, 3.0, "3", True, None)),
    *(("syncAuditor.qbusiness[1].selfHealing.backoffMinutes", bad, "a whole number from 1 to 720")
      for bad in (0, 721, 15.0, "15", False, [15])),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "form"), SELF_HEALING_BAD_VALUES)
def test_a_bad_self_healing_value_names_its_field_the_value_and_the_allowed_form(
    path: str, value: Any, form: str
) -> None:
    # Given the healing configuration with one self-healing value spoiled
    config = with_value(healing_config(), path, value)

    # When it is loaded
    (problem,) = problem_list(config)

    # Then that is the one problem, with its path, the value and the allowed form
    assert problem.startswith(f"{path}: {json.dumps(value)} is not valid; expected {form}")


@pytest.mark.parametrize(
    "path",
    [
        "syncAuditor.kendra[0].selfHealing.maxRetries",
        "syncAuditor.qbusiness[1].selfHealing.enabled",
    ],
)
def test_an_unknown_self_healing_key_fails_with_its_path(path: str) -> None:
    assert problem_list(with_value(healing_config(), path, 3)) == [
        f"{path}: unknown key; allowed keys are maxRetriesPerDay, backoffMinutes"
    ]


def test_self_healing_is_a_target_setting_not_a_global_one() -> None:
    message = problems_of(with_value(base(), "syncAuditor.selfHealing", {}))

    assert "syncAuditor.selfHealing: unknown key; allowed keys are schedule" in message


def test_an_empty_self_healing_object_takes_the_runtimes_defaults() -> None:
    # Given selfHealing: {} on kendra[0]
    config = load_config(healing_config())

    # Then the entry retries with the defaults the runtime would assume (3 a day, 15 minutes)
    assert isinstance(config.kendra, tuple)
    healing = config.kendra[0].settings.self_healing
    assert healing == targets_cfg.SelfHealingSettings(max_retries_per_day=3, backoff_minutes=15)
    assert (healing.max_retries_per_day, healing.backoff_minutes) == (
        policies.DEFAULT_MAX_RETRIES_PER_DAY,
        policies.DEFAULT_BACKOFF_MINUTES,
    )
    assert config.kendra[1].settings.self_healing is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"maxRetriesPerDay": 1, "backoffMinutes": 1}, (1, 1)),
        ({"maxRetriesPerDay": 24, "backoffMinutes": 720}, (24, 720)),
        ({"backoffMinutes": 60}, (3, 60)),
        ({"maxRetriesPerDay": 2}, (2, 15)),
    ],
)
def test_self_healing_values_in_range_are_kept_and_the_omitted_one_defaults(
    value: dict[str, int], expected: tuple[int, int]
) -> None:
    config = load_config(
        with_value(healing_config(), "syncAuditor.qbusiness[1].selfHealing", value)
    )

    assert isinstance(config.qbusiness, tuple)
    assert config.qbusiness[1].settings.self_healing == targets_cfg.SelfHealingSettings(*expected)


def test_every_self_healing_problem_is_reported_at_once() -> None:
    # Given three bad self-healing values and a bad id in kendra[0], a non-object in
    # qbusiness[1] and one bad global field
    config = with_value(
        healing_config(),
        "syncAuditor.kendra[0].selfHealing",
        {"maxRetriesPerDay": 0, "backoffMinutes": "15", "foo": 1},
    )
    config = with_value(config, "syncAuditor.kendra[0].indexId", "idx")
    config = with_value(config, "syncAuditor.qbusiness[1].selfHealing", True)
    config = with_value(config, "syncAuditor.lookbackDays", 0)

    assert problem_paths(config) == [
        "syncAuditor.kendra[0].selfHealing.foo",
        "syncAuditor.kendra[0].selfHealing.maxRetriesPerDay",
        "syncAuditor.kendra[0].selfHealing.backoffMinutes",
        "syncAuditor.kendra[0].indexId",
        "syncAuditor.qbusiness[1].selfHealing",
        "syncAuditor.lookbackDays",
    ]


def test_targets_json_spells_out_self_healing_only_where_it_is_set() -> None:
    # Given self-healing with defaults on kendra[0] and explicit values on qbusiness[1]
    raw = healing_config()

    # When the poller's TARGETS is made
    targets = json.loads(load_config(raw).targets_json())

    # Then both values are written out where it is on, and the key is absent elsewhere
    assert targets["kendra"][0]["selfHealing"] == {"maxRetriesPerDay": 3, "backoffMinutes": 15}
    assert targets["qbusiness"][1]["selfHealing"] == {"maxRetriesPerDay": 5, "backoffMinutes": 30}
    assert "selfHealing" not in targets["kendra"][1]
    assert "selfHealing" not in targets["qbusiness"][0]
    # And TARGETS is itself a valid configuration that means the same
    assert load_config(base() | targets) == load_config(raw)


@pytest.mark.parametrize(
    ("raw", "enabled"),
    [
        (base(), False),
        ({"kendra": "all", "qbusiness": "all"}, False),
        (healing_config(), True),
        (with_value(base(), "syncAuditor.qbusiness[0].selfHealing", {}), True),
        (with_value(base(), "syncAuditor.kendra[1].selfHealing", {}), True),
    ],
    ids=["example", "all", "both", "one-qbusiness-entry", "one-kendra-entry"],
)
def test_self_healing_is_enabled_when_any_entry_sets_it(raw: dict[str, Any], enabled: bool) -> None:
    assert load_config(raw).self_healing_enabled is enabled


def test_the_longest_backoff_leaves_a_second_retry_inside_the_retry_window() -> None:
    longest = timedelta(minutes=targets_cfg.BACKOFF_MINUTES_RANGE[1])

    # The second retry of a day waits twice the backoff after its failure
    assert 2 * longest <= self_healing.RETRY_WINDOW
