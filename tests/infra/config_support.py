"""What the configuration tests share: the shipped example, one field changed, the message."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

import app as cdk_app
from infra.config import ConfigError, load_config

MISSING = object()
ID36 = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"


def base() -> dict[str, Any]:
    """A valid configuration that exercises every key (the one shipped in cdk.json)."""
    config: dict[str, Any] = copy.deepcopy(cdk_app.cdk_json_context()["syncAuditor"])
    return config


def with_value(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `config` with the field at `path` (as in the error message) set or removed."""
    config = copy.deepcopy(config)
    tokens = [int(t) if t.isdigit() else t for t in re.findall(r"[^.\[\]]+", path)][1:]
    parent: Any = config
    for token in tokens[:-1]:
        parent = parent[token]
    if value is MISSING:
        del parent[tokens[-1]]
    elif isinstance(parent, list) and tokens[-1] == len(parent):
        parent.append(value)
    else:
        parent[tokens[-1]] = value
    return config


def problems_of(config: Any) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    return str(raised.value)


def problem_list(config: Any) -> list[str]:
    """Every problem load_config finds in `config`, one string each (it must find some)."""
    problems: list[str] = pytest.raises(ConfigError, load_config, config).value.problems
    return problems


def problem_paths(config: Any) -> list[str]:
    """The field path each problem names, in the order they are reported."""
    return [problem.split(": ")[0] for problem in problem_list(config)]
