"""Expands the configured targets into the data sources to audit.

An index entry without dataSourceIds means all its data sources, an application entry without
indexId all its indices, and "all" every index / application in the region. Listing is done at
poll time, so a data source added in the console is audited from the next tick on.

Each data source found by listing carries the scope of the target it was found under, and every
scope attempted is reported (whether its listing worked or not): the poller records when it
first attempted each scope, and a data source that appears later under it is audited since then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol, TypeVar

from sync_auditor.model import DataSourceRef

T = TypeVar("T")
Named = list[tuple[str, str | None]]


class KendraInventory(Protocol):
    def indices(self) -> Named: ...
    def data_sources(self, index_id: str) -> Named: ...


class QBusinessInventory(Protocol):
    def applications(self) -> Named: ...
    def indices(self, application_id: str) -> Named: ...
    def data_sources(self, application_id: str, index_id: str) -> Named: ...


@dataclass(frozen=True)
class DiscoveryError:
    service: str
    scope: str  # which listing failed, e.g. "kendra index <id>"
    error_code: str


class Discovery:
    """Collects data sources, the scopes attempted, and one error per listing that failed."""

    def __init__(self, error_code_of: Callable[[Exception], str | None]) -> None:
        self._error_code_of = error_code_of
        self.sources: list[DataSourceRef] = []
        self.errors: list[DiscoveryError] = []
        self.scopes: list[str] = []

    def _attempt(self, service: str, scope: str, listing: Callable[[], T]) -> T | None:
        try:
            return listing()
        except Exception as error:
            code = self._error_code_of(error)
            if code is None:
                raise
            self.errors.append(DiscoveryError(service, scope, code))
            return None

    def _scope(self, outer: str | None, own: str) -> str:
        """The scope a listing belongs to: the outermost target ("all") wins."""
        scope = outer or own
        if scope not in self.scopes:
            self.scopes.append(scope)
        return scope

    def kendra(self, targets: Any, api: KendraInventory) -> None:
        everything = None
        if targets == "all":
            everything = self._scope(None, "kendra")
            found = self._attempt("kendra", "kendra indices", api.indices) or []
            targets = [{"indexId": index_id, "_name": name} for index_id, name in found]
        for target in targets or []:
            index_id = target["indexId"]
            explicit = target.get("dataSourceIds")
            scope = None
            if explicit:
                named: Named = [(ds, None) for ds in explicit]
            else:
                scope = self._scope(everything, f"kendra#{index_id}")
                named = (
                    self._attempt(
                        "kendra", f"kendra index {index_id}", partial(api.data_sources, index_id)
                    )
                    or []
                )
            self.sources += [
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

    def qbusiness(self, targets: Any, api: QBusinessInventory) -> None:
        everything = None
        if targets == "all":
            everything = self._scope(None, "qbusiness")
            found = self._attempt("qbusiness", "qbusiness applications", api.applications) or []
            targets = [{"applicationId": app, "_name": name} for app, name in found]
        for target in targets or []:
            app = target["applicationId"]
            app_name = target.get("_name")
            whole_app = None
            if target.get("indexId"):
                indices: Named = [(target["indexId"], None)]
            else:
                whole_app = self._scope(everything, f"qbusiness#{app}")
                indices = (
                    self._attempt(
                        "qbusiness", f"qbusiness application {app}", partial(api.indices, app)
                    )
                    or []
                )
            for index_id, index_name in indices:
                explicit = target.get("dataSourceIds")
                scope = None
                if explicit:
                    named: Named = [(ds, None) for ds in explicit]
                else:
                    scope = self._scope(whole_app, f"qbusiness#{app}#{index_id}")
                    named = (
                        self._attempt(
                            "qbusiness",
                            f"qbusiness index {app}/{index_id}",
                            partial(api.data_sources, app, index_id),
                        )
                        or []
                    )
                self.sources += [
                    DataSourceRef(
                        "qbusiness",
                        index_id,
                        ds,
                        application_id=app,
                        data_source_name=name,
                        index_name=index_name,
                        application_name=app_name,
                        scope=scope,
                    )
                    for ds, name in named
                ]
