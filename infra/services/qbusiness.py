"""Amazon Q Business on the infra side: application entries (optionally one index, optionally
some of its data sources), what the poller may call, where job logs are.

The id forms are botocore's model's own (tests/infra checks they still are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from infra.config_checks import CONTEXT_KEY, IdForm, Problems, check_keys, id_list, id_value
from infra.services.base import ArnFactory, Breadth, Grant, InfraService, Targets, grant
from infra.services.targets import (
    ALL,
    TARGET_SETTING_KEYS,
    TargetSettings,
    target_list,
    target_settings,
)

KEY: Final = "qbusiness"
_UUID = "0b1c2d3e-4f50-4a61-8b72-9c83d4e5f607"
# qbusiness ListDataSourceSyncJobs: applicationId, indexId, dataSourceId.
QBUSINESS_APPLICATION_ID: Final = IdForm(
    "Q Business application id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)
QBUSINESS_INDEX_ID: Final = IdForm(
    "Q Business index id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)
QBUSINESS_DATA_SOURCE_ID: Final = IdForm(
    "Q Business data source id", "[a-zA-Z0-9][a-zA-Z0-9-]{35}", 36, 36, _UUID
)


@dataclass(frozen=True)
class QBusinessTarget:
    application_id: str
    # None: every index of the application (then data_source_ids is None too).
    index_id: str | None = None
    data_source_ids: tuple[str, ...] | None = None
    settings: TargetSettings = field(default_factory=TargetSettings)

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"applicationId": self.application_id}
        if self.index_id is not None:
            value["indexId"] = self.index_id
        if self.data_source_ids is not None:
            value["dataSourceIds"] = list(self.data_source_ids)
        return value | self.settings.to_json()


def _target(problems: Problems, path: str, item: Mapping[str, Any]) -> QBusinessTarget | None:
    check_keys(
        problems, path, item, ("applicationId", "indexId", "dataSourceIds", *TARGET_SETTING_KEYS)
    )
    settings = target_settings(problems, path, item)
    if "applicationId" not in item:
        problems.note(f"{path}.applicationId", "is required")
        return None
    application_id = id_value(
        problems, f"{path}.applicationId", item["applicationId"], QBUSINESS_APPLICATION_ID
    )
    index_id = None
    if "indexId" in item:
        index_id = id_value(problems, f"{path}.indexId", item["indexId"], QBUSINESS_INDEX_ID)
    data_sources = None
    if "dataSourceIds" in item:
        if "indexId" not in item:
            problems.note(
                f"{path}.dataSourceIds",
                "needs indexId: a Q Business data source belongs to one index of the application",
            )
            return None
        data_sources = id_list(
            problems, f"{path}.dataSourceIds", item["dataSourceIds"], QBUSINESS_DATA_SOURCE_ID
        )
    # Every field was checked above, so all its problems are reported before giving up.
    if application_id is None or ("indexId" in item and index_id is None):
        return None
    if "dataSourceIds" in item and data_sources is None:
        return None
    return QBusinessTarget(application_id, index_id, data_sources, settings)


def parse(
    problems: Problems, path: str, value: Any
) -> tuple[QBusinessTarget, ...] | Literal["all"]:
    """The `qbusiness` value: "all", or the valid entries (overlaps reported)."""
    parsed = target_list(problems, path, value, _target, "Q Business application")
    if parsed == ALL:
        return ALL
    _check_overlaps(problems, parsed)
    return tuple(target for _, target in parsed)


def _check_overlaps(problems: Problems, targets: list[tuple[int, QBusinessTarget]]) -> None:
    whole_apps = {t.application_id for _, t in targets if t.index_id is None}
    seen: set[tuple[str, str | None]] = set()
    for position, target in targets:
        key = (target.application_id, target.index_id)
        path = f"{CONTEXT_KEY}.{KEY}[{position}]"
        if key in seen:
            problems.note(
                path,
                f"duplicate entry for application {target.application_id!r}"
                + (f" index {target.index_id!r}" if target.index_id else "")
                + ": list each application/index once",
            )
        elif target.index_id is not None and target.application_id in whole_apps:
            problems.note(
                path,
                f"application {target.application_id!r} is also listed without indexId, which "
                "already audits all its indices: keep one of the two entries",
            )
        seen.add(key)


def _data_sources(target: QBusinessTarget, arn: ArnFactory, breadth: Breadth) -> list[str]:
    """The application, index(es) and data sources a Q Business entry audits: the resources of
    the sync job calls (all three are required resource types of List- and
    StartDataSourceSyncJob)."""
    whole = breadth == "service"
    app = arn("qbusiness", "application/*" if whole else f"application/{target.application_id}")
    if target.index_id is None or whole:
        return [app, f"{app}/index/*", f"{app}/index/*/data-source/*"]
    index = f"{app}/index/{target.index_id}"
    if target.data_source_ids is None or breadth != "listed":
        return [app, index, f"{index}/data-source/*"]
    return [app, index, *(f"{index}/data-source/{ds}" for ds in target.data_source_ids)]


def poller_grants(targets: Targets, arn: ArnFactory, breadth: Breadth = "listed") -> list[Grant]:
    """The Q Business calls the targets need, on the ARNs they name (as precisely as `breadth`).

    ListDataSourceSyncJobs requires application, index and data source; ListDataSources the
    application and index; ListIndices the application; ListApplications no resource ("*").
    GetDataSource (application, index and data source, as the list call) names the data
    sources an entry lists by id, once each (lambdas/sync_auditor/source_names.py).
    StartDataSourceSyncJob (self-healing) only for the entries that enable it.
    """
    sync_jobs: list[str] = []
    list_data_sources: list[str] = []
    list_indices: list[str] = []
    start_sync: list[str] = []
    get_data_source: list[str] = []
    if isinstance(targets, str):
        apps = arn("qbusiness", "application/*")
        list_indices.append(apps)
        list_data_sources += [apps, f"{apps}/index/*"]
        sync_jobs += [apps, f"{apps}/index/*", f"{apps}/index/*/data-source/*"]
    else:
        for target in targets:
            resources = _data_sources(target, arn, breadth)
            sync_jobs += resources
            if target.data_source_ids is None:
                # The application and the index(es) whose data sources are discovered.
                list_data_sources += resources[:2]
            else:
                get_data_source += resources
            if target.index_id is None:
                list_indices.append(resources[0])
            if target.settings.self_healing is not None:
                start_sync += resources
    grants = []
    if sync_jobs:
        grants.append(grant("qbusiness:ListDataSourceSyncJobs", sync_jobs))
    if list_data_sources:
        grants.append(grant("qbusiness:ListDataSources", list_data_sources))
    if list_indices:
        grants.append(grant("qbusiness:ListIndices", list_indices))
    if get_data_source:
        grants.append(grant("qbusiness:GetDataSource", get_data_source))
    if targets == ALL:
        reason = 'qbusiness:ListApplications (qbusiness is "all") supports no resource type'
        grants.append(grant("qbusiness:ListApplications", ["*"], reason))
    if start_sync:
        grants.append(grant("qbusiness:StartDataSourceSyncJob", start_sync))
    return grants


def log_groups(targets: Targets) -> list[str]:
    """An application logs to /aws/qbusiness/<applicationId>; "all": the service's prefix."""
    if targets == ALL:
        return ["/aws/qbusiness/*"]
    return [f"/aws/qbusiness/{target.application_id}:*" for target in targets]


SERVICE: Final = InfraService(
    key=KEY,
    title="Amazon Q Business",
    short_title="Q Business",
    parse=parse,
    poller_grants=poller_grants,
    log_groups=log_groups,
    always_in_targets=True,
)
