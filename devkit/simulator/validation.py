"""Checks a request against its operation's input shape, as the real services do server-side.

botocore validates only required members, types and minimums on the client, and not at all
with `parameter_validation=False`; the services also enforce maximums, patterns and enums.
Messages follow the services' "N validation error(s) detected: Value ... at '<member>' failed
to satisfy constraint: ..." form, naming members as the model spells them.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel, Shape

from devkit.simulator.errors import validation_error
from devkit.simulator.patterns import full_match

_NUMBER_TYPES = ("integer", "long", "float", "double")


def check_request(operation: OperationModel, params: dict[str, Any]) -> None:
    """Raise ValidationException naming every member of `params` that breaks the model."""
    problems: list[tuple[str, str]] = []
    _check(operation.input_shape, params, "", problems)
    if problems:
        count = len(problems)
        detail = "; ".join(problem for _, problem in problems)
        plural = "error" if count == 1 else "errors"
        raise validation_error(f"{count} validation {plural} detected: {detail}", problems)


def _check(shape: Shape, value: Any, path: str, problems: list[tuple[str, str]]) -> None:
    type_name = shape.type_name
    if not _has_type(type_name, value):
        problems.append(
            (
                path,
                f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must be of type {type_name}",
            )
        )
        return
    if type_name == "structure":
        _check_structure(shape, value, path, problems)
        return
    constraint = _constraint_broken(shape, value)
    if constraint:
        problems.append(
            (path, f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: {constraint}")
        )
    if type_name == "list":
        for position, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{position}.member", problems)
    elif type_name == "map":
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", problems)
            _check(shape.value, item, f"{path}.{key}.value", problems)


def _check_structure(
    shape: Shape, value: dict[str, Any], path: str, problems: list[tuple[str, str]]
) -> None:
    prefix = f"{path}." if path else ""
    for name in shape.required_members:
        if value.get(name) is None:
            problems.append(
                (
                    f"{prefix}{name}",
                    f"Value null at '{prefix}{name}' failed to satisfy constraint: "
                    "Member must not be null",
                )
            )
    # Unknown members are ignored, as the services ignore them.
    for name, member in shape.members.items():
        if value.get(name) is not None:
            _check(member, value[name], f"{prefix}{name}", problems)


def _has_type(type_name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return type_name == "boolean"
    if type_name in ("string", "blob"):
        return isinstance(value, str)
    if type_name in ("integer", "long"):
        return isinstance(value, int)
    if type_name in ("float", "double", "timestamp"):
        # Protocol modules turn timestamps into epoch seconds before validation.
        return isinstance(value, int | float)
    if type_name in ("structure", "map"):
        return isinstance(value, dict)
    if type_name == "list":
        return isinstance(value, list)
    return False


def _constraint_broken(shape: Shape, value: Any) -> str | None:
    """The first constraint of `shape` that `value` breaks, in the services' wording."""
    rules = shape.metadata
    if shape.type_name in _NUMBER_TYPES:
        if "min" in rules and value < rules["min"]:
            return f"Member must have value greater than or equal to {rules['min']}"
        if "max" in rules and value > rules["max"]:
            return f"Member must have value less than or equal to {rules['max']}"
        return None
    if shape.type_name not in ("string", "list", "map", "blob"):
        return None
    if "min" in rules and len(value) < rules["min"]:
        return f"Member must have length greater than or equal to {rules['min']}"
    if "max" in rules and len(value) > rules["max"]:
        return f"Member must have length less than or equal to {rules['max']}"
    if shape.type_name != "string":
        return None
    if "pattern" in rules and not full_match(rules["pattern"], value):
        return f"Member must satisfy regular expression pattern: {rules['pattern']}"
    if "enum" in rules and value not in rules["enum"]:
        return f"Member must satisfy enum value set: [{', '.join(rules['enum'])}]"
    return None


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 100 else text[:100] + "..."
