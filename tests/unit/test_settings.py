"""Environment variables become typed settings, or a clear error naming the variable."""

from __future__ import annotations

import pytest

from sync_auditor.settings import NotifierSettings, PollerSettings, SettingsError

POLLER_ENV = {"JOB_TABLE_NAME": "jobs", "STATE_TABLE_NAME": "state", "TARGETS": '{"kendra": "all"}'}


def test_poller_settings_with_defaults() -> None:
    settings = PollerSettings.from_env(POLLER_ENV)
    assert settings.targets == {"kendra": "all"}
    assert (settings.lookback_days, settings.retention_days, settings.max_parallel_calls) == (
        30,
        None,
        8,
    )
    assert settings.retry_mode == "standard"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TARGETS", "{not json", "TARGETS is not JSON"),
        ("TARGETS", '{"elastic": []}', "TARGETS must be"),
        ("LOOKBACK_DAYS", "ten", "LOOKBACK_DAYS='ten' is not a whole number"),
        ("MAX_PARALLEL_CALLS", "0", "MAX_PARALLEL_CALLS=0 must be at least 1"),
        ("RETRY_MODE", "legacy", "RETRY_MODE='legacy' must be 'standard' or 'adaptive'"),
        ("JOB_TABLE_NAME", "", "JOB_TABLE_NAME is required"),
    ],
)
def test_bad_poller_settings_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        PollerSettings.from_env({**POLLER_ENV, name: value})


def test_notifier_settings_parse_alert_statuses() -> None:
    env = {
        "ALERT_TOPIC_ARN": "arn:aws:sns:us-east-1:1:t",
        "STATE_TABLE_NAME": "s",
        "ALERT_STATUSES": "FAILED, ABORTED",
    }
    assert NotifierSettings.from_env(env).alert_statuses == {"FAILED", "ABORTED"}
    with pytest.raises(SettingsError, match="ALERT_STATUSES has \\['BROKEN'\\]"):
        NotifierSettings.from_env({**env, "ALERT_STATUSES": "BROKEN"})
