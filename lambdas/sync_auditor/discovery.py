"""Expands the configured targets into the data sources to audit.

Each service's package says what its targets mean (services/<name>: `discover`); "all" means
every index, application or knowledge base in the region. Listing is done at poll time, so a
data source added in the console is audited from the next tick on.

Each data source found by listing carries the scope of the target it was found under, and every
scope attempted is reported (whether its listing worked or not): the poller records when it
first attempted each scope, and a data source that appears later under it is audited since then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sync_auditor.model import DataSourceRef

T = TypeVar("T")
Named = list[tuple[str, str | None]]


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
        # Per service, what listing found and left out on purpose (e.g. being deleted).
        self.skipped: dict[str, int] = {}

    def attempt(self, service: str, scope: str, listing: Callable[[], T]) -> T | None:
        try:
            return listing()
        except Exception as error:
            code = self._error_code_of(error)
            if code is None:
                raise
            self.errors.append(DiscoveryError(service, scope, code))
            return None

    def scope(self, outer: str | None, own: str) -> str:
        """The scope a listing belongs to: the outermost target ("all") wins."""
        scope = outer or own
        if scope not in self.scopes:
            self.scopes.append(scope)
        return scope

    def skip(self, service: str, count: int) -> None:
        self.skipped[service] = self.skipped.get(service, 0) + count

    def expand(self, service: str, targets: Any, api: Any) -> None:
        """Add the data sources of one service's configured targets (its spec's `discover`)."""
        from sync_auditor.services import spec_of  # the service packages build on this module

        spec_of(service).discover(self, targets, api)
