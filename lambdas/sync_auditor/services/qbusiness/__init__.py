"""Amazon Q Business: application index data sources, keyed
qbusiness#<applicationId>#<indexId>#<dataSourceId>."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from sync_auditor.discovery import Discovery, Named
from sync_auditor.model import DataSourceRef
from sync_auditor.services.qbusiness.api import QBusinessApi
from sync_auditor.services.spec import Parent, ServiceSpec

APPLICATION = Parent(
    "Application",
    "application_id",
    "application_name",
    "applicationId",
    "applicationName",
    "--application",
    "Q Business application id",
)
INDEX = Parent(
    "Index",
    "index_id",
    "index_name",
    "indexId",
    "indexName",
    "--index",
    "Q Business index id (with --application)",
)


def discover(discovery: Discovery, targets: Any, api: QBusinessApi) -> None:
    """An application entry without indexId means all its indices, one without dataSourceIds
    all the index's data sources; "all" every application."""
    everything = None
    if targets == "all":
        everything = discovery.scope(None, "qbusiness")
        found = discovery.attempt("qbusiness", "qbusiness applications", api.applications) or []
        targets = [{"applicationId": app, "_name": name} for app, name in found]
    for target in targets or []:
        app = target["applicationId"]
        whole_app = None
        if target.get("indexId"):
            indices: Named = [(target["indexId"], None)]
        else:
            whole_app = discovery.scope(everything, f"qbusiness#{app}")
            listing = partial(api.indices, app)
            indices = discovery.attempt("qbusiness", f"qbusiness application {app}", listing) or []
        for index_id, index_name in indices:
            explicit = target.get("dataSourceIds")
            scope = None
            if explicit:
                named: Named = [(ds, None) for ds in explicit]
            else:
                scope = discovery.scope(whole_app, f"qbusiness#{app}#{index_id}")
                named = (
                    discovery.attempt(
                        "qbusiness",
                        f"qbusiness index {app}/{index_id}",
                        partial(api.data_sources, app, index_id),
                    )
                    or []
                )
            discovery.sources += [
                DataSourceRef(
                    "qbusiness",
                    index_id,
                    ds,
                    application_id=app,
                    data_source_name=name,
                    index_name=index_name,
                    application_name=target.get("_name"),
                    scope=scope,
                )
                for ds, name in named
            ]


def console_url(source: DataSourceRef, host: str, region: str) -> str:
    application = quote(source.application_id or "", safe="")
    index, data_source = quote(source.index_id, safe=""), quote(source.data_source_id, safe="")
    return (
        f"https://{host}/amazonq/business/applications/{application}"
        f"/indices/{index}/datasources/{data_source}/details?region={region}"
    )


def log_group(source: DataSourceRef) -> str:
    """The application's log group (the job's stream in it: the sync report, spec's default)."""
    return f"/aws/qbusiness/{source.application_id}"


SPEC = ServiceSpec(
    name="qbusiness",
    title="Amazon Q Business",
    client_name="qbusiness",
    parents=(APPLICATION, INDEX),
    make_api=QBusinessApi,
    discover=discover,
    console_url=console_url,
    log_group=log_group,
)
