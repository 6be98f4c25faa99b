"""Amazon Kendra: index data sources, keyed kendra#<indexId>#<dataSourceId>."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from sync_auditor.discovery import Discovery, Named
from sync_auditor.model import DataSourceRef, parse_iso_utc
from sync_auditor.services.kendra.api import KendraApi
from sync_auditor.services.spec import Parent, ServiceSpec, report_stream

INDEX = Parent(
    "Index", "index_id", "index_name", "indexId", "indexName", "--kendra-index", "Kendra index id"
)


def discover(discovery: Discovery, targets: Any, api: KendraApi) -> None:
    """An index entry without dataSourceIds means all its data sources; "all" every index."""
    everything = None
    if targets == "all":
        everything = discovery.scope(None, "kendra")
        found = discovery.attempt("kendra", "kendra indices", api.indices) or []
        targets = [{"indexId": index_id, "_name": name} for index_id, name in found]
    for target in targets or []:
        index_id = target["indexId"]
        explicit = target.get("dataSourceIds")
        scope = None
        if explicit:
            named: Named = [(ds, None) for ds in explicit]
        else:
            scope = discovery.scope(everything, f"kendra#{index_id}")
            listing = partial(api.data_sources, index_id)
            named = discovery.attempt("kendra", f"kendra index {index_id}", listing) or []
        discovery.sources += [
            DataSourceRef(
                "kendra",
                index_id,
                ds,
                data_source_name=name,
                index_name=target.get("_name"),
                scope=scope,
            )
            for ds, name in named
        ]


def console_url(source: DataSourceRef, host: str, region: str) -> str:
    index, data_source = quote(source.index_id, safe=""), quote(source.data_source_id, safe="")
    return (
        f"https://{host}/kendra/home?region={region}"
        f"#indexes/{index}/datasources/{data_source}/details"
    )


def log_group(source: DataSourceRef) -> str:
    return f"/aws/kendra/{source.index_id}"


def log_streams(source: DataSourceRef, execution_id: str, start_time: str | None) -> list[str]:
    """The job's sync report stream, and Kendra's per-job stream of the hour it started."""
    streams = report_stream(source, execution_id, start_time)
    if start_time:
        hour = parse_iso_utc(start_time).strftime("%Y-%m-%d-%H")
        streams.append(f"{source.data_source_id}/{hour}/{execution_id}")
    return streams


SPEC = ServiceSpec(
    name="kendra",
    title="Amazon Kendra",
    client_name="kendra",
    parents=(INDEX,),
    make_api=KendraApi,
    discover=discover,
    console_url=console_url,
    log_group=log_group,
    log_streams=log_streams,
    document_extras={"applicationId": None, "applicationName": None},
)
