"""Amazon Bedrock Knowledge Bases: knowledge base data sources and their ingestion jobs, keyed
bedrock#<knowledgeBaseId>#<dataSourceId>. The failure reasons come from GetIngestionJob (the
poller stores them as errorMessage), not from logs."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from sync_auditor.discovery import Discovery
from sync_auditor.model import DataSourceRef
from sync_auditor.services.bedrock.api import BedrockApi
from sync_auditor.services.bedrock.jobs import transient_failure
from sync_auditor.services.spec import Parent, ServiceSpec

KNOWLEDGE_BASE = Parent(
    "Knowledge base",
    "knowledge_base_id",
    "knowledge_base_name",
    "knowledgeBaseId",
    "knowledgeBaseName",
    "--knowledge-base",
    "Bedrock knowledge base id",
)
# Only these are audited when listing: a knowledge base in any other state (being created,
# deleted, failed) and a data source being deleted have no ingestion to watch.
ACTIVE_KNOWLEDGE_BASE = "ACTIVE"
GONE_DATA_SOURCE = frozenset({"DELETING", "DELETE_UNSUCCESSFUL"})


def discover(discovery: Discovery, targets: Any, api: BedrockApi) -> None:
    """A knowledge base entry without dataSourceIds means all its data sources; "all" every
    ACTIVE knowledge base. What listing finds inactive or being deleted is skipped and counted."""
    skipped = 0
    everything = None
    if targets == "all":
        everything = discovery.scope(None, "bedrock")
        found = discovery.attempt("bedrock", "bedrock knowledge bases", api.knowledge_bases) or []
        skipped += sum(1 for _, _, status in found if status != ACTIVE_KNOWLEDGE_BASE)
        targets = [
            {"knowledgeBaseId": kb, "_name": name}
            for kb, name, status in found
            if status == ACTIVE_KNOWLEDGE_BASE
        ]
    for target in targets or []:
        kb = target["knowledgeBaseId"]
        explicit = target.get("dataSourceIds")
        scope = None
        if explicit:
            named: list[tuple[str, str | None]] = [(ds, None) for ds in explicit]
        else:
            scope = discovery.scope(everything, f"bedrock#{kb}")
            listing = partial(api.data_sources, kb)
            listed = discovery.attempt("bedrock", f"bedrock knowledge base {kb}", listing) or []
            skipped += sum(1 for _, _, status in listed if status in GONE_DATA_SOURCE)
            named = [(ds, name) for ds, name, status in listed if status not in GONE_DATA_SOURCE]
        discovery.sources += [
            DataSourceRef.from_ids(
                "bedrock",
                {"knowledge_base_id": kb, "knowledge_base_name": target.get("_name")},
                ds,
                data_source_name=name,
                scope=scope,
            )
            for ds, name in named
        ]
    discovery.skip("bedrock", skipped)


def console_url(source: DataSourceRef, host: str, region: str) -> str:
    """The knowledge base's page (its data sources, each with its sync history) where its name
    is known (the console's path names it), else the console's list of knowledge bases. AWS
    documents no console links; this is the form the console uses for a knowledge base."""
    base = f"https://{host}/bedrock/home?region={region}#/knowledge-bases"
    if not source.knowledge_base_name or not source.knowledge_base_id:
        return base
    name = quote(source.knowledge_base_name, safe="")
    return f"{base}/knowledge-base/{name}/{quote(source.knowledge_base_id, safe='')}/0"


SPEC = ServiceSpec(
    name="bedrock",
    title="Amazon Bedrock Knowledge Bases",
    client_name="bedrock-agent",
    parents=(KNOWLEDGE_BASE,),
    make_api=BedrockApi,
    discover=discover,
    console_url=console_url,
    transient_failure=transient_failure,
)
