"""dataSourceKeys (DESIGN.md, the job table) and where the data source they name lives.

A key names the service as the contract does (`bedrock`, not botocore's `bedrock-agent`), then
the ids of the resources above the data source, outermost first, then its own. The simulator
parses keys itself rather than through the runtime's code: a fake that shared the code under
test could not catch its mistakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from devkit.simulator import bedrock_jobs
from devkit.simulator.models import ServiceName

_KEY_SERVICES: dict[str, ServiceName] = {
    "kendra": "kendra",
    "qbusiness": "qbusiness",
    "bedrock": "bedrock-agent",
}
# The kinds of resource above a data source, outermost first (also their made-up names' prefix).
LEVELS: dict[ServiceName, tuple[str, ...]] = {
    "kendra": ("index",),
    "qbusiness": ("app", "index"),
    "bedrock-agent": ("kb",),
}
_KEY_FORMS = (
    "'kendra#<indexId>#<dataSourceId>'",
    "'qbusiness#<applicationId>#<indexId>#<dataSourceId>'",
    "'bedrock#<knowledgeBaseId>#<dataSourceId>'",
)
# Services whose ids have the one form the API produces: resources with other ids are refused.
ID_CHECKS: dict[ServiceName, Callable[[str, str], str]] = {
    "bedrock-agent": bedrock_jobs.check_id,
}


@dataclass(frozen=True)
class Address:
    """Where a dataSourceKey's data source lives: the ids of its parents, then its own."""

    service: ServiceName
    parents: tuple[str, ...]
    data_source_id: str


@lru_cache(maxsize=1 << 16)
def parse_key(key: str) -> Address:
    """A dataSourceKey's parts (ValueError if malformed); cached, as the same keys recur."""
    prefix, *ids = key.split("#")
    service = _KEY_SERVICES.get(prefix)
    if service is None or len(ids) != len(LEVELS[service]) + 1 or not all(ids):
        raise ValueError(f"dataSourceKey {key!r} is not {' or '.join(_KEY_FORMS)}")
    check = ID_CHECKS.get(service)
    if check is not None:
        for kind, node_id in zip((*LEVELS[service], "ds"), ids, strict=True):
            check(node_id, f"dataSourceKey {key!r}: {kind} id")
    return Address(service, tuple(ids[:-1]), ids[-1])
