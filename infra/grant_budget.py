"""The poller's grants on the audited services, as precise as IAM's policy size allows.

A listed data source's ARN costs its statement about 150 characters, and IAM allows a role
10,240 characters of inline policy (whitespace not counted): about 45 listed data sources fit
beside the poller's other statements. Past that, a service's grants name each entry's parent
and everything of the kind under it (an index's `data-source/*`), and when even those do not
fit, every such resource of the service in the account and region. The service whose grants
take the most room widens first, one step at a time, until the whole fits. The wildcard widens
what IAM allows, not what the poller does: it still reads (and restarts) only the data sources
the targets list.

Sizes are counted on ARNs as long as any deployment makes them (the longest partition and
region names), so what fits here fits wherever the stack is deployed. Grants on the same
resources become one statement (`statements`: a listed data source's sync-job read and its
name lookup share its ARN once); CDK may merge more (minimizePolicies), which only makes them
smaller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from infra.services.base import BREADTHS, ArnFactory, Breadth, Grant

if TYPE_CHECKING:
    from infra.config import SyncAuditorConfig

# IAM: the aggregate size of a role's inline policies.
IAM_INLINE_POLICY_CHARACTERS: Final = 10_240
# aws-cdk-lib moves statements into managed "overflow" policies when it estimates a role's
# inline policy above 10,000 characters (MAX_INLINE_SIZE), counting every ARN made with a token
# (ours all are: partition, region, account) as 150 (DEFAULT_ARN_SIZE_ESTIMATE). Staying under
# both counts keeps the poller's grants in its one inline policy, the one cdk-nag's
# acknowledgments are made for.
CDK_INLINE_POLICY_ESTIMATE: Final = 10_000
CDK_ARN_ESTIMATE: Final = 150
# The poller's other statements (its log group, the tables, their index and key, X-Ray), by
# the larger of the two counts with every name CloudFormation generates at its longest (table
# names of 255): about 2,400 (tests/infra/test_many_targets.py measures them against this).
OTHER_STATEMENTS_RESERVE: Final = 3_072
SERVICE_GRANTS_BUDGET: Final = (
    min(IAM_INLINE_POLICY_CHARACTERS, CDK_INLINE_POLICY_ESTIMATE) - OTHER_STATEMENTS_RESERVE
)

LONGEST_PARTITION: Final = "aws-us-gov"
LONGEST_REGION: Final = "us-isof-south-1"


def sizing_arn(service: str, resource: str) -> str:
    """An ARN as long as a deployment can make it (the account id is always 12 digits)."""
    return f"arn:{LONGEST_PARTITION}:{service}:{LONGEST_REGION}:123456789012:{resource}"


def statements(grants: Iterable[Grant]) -> list[tuple[list[str], tuple[str, ...]]]:
    """(actions, resources) of the statements the grants make: one per distinct set of
    resources, in the order the grants come."""
    merged: dict[tuple[str, ...], list[str]] = {}
    for grant in grants:
        actions = merged.setdefault(grant.resources, [])
        if grant.action not in actions:
            actions.append(grant.action)
    return [(actions, resources) for resources, actions in merged.items()]


def statement_size(actions: list[str], resources: tuple[str, ...]) -> int:
    """A statement by the larger of IAM's count (JSON without whitespace, each ARN as `arn`
    made it) and aws-cdk-lib's estimate (each ARN at least CDK_ARN_ESTIMATE)."""
    shell = {"Effect": "Allow", "Action": actions, "Resource": []}
    arns = sum(max(len(r), CDK_ARN_ESTIMATE) + 3 for r in resources)
    return len(json.dumps(shell, separators=(",", ":"))) + arns


def fitted_breadths(config: SyncAuditorConfig) -> dict[str, Breadth]:
    """Each audited service's breadth: the narrowest that keeps all grants within the budget."""
    breadths: dict[str, Breadth] = {service.key: "listed" for service in config.audited}
    while True:
        sizes = {
            service.key: sum(
                statement_size(actions, resources)
                for actions, resources in statements(
                    service.poller_grants(
                        config.targets_of(service), sizing_arn, breadths[service.key]
                    )
                )
            )
            for service in config.audited
        }
        widenable = [key for key in sizes if breadths[key] != BREADTHS[-1]]
        if sum(sizes.values()) <= SERVICE_GRANTS_BUDGET or not widenable:
            # Not widenable means every service is granted service-wide: a handful of ARNs.
            return breadths
        widest = max(widenable, key=lambda key: sizes[key])
        breadths[widest] = BREADTHS[BREADTHS.index(breadths[widest]) + 1]


def service_grants(config: SyncAuditorConfig, arn: ArnFactory) -> list[Grant]:
    """The audited services' grants, each service at its fitted breadth."""
    breadths = fitted_breadths(config)
    return [
        g
        for s in config.audited
        for g in s.poller_grants(config.targets_of(s), arn, breadths[s.key])
    ]


def widened_wildcards(config: SyncAuditorConfig, arn: ArnFactory) -> set[str]:
    """The wildcard resources only the fitting made: those the grants at breadth "listed" lack."""

    def wildcards(grants: list[Grant]) -> set[str]:
        return {r for g in grants for r in g.resources if "*" in r and r != "*"}

    listed = [g for s in config.audited for g in s.poller_grants(config.targets_of(s), arn)]
    return wildcards(service_grants(config, arn)) - wildcards(listed)


def widened_reason(resource: str) -> str:
    """Why a wildcard the fitting made is acceptable (cdk-nag's acknowledgment carries it)."""
    prefix = resource.split("*", 1)[0]
    return (
        "the configuration lists more data sources than the poller's role can name one by one "
        f"(IAM allows {IAM_INLINE_POLICY_CHARACTERS:,} characters of inline policy per role), "
        f"so this grant names what lies under {prefix} instead; the poller still reads and "
        "restarts only the data sources the configuration lists"
    )
