"""What a service declares on the infra side: the one place the stack learns how services differ.

config.py, poller.py, notifier.py and nag.py iterate the registry (infra/services/__init__.py)
and read each service's declaration, the alarms and the dashboard iterate the audited services
(config.services); none of them names a service.
A declaration is plain data and functions, with no CDK import: the CLI loads the configuration
through config.py without starting jsii.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from infra.config_checks import Problems

# What a service's part of the configuration parses to: its target entries, or "all".
Targets = tuple[Any, ...] | Literal["all"]
# (IAM service prefix, resource) -> ARN. The stack passes one built on its own partition,
# region and account (pseudo parameters); cdk-nag's notation is another.
ArnFactory = Callable[[str, str], str]

# How precisely the poller's grants name what the targets list. "listed": each listed data
# source's own ARN; "parent": each entry's parent (index, application, knowledge base) and
# everything of that kind under it; "service": every such resource of the service in the
# account and region. The stack takes the narrowest that fits IAM's policy size
# (infra/grant_budget.py); the runtime still reads only what the targets list.
Breadth = Literal["listed", "parent", "service"]
BREADTHS: Final[tuple[Breadth, ...]] = ("listed", "parent", "service")


class PollerGrants(Protocol):
    def __call__(
        self, targets: Targets, arn: ArnFactory, breadth: Breadth = "listed"
    ) -> list[Grant]: ...


@dataclass(frozen=True)
class Grant:
    """One action on the resources it needs, as an IAM statement will carry it.

    A grant on "*" exists only for an action that supports no resource type, and says so in
    `star_reason`: cdk-nag's acknowledgment of the role's "*" is made of these reasons.
    """

    action: str
    resources: tuple[str, ...]
    star_reason: str | None = None

    def __post_init__(self) -> None:
        if "*" in self.resources and not self.star_reason:
            raise ValueError(f"{self.action} on '*' needs a star_reason")


def grant(action: str, resources: Sequence[str], star_reason: str | None = None) -> Grant:
    """A grant on the resources in order, each once (several entries can name the same ARN)."""
    return Grant(action, tuple(dict.fromkeys(resources)), star_reason)


def no_log_groups(targets: Targets) -> list[str]:
    return []


@dataclass(frozen=True)
class InfraService:
    """A service as the stack sees it."""

    # The syncAuditor key, the TARGETS key, the metric dimension value Service=<key>.
    key: str
    title: str  # "Amazon Kendra": the stack's description
    short_title: str  # "Kendra": the poller's description and a message or two
    # The syncAuditor value at `path`, validated (problems reported with their path).
    parse: Callable[[Problems, str, Any], Targets]
    # What the poller may call for these targets, on the ARNs the factory makes, as precisely
    # as the breadth says.
    poller_grants: PollerGrants
    # The log groups the notifier reads failure reasons from, as FilterLogEvents authorizes
    # them (log-group:<name>:*, or the service's prefix for "all"); none for a service whose
    # reasons come from its API.
    log_groups: Callable[[Targets], list[str]] = no_log_groups
    # TARGETS carries this key even when nothing of the service is audited (an empty list), as
    # it has since the first release. A later service's key appears only when it is configured:
    # a deployment without it then needs no runtime that knows it.
    always_in_targets: bool = False

    def targets_json(self, targets: Targets) -> Any:
        """This service's part of TARGETS: the shape of the configuration, defaults spelled out."""
        return targets if isinstance(targets, str) else [t.to_json() for t in targets]
