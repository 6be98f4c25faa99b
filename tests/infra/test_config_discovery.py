"""discoveryRefreshMinutes: validated at synth, 60 by default, and sent to the poller, whose
settings read it (the runtime's own default, 0, is no cache)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import ConfigError, load_config
from sync_auditor.settings import PollerSettings, SettingsError

from .config_support import base, with_value
from .conftest import Synth
from .test_stack import environment_of, poller_as_deployed

PATH = "syncAuditor.discoveryRefreshMinutes"


@pytest.mark.parametrize("value", [4, 1441, 0, "60", 60.5, True, None])
def test_a_bad_refresh_interval_names_the_field_the_value_and_the_range(value: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(with_value(base(), PATH, value))
    message = str(raised.value)
    assert f"{PATH}: {json.dumps(value)}" in message
    assert "a whole number from 5 to 1440" in message


@pytest.mark.parametrize("value", [5, 90, 1440])
def test_a_refresh_interval_in_range_is_taken(value: int) -> None:
    assert load_config(with_value(base(), PATH, value)).discovery_refresh_minutes == value


def test_the_default_is_an_hour() -> None:
    config = base()
    config.pop("discoveryRefreshMinutes", None)
    assert load_config(config).discovery_refresh_minutes == 60


def test_the_poller_is_sent_the_interval_and_its_settings_read_it(example: Synth) -> None:
    assert environment_of(example, example.stack.poller.function)[
        "DISCOVERY_REFRESH_MINUTES"
    ] == str(example.config.discovery_refresh_minutes)
    settings = PollerSettings.from_env(poller_as_deployed(example))
    assert settings.discovery_refresh_minutes == example.config.discovery_refresh_minutes > 0


def test_the_runtime_lists_every_tick_unless_told_and_refuses_a_bad_value() -> None:
    env = {"JOB_TABLE_NAME": "j", "STATE_TABLE_NAME": "s", "TARGETS": '{"kendra": "all"}'}
    assert PollerSettings.from_env(env).discovery_refresh_minutes == 0
    with pytest.raises(SettingsError, match="DISCOVERY_REFRESH_MINUTES='hourly'"):
        PollerSettings.from_env(env | {"DISCOVERY_REFRESH_MINUTES": "hourly"})
