"""Discovery, cached: a service's targets are listed at most every `discoveryRefreshMinutes`,
and the result is kept in the state table (adapters/discovery_cache.py) between refreshes.

Listing every index, application and knowledge base on every tick costs one call per container
(152 a tick for "all" over 50 indexes and 50 applications); their data sources change a few
times a year. So a service's expansion (discovery.py) is reused until one of these holds:
- it is older than the refresh interval;
- the configured targets changed (the head stores their hash: a deploy does not wait);
- the last refresh failed (errors are never cached: the previous good result is used, the error
  reported as before, and the next tick lists again);
- a poll met a listed data source that no longer exists (`forget_gone`: the next tick lists).
Targets that name every data source by id need no listing, so they never touch the cache.

Nothing under "Trust" depends on when a data source is found: one that appears under a scope
already audited is audited since the scope was first attempted (watch.py, the scope's
`auditedSince`), so its jobs that ended before the refresh that found it are news and alert.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sync_auditor.discovery import Discovery
from sync_auditor.model import DataSourceRef, iso_utc, parse_iso_utc
from sync_auditor.poll_report import SourceResult

# What Kendra, Q Business and Bedrock answer for a data source (or its index, application,
# knowledge base) that was deleted: api-reference/, and the simulator's deleted data sources.
GONE_ERROR_CODE = "ResourceNotFoundException"
# Part of the targets' hash: a release that changes what a listing holds (or how it is stored)
# bumps it, and every cache made before is refreshed on its first tick.
FORMAT = 1


@dataclass(frozen=True)
class Listing:
    """What one service's expansion found: all discovery.Discovery reports but its errors."""

    sources: tuple[DataSourceRef, ...]
    scopes: tuple[str, ...]
    # What listing left out on purpose; None when the service's discovery counts no skips.
    skipped: int | None = None


@dataclass(frozen=True)
class Head:
    """The cached listing of one service in use: which generation, of which targets, when."""

    service: str
    generation: str
    parts: int
    targets_hash: str
    refreshed_at: str
    stale: bool = False


class ListingStore(Protocol):
    def heads(self, services: Iterable[str]) -> dict[str, Head]: ...
    def load(self, head: Head) -> Listing | None: ...
    def save(self, service: str, listing: Listing, targets_hash: str, now: str) -> Head: ...
    def mark_stale(self, head: Head) -> None: ...


