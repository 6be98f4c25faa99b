"""The watch settings of the syncAuditor context: stuck threshold, expected rhythm, recovery."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import ConfigError, load_config
from sync_auditor.model import DataSourceRef
from sync_auditor.policies import policy_for

ID36 = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"
APP = "1b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"


def config(**overrides: Any) -> dict[str, Any]:
    return {"kendra": [{"indexId": ID36}], **overrides}


def test_defaults() -> None:
    loaded = load_config(config())
    assert loaded.stuck_after_minutes == 360
    assert loaded.recovery_notices is True


def test_per_target_settings_reach_the_poller_and_apply_to_their_data_sources() -> None:
    loaded = load_config(
        {
            "stuckAfterMinutes": 120,
            "recoveryNotices": False,
            "kendra": [{"indexId": ID36, "stuckAfterMinutes": 30, "expectSyncEveryHours": 24}],
            "qbusiness": [{"applicationId": APP, "stuckAfterMinutes": 45}],
        }
    )
    targets = json.loads(loaded.targets_json())
    assert targets["kendra"] == [
        {"indexId": ID36, "stuckAfterMinutes": 30, "expectSyncEveryHours": 24}
    ]
    assert (loaded.stuck_after_minutes, loaded.recovery_notices) == (120, False)

    policy = policy_for(
        targets, DataSourceRef("qbusiness", ID36, ID36, application_id=APP), stuck_after_minutes=120
    )
    assert policy.stuck_after.total_seconds() == 45 * 60


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        (config(stuckAfterMinutes=0), "syncAuditor.stuckAfterMinutes", "from 5 to 10080"),
        (config(stuckAfterMinutes="6h"), "syncAuditor.stuckAfterMinutes", "from 5 to 10080"),
        (config(recoveryNotices="yes"), "syncAuditor.recoveryNotices", "true or false"),
        (
            {"kendra": [{"indexId": ID36, "stuckAfterMinutes": True}]},
            "syncAuditor.kendra[0].stuckAfterMinutes",
            "from 5 to 10080",
        ),
        (
            {"qbusiness": [{"applicationId": APP, "expectSyncEveryHours": 0}]},
            "syncAuditor.qbusiness[0].expectSyncEveryHours",
            "from 1 to 2160",
        ),
        (
            {"kendra": [{"indexId": ID36, "expectSyncEvery": 3}]},
            "syncAuditor.kendra[0].expectSyncEvery",
            "unknown key",
        ),
    ],
)
def test_bad_values_name_the_field_and_the_allowed_form(
    raw: dict[str, Any], field: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(raw)
    assert f"{field}:" in str(raised.value)
    assert expected in str(raised.value)
