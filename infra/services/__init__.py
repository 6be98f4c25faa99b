"""The services the stack knows, in one list: adding a service adds a module and a line here.

The order is the order of the configuration's keys, of TARGETS, of the IAM statements, of the
alarms and of the dashboard's columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from infra.services import bedrock, kendra, qbusiness
from infra.services.base import InfraService

REGISTRY: Final[tuple[InfraService, ...]] = (
    kendra.SERVICE,
    qbusiness.SERVICE,
    bedrock.SERVICE,
)
SERVICE_KEYS: Final = tuple(service.key for service in REGISTRY)


def in_words(items: Sequence[str], conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
