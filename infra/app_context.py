"""Which stack to build and from which configuration: the app's own context keys, resolved.

Three sources can carry the syncAuditor configuration, and exactly one is used:
`-c syncAuditorFile=PATH` (a file outside the tracked cdk.json, e.g. one per environment),
else `-c syncAuditor='{...}'` (JSON on the command line, which the CDK CLI hands over as a
string), else the `syncAuditor` object in cdk.json. Both -c forms at once is an error: either
would silently discard the other. The stack name comes from `-c stackName=NAME`, default
SyncAuditor, so dev and prod deploy side by side as two stacks of one app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from infra.config import CONTEXT_KEY, ConfigError, SyncAuditorConfig, load_config
from infra.config_checks import show

STACK_NAME_KEY: Final = "stackName"
CONFIG_FILE_KEY: Final = "syncAuditorFile"
# The name every deployment before stackName had: keeping it keeps their tables and history.
DEFAULT_STACK_NAME: Final = "SyncAuditor"
# CloudFormation's own rule for a stack name.
STACK_NAME_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
STACK_NAME_MAX: Final = 128
CDK_JSON_SOURCE: Final = "cdk.json context"

ContextGetter = Callable[[str], Any]


class StackNameError(ConfigError):
    """The stackName context is invalid (a ConfigError, so app.py reports both alike)."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem], source=f"-c {STACK_NAME_KEY}")
        self.args = (f"invalid stack name (-c {STACK_NAME_KEY}):\n  - {problem}",)


@dataclass(frozen=True)
class AppContext:
    """The stack name and the validated configuration, with where the configuration came from."""

    stack_name: str
    config: SyncAuditorConfig
    source: str


def stack_name(value: Any) -> str:
    """The `stackName` context value, checked against CloudFormation's stack-name rule."""
    if value is None:
        return DEFAULT_STACK_NAME
    if (
        isinstance(value, str)
        and len(value) <= STACK_NAME_MAX
        and STACK_NAME_PATTERN.fullmatch(value)
    ):
        return value
    raise StackNameError(
        f"{STACK_NAME_KEY}: {show(value)} is not valid; expected a CloudFormation stack "
        f"name: a letter, then letters, digits and hyphens ([A-Za-z][A-Za-z0-9-]*), at "
        f"most {STACK_NAME_MAX} characters (e.g. -c {STACK_NAME_KEY}=sync-auditor-dev)"
    )


def config_object(data: Any) -> Any:
    """The syncAuditor value of a parsed file: a whole cdk.json (its context's key), an object
    holding the key, or the bare configuration object."""
    if isinstance(data, dict) and isinstance(data.get("context"), dict):
        return data["context"].get(CONTEXT_KEY)
    if isinstance(data, dict) and CONTEXT_KEY in data:
        return data[CONTEXT_KEY]
    return data


def _one_problem(source: str, message: str) -> ConfigError:
    return ConfigError([message], source=source)


def _from_file(value: Any, base: Path) -> tuple[Any, str]:
    if not isinstance(value, str) or not value.strip():
        raise _one_problem(
            f"-c {CONFIG_FILE_KEY}",
            f"{CONFIG_FILE_KEY}: {show(value)} is not valid; expected the path of a JSON file "
            f"(e.g. -c {CONFIG_FILE_KEY}=config/dev.json)",
        )
    path = base / value
    source = f"{value} ({CONFIG_FILE_KEY})"
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise _one_problem(
            source, f"{CONFIG_FILE_KEY}: no file {path} (a relative path is from {base})"
        ) from None
    except OSError as error:
        raise _one_problem(
            source, f"{CONFIG_FILE_KEY}: cannot read {path}: {error.strerror}"
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _one_problem(
            source,
            f"{CONFIG_FILE_KEY}: {path} is not JSON: {error.msg} (line {error.lineno}, "
            f"column {error.colno})",
        ) from None
    return config_object(data), source


def _from_json_text(text: str) -> tuple[Any, str]:
    source = f"-c {CONTEXT_KEY}"
    try:
        return json.loads(text), source
    except json.JSONDecodeError as error:
        raise _one_problem(
            source,
            f"{CONTEXT_KEY}: {show(text)} is not JSON: {error.msg} (column {error.colno}); "
            "quote the whole object for the shell: -c 'syncAuditor={\"lookbackDays\": 30}'",
        ) from None


def raw_config(get: ContextGetter, base: Path) -> tuple[Any, str]:
    """The unvalidated configuration and its source, by the precedence in the module docstring."""
    file_value, inline = get(CONFIG_FILE_KEY), get(CONTEXT_KEY)
    # cdk.json holds an object; a string can only be JSON given with -c.
    inline_is_text = isinstance(inline, str)
    if file_value is not None and inline_is_text:
        raise _one_problem(
            f"-c {CONFIG_FILE_KEY} and -c {CONTEXT_KEY}",
            f"{CONFIG_FILE_KEY} and {CONTEXT_KEY} are both given on the command line; "
            "expected one of them (the file, or the JSON)",
        )
    if file_value is not None:
        return _from_file(file_value, base)
    if inline_is_text:
        return _from_json_text(inline)
    return inline, CDK_JSON_SOURCE


def resolve(get: ContextGetter, base: Path) -> AppContext:
    """The app's context: raises ConfigError naming the source and every problem in it."""
    name = stack_name(get(STACK_NAME_KEY))
    raw, source = raw_config(get, base)
    try:
        config = load_config(raw)
    except ConfigError as error:
        raise ConfigError(error.problems, source=source) from None
    return AppContext(stack_name=name, config=config, source=source)
