"""Amazon Kendra on the infra side: index entries, what the poller may call, where job logs are.

The id forms are botocore's model's own (tests/infra checks they still are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from infra.config_checks import CONTEXT_KEY, IdForm, Problems
from infra.services.base import ArnFactory, Breadth, Grant, InfraService, Targets, grant
from infra.services.targets import (
    ALL,
    TargetSettings,
    check_duplicate_parents,
    parent_entry,
    target_list,
)

KEY: Final = "kendra"
_UUID = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"
# kendra ListDataSourceSyncJobs: IndexId, Id.
KENDRA_INDEX_ID: Final = IdForm("Kendra index id", "[a-zA-Z0-9][a-zA-Z0-9-]*", 36, 36, _UUID)
KENDRA_DATA_SOURCE_ID: Final = IdForm(
    "Kendra data source id", "[a-zA-Z0-9][a-zA-Z0-9_-]*", 1, 100, _UUID
)


@dataclass(frozen=True)
class KendraTarget:
    index_id: str
    # None: every data source of the index, discovered at poll time.
    data_source_ids: tuple[str, ...] | None = None
    settings: TargetSettings = field(default_factory=TargetSettings)

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"indexId": self.index_id}
        if self.data_source_ids is not None:
            value["dataSourceIds"] = list(self.data_source_ids)
        return value | self.settings.to_json()


def _target(problems: Problems, path: str, item: Mapping[str, Any]) -> KendraTarget | None:
    entry = parent_entry(problems, path, item, "indexId", KENDRA_INDEX_ID, KENDRA_DATA_SOURCE_ID)
    if entry is None:
        return None
    return KendraTarget(entry.parent_id, entry.data_source_ids, entry.settings)


def parse(problems: Problems, path: str, value: Any) -> tuple[KendraTarget, ...] | Literal["all"]:
    """The `kendra` value: "all", or the valid entries (overlaps reported)."""
    parsed = target_list(problems, path, value, _target, "Kendra index")
    if parsed == ALL:
        return ALL
    check_duplicate_parents(
        problems,
        f"{CONTEXT_KEY}.{KEY}",
        "indexId",
        "index",
        [(position, target.index_id) for position, target in parsed],
    )
    return tuple(target for _, target in parsed)


def _data_sources(target: KendraTarget, arn: ArnFactory, breadth: Breadth) -> list[str]:
    """The index and the data sources a Kendra entry audits: the resources of the sync job
    calls (both are required resource types of List- and StartDataSourceSyncJob)."""
    index = arn("kendra", "index/*" if breadth == "service" else f"index/{target.index_id}")
    if target.data_source_ids is None or breadth != "listed":
        return [index, f"{index}/data-source/*"]
    return [index, *(f"{index}/data-source/{ds}" for ds in target.data_source_ids)]


def poller_grants(targets: Targets, arn: ArnFactory, breadth: Breadth = "listed") -> list[Grant]:
    """The Kendra calls the targets need, on the ARNs they name (as precisely as `breadth`).

    ListDataSourceSyncJobs requires the index and the data source; ListDataSources the index;
    ListIndices supports no resource type, so it gets "*" and only for "all".
    DescribeDataSource (the index and the data source, as the list call) names the data sources
    an entry lists by id, once each (lambdas/sync_auditor/source_names.py).
    StartDataSourceSyncJob (self-healing) only for the entries that enable it.
    """
    sync_jobs: list[str] = []
    list_data_sources: list[str] = []
    start_sync: list[str] = []
    describe: list[str] = []
    # A string is "all" (parse admits no other), which cannot enable self-healing.
    if isinstance(targets, str):
        list_data_sources.append(arn("kendra", "index/*"))
        sync_jobs += [arn("kendra", "index/*"), arn("kendra", "index/*/data-source/*")]
    else:
        for target in targets:
            resources = _data_sources(target, arn, breadth)
            sync_jobs += resources
            if target.data_source_ids is None:
                list_data_sources.append(resources[0])
            else:
                describe += resources
            if target.settings.self_healing is not None:
                start_sync += resources
    grants = []
    if sync_jobs:
        grants.append(grant("kendra:ListDataSourceSyncJobs", sync_jobs))
    if list_data_sources:
        grants.append(grant("kendra:ListDataSources", list_data_sources))
    if describe:
        grants.append(grant("kendra:DescribeDataSource", describe))
    if targets == ALL:
        reason = 'kendra:ListIndices (kendra is "all") supports no resource type'
        grants.append(grant("kendra:ListIndices", ["*"], reason))
    if start_sync:
        grants.append(grant("kendra:StartDataSourceSyncJob", start_sync))
    return grants


def log_groups(targets: Targets) -> list[str]:
    """An index logs to /aws/kendra/<indexId>; "all" names no ids at synth: the prefix."""
    if targets == ALL:
        return ["/aws/kendra/*"]
    return [f"/aws/kendra/{target.index_id}:*" for target in targets]


SERVICE: Final = InfraService(
    key=KEY,
    title="Amazon Kendra",
    short_title="Kendra",
    parse=parse,
    poller_grants=poller_grants,
    log_groups=log_groups,
    always_in_targets=True,
)
