"""Amazon Bedrock Knowledge Bases on the infra side: knowledge base entries and what the poller
may call for their ingestion jobs.

The id form is botocore's model's own (bedrock-agent 2023-06-05: knowledgeBaseId and
dataSourceId are `Id`, pattern [0-9a-zA-Z]{10}; tests/infra checks it still is).
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

KEY: Final = "bedrock"
# The model states no min/max for Id: the pattern's {10} is the length.
BEDROCK_KNOWLEDGE_BASE_ID: Final = IdForm(
    "Bedrock knowledge base id", "[0-9a-zA-Z]{10}", 10, 10, "KB12AB34CD"
)
BEDROCK_DATA_SOURCE_ID: Final = IdForm(
    "Bedrock data source id", "[0-9a-zA-Z]{10}", 10, 10, "DS56EF78GH"
)


@dataclass(frozen=True)
class BedrockTarget:
    knowledge_base_id: str
    # None: every data source of the knowledge base, discovered at poll time.
    data_source_ids: tuple[str, ...] | None = None
    settings: TargetSettings = field(default_factory=TargetSettings)

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"knowledgeBaseId": self.knowledge_base_id}
        if self.data_source_ids is not None:
            value["dataSourceIds"] = list(self.data_source_ids)
        return value | self.settings.to_json()


def _target(problems: Problems, path: str, item: Mapping[str, Any]) -> BedrockTarget | None:
    entry = parent_entry(
        problems, path, item, "knowledgeBaseId", BEDROCK_KNOWLEDGE_BASE_ID, BEDROCK_DATA_SOURCE_ID
    )
    if entry is None:
        return None
    return BedrockTarget(entry.parent_id, entry.data_source_ids, entry.settings)


def parse(problems: Problems, path: str, value: Any) -> tuple[BedrockTarget, ...] | Literal["all"]:
    """The `bedrock` value: "all", or the valid entries (a knowledge base listed twice reported)."""
    parsed = target_list(problems, path, value, _target, "Bedrock knowledge base")
    if parsed == ALL:
        return ALL
    check_duplicate_parents(
        problems,
        f"{CONTEXT_KEY}.{KEY}",
        "knowledgeBaseId",
        "knowledge base",
        [(position, target.knowledge_base_id) for position, target in parsed],
    )
    return tuple(target for _, target in parsed)


def poller_grants(targets: Targets, arn: ArnFactory, breadth: Breadth = "listed") -> list[Grant]:
    """The Bedrock calls the targets need, on the knowledge bases they name (every knowledge
    base of the account and region at breadth "service"; "parent" is "listed" here).

    The Service Authorization Reference (Amazon Bedrock, service prefix bedrock) gives
    ListIngestionJobs (List), GetIngestionJob (Read), StartIngestionJob (Write) and
    ListDataSources (List) one resource type, knowledge-base* (required), with condition key
    aws:ResourceTag/${TagKey}; ListKnowledgeBases (List) none, so it gets "*" and only for
    "all". Bedrock defines no data-source or ingestion-job resource type: a grant cannot be
    narrower than the knowledge base, and an entry's dataSourceIds narrow what the poller reads
    (and restarts), not what IAM allows. GetIngestionJob is the only call that carries a job's
    failureReasons (the list call does not): the poller reads it for jobs that end FAILED or
    COMPLETE with failed documents. StartIngestionJob (self-healing) only for the entries that
    enable it. GetDataSource (Read, knowledge-base* as well) names the data sources an entry
    lists by id, once each (lambdas/sync_auditor/source_names.py); where data sources are
    discovered, ListDataSources gives their names.
    """
    if targets == ALL:
        every_base = [arn("bedrock", "knowledge-base/*")]
        return [
            grant("bedrock:ListIngestionJobs", every_base),
            grant("bedrock:GetIngestionJob", every_base),
            grant("bedrock:ListDataSources", every_base),
            grant(
                "bedrock:ListKnowledgeBases",
                ["*"],
                'bedrock:ListKnowledgeBases (bedrock is "all") supports no resource type',
            ),
        ]
    audited: list[str] = []
    list_data_sources: list[str] = []
    start: list[str] = []
    get_data_source: list[str] = []
    for target in targets:
        name = "*" if breadth == "service" else target.knowledge_base_id
        knowledge_base = arn("bedrock", f"knowledge-base/{name}")
        audited.append(knowledge_base)
        if target.data_source_ids is None:
            list_data_sources.append(knowledge_base)
        else:
            get_data_source.append(knowledge_base)
        if target.settings.self_healing is not None:
            start.append(knowledge_base)
    grants = []
    if audited:
        grants += [
            grant("bedrock:ListIngestionJobs", audited),
            grant("bedrock:GetIngestionJob", audited),
        ]
    if list_data_sources:
        grants.append(grant("bedrock:ListDataSources", list_data_sources))
    if get_data_source:
        grants.append(grant("bedrock:GetDataSource", get_data_source))
    if start:
        grants.append(grant("bedrock:StartIngestionJob", start))
    return grants


# No log groups: the notifier reads no Bedrock logs. Failure reasons come from the API
# (GetIngestionJob, above); a knowledge base's own log delivery is optional and goes wherever
# its owner points it, so no group name follows from the configuration.
SERVICE: Final = InfraService(
    key=KEY,
    title="Amazon Bedrock Knowledge Bases",
    short_title="Bedrock",
    parse=parse,
    poller_grants=poller_grants,
)
