"""The registry of audited services. A service is one package that declares everything the
auditor needs of it (services/spec.py); the poller, notifier, CLI and simulator iterate this."""

from __future__ import annotations

from sync_auditor.services import bedrock, kendra, qbusiness
from sync_auditor.services.spec import ServiceSpec

REGISTRY: dict[str, ServiceSpec] = {
    spec.name: spec for spec in (kendra.SPEC, qbusiness.SPEC, bedrock.SPEC)
}
SERVICES: tuple[str, ...] = tuple(REGISTRY)


def spec_of(service: str) -> ServiceSpec:
    """The spec of a registered service; KeyError names the ones there are."""
    try:
        return REGISTRY[service]
    except KeyError:
        raise KeyError(f"service {service!r} is not one of {', '.join(SERVICES)}") from None