def targets_hash(targets: Any) -> str:
    """A digest of one service's configured targets (and of the cache's FORMAT)."""
    text = json.dumps({"format": FORMAT, "targets": targets}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class _NeedsListing(Exception):
    pass


class _Probe(Discovery):
    """Expands targets without calling any API: stops at the first listing it would make."""

    def attempt(self, service: str, scope: str, listing: Callable[[], Any]) -> Any:
        raise _NeedsListing


def _listing(discovery: Discovery, service: str) -> Listing:
    return Listing(
        tuple(discovery.sources), tuple(discovery.scopes), discovery.skipped.get(service)
    )


def _add(discovery: Discovery, service: str, listing: Listing) -> None:
    discovery.sources += listing.sources
    for scope in listing.scopes:
        discovery.scope(None, scope)
    if listing.skipped is not None:
        discovery.skip(service, listing.skipped)


@dataclass
class CachedDiscovery:
    """One tick's discovery (`discovery`, as discovery.Discovery reports it) and the cache heads
    it used, which a poll that meets a deleted data source marks stale."""

    discovery: Discovery
    error_code_of: Callable[[Exception], str | None]
    store: ListingStore | None = None
    heads: dict[str, Head] = field(default_factory=dict)
    # The services whose targets were listed this tick (not served from the cache).
    listed: list[str] = field(default_factory=list)

    def forget_gone(self, results: Iterable[SourceResult]) -> list[str]:
        """Mark stale the cache of each service where a listed data source no longer exists;
        returns those services. One named by id is not: listing again would not drop it."""
        gone = gone_services(results)
        marked = sorted(s for s in gone if s in self.heads and not self.heads[s].stale)
        for service in marked:
            assert self.store is not None  # heads are kept only when there is a store
            self.store.mark_stale(self.heads[service])
        return marked

    @property
    def capacity(self) -> list[Any]:
        """The store's capacity meter, if it has one (summed into the tick's units)."""
        meter = getattr(self.store, "capacity", None)
        return [meter] if meter is not None else []


def gone_services(results: Iterable[SourceResult]) -> set[str]:
    """The services where a data source found by listing turned out not to exist any more."""
    return {
        r.source.service
        for r in results
        if r.outcome == "error" and r.error_code == GONE_ERROR_CODE and r.source.scope
    }


def mark_gone(store: ListingStore, results: Iterable[SourceResult]) -> list[str]:
    """`Listings.forget_gone` for a poll that has no tick's listings at hand (a fan-out batch):
    reads the heads of just the services concerned, only when one of its data sources is gone."""
    gone = gone_services(results)
    if not gone:
        return []
    heads = store.heads(sorted(gone))
    marked = sorted(service for service, head in heads.items() if not head.stale)
    for service in marked:
        store.mark_stale(heads[service])
    return marked


def cached_discovery(
    error_code_of: Callable[[Exception], str | None],
    targets: Mapping[str, Any],
    apis: Mapping[str, Any],
    store: ListingStore | None,
    refresh_minutes: int,
    now: datetime,
) -> CachedDiscovery:
    """Expand each service's `targets`, from the cache where it is still good; without a store
    (or with `refresh_minutes` 0) every service is listed, as before the cache."""
    result = CachedDiscovery(
        Discovery(error_code_of), error_code_of, store if refresh_minutes > 0 else None
    )
    listed = [s for s in targets if _needs_listing(result, s, targets[s], apis[s])]
    if result.store is None:
        for service in listed:
            result.discovery.expand(service, targets[service], apis[service])
        result.listed = listed
        return result
    heads = result.store.heads(listed)
    max_age = timedelta(minutes=refresh_minutes)
    for service in listed:
        digest = targets_hash(targets[service])
        head = heads.get(service)
        if head is not None and head.targets_hash != digest:
            head = None  # another configuration's listing: of no use, even as a fallback
        cached = result.store.load(head) if head is not None else None
        if head is not None and cached is not None:
            result.heads[service] = head
            age = now - parse_iso_utc(head.refreshed_at)
            # A head from the future (a clock set back) is as good as expired.
            if not head.stale and timedelta(0) <= age < max_age:
                _add(result.discovery, service, cached)
                continue
        result.listed.append(service)
        _refresh(result, service, targets[service], apis[service], cached, digest, now)
    return result


def _needs_listing(result: CachedDiscovery, service: str, targets: Any, api: Any) -> bool:
    """Whether the service's targets need a listing; if not, their expansion is added now."""
    probe = _Probe(result.error_code_of)
    try:
        probe.expand(service, targets, api)
    except _NeedsListing:
        return True
    _add(result.discovery, service, _listing(probe, service))
    return False


def _refresh(
    result: CachedDiscovery,
    service: str,
    targets: Any,
    api: Any,
    cached: Listing | None,
    digest: str,
    now: datetime,
) -> None:
    assert result.store is not None
    fresh = Discovery(result.error_code_of)
    fresh.expand(service, targets, api)
    result.discovery.errors += fresh.errors
    if not fresh.errors:
        listing = _listing(fresh, service)
        result.heads[service] = result.store.save(service, listing, digest, iso_utc(now))
        _add(result.discovery, service, listing)
        return
    if cached is None:
        _add(result.discovery, service, _listing(fresh, service))  # the best there is
        return
    # The last good listing stands; every scope attempted now is still reported (the poller
    # records each scope's first attempt), and the next tick lists again.
    _add(result.discovery, service, cached)
    for scope in fresh.scopes:
        result.discovery.scope(None, scope)
    head = result.heads[service]
    if not head.stale:
        result.store.mark_stale(head)
        result.heads[service] = replace(head, stale=True)
